// AveragePooling2DLayer: on chain == emulator for every fixture; the rounding (nearest, ties up,
// floor division for negative sums) and the valid-cell count of 'same' windows against BigInt;
// overflows revert as checked arithmetic does; forwardSlice against forward and what a quarter costs.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { handMadePooling, averageOf } = require("../helpers/pooling");
const { expectQuarterCheaper } = require("../helpers/slices");

describe("AveragePooling2DLayer", function () {
  itMatchesEmulatorOnFixtures("AveragePooling2DLayer");

  it("rounds to nearest with ties up, negative sums included", async function () {
    const kit = await loadFixture(deploySpatialKit);
    // One 1x2 window: (a + b) / 2 with every parity and sign.
    const { layer } = await handMadePooling(kit, "AveragePooling2DLayer", { H: 1, W: 2, C: 1, PH: 1, PW: 2, SH: 1, SW: 1, padding: "valid" }, averageOf);
    const cases = [[[2n, 3n], 3n], [[-2n, -3n], -2n], [[-1n, 0n], 0n], [[1n, 0n], 1n], [[-3n, 0n], -1n], [[0n, 0n], 0n]];
    for (const [x, expected] of cases) {
      expect(await layer.forward([x], [])).to.deep.equal([expected]);
    }
  });

  for (const shape of [
    { H: 5, W: 7, C: 2, PH: 3, PW: 3, SH: 2, SW: 2, padding: "same" }, // corners average 4 or 6 cells
    { H: 4, W: 5, C: 3, PH: 2, PW: 3, SH: 1, SW: 1, padding: "same" },
    { H: 6, W: 6, C: 1, PH: 3, PW: 3, SH: 3, SW: 3, padding: "valid" }, // 9 cells: odd divisor
  ]) {
    it(`${shape.padding} ${shape.PH}x${shape.PW}/${shape.SH}x${shape.SW}: equals a BigInt reference`, async function () {
      const kit = await loadFixture(deploySpatialKit);
      const { layer, reference, size } = await handMadePooling(kit, "AveragePooling2DLayer", shape, averageOf);
      for (const x of [randomIntsWithin(size, 7, 1), randomIntsWithin(size, 2 ** 40, 2)]) {
        expect(await layer.forward([x], [])).to.deep.equal(reference(x));
      }
    });
  }

  it("an overflow of a sum, of 2 * sum or of 2 * sum + n reverts (Panic 0x11); n = 2 and 3", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const big = 1n << 253n;
    for (const W of [2, 3]) { // 2 n a power of two (a shift) or not (a division)
      const { layer } = await handMadePooling(kit, "AveragePooling2DLayer", { H: 1, W, C: 5, PH: 1, PW: W, SH: 1, SW: 1, padding: "valid" }, averageOf);
      for (const ch of [0, 4]) { // a channel of the groups of 4, and the one after
        const window = (cells) => {
          const x = Array(5 * W).fill(3n);
          cells.forEach((v, k) => (x[5 * k + ch] = v));
          return x;
        };
        const rest = Array(W - 2).fill(0n);
        for (const cells of [[big, big], [(1n << 255n) - 1n, 1n], [big, big - 1n]]) { // 2 sum; the sum; 2 sum + n (sum 2^254 - 1)
          await expect(layer.forward([window([...cells, ...rest])], []), `${W} cells ${cells}`).to.be.revertedWithPanic(0x11);
        }
        const cells = [big - 1n, big - 1n, ...rest]; // 2^254 - 2: the largest sum without an overflow (n <= 3)
        expect((await layer.forward([window(cells)], []))[ch]).to.equal(averageOf(cells));
      }
    }
  });

  it("forwardSlice is forward's slice ('same' windows, 1 to 6 channels); a quarter of 16x16x16 costs < 35%", async function () {
    const kit = await loadFixture(deploySpatialKit);
    for (const C of [1, 4, 6]) {
      const { layer, reference, size } = await handMadePooling(kit, "AveragePooling2DLayer", { H: 5, W: 7, C, PH: 3, PW: 3, SH: 2, SW: 2, padding: "same" }, averageOf);
      const x = randomIntsWithin(size, 2 ** 40, 29 + C);
      expect(await expectSlicesOfForward(layer, [x], [], C)).to.deep.equal(reference(x));
    }
    const { layer, size } = await handMadePooling(kit, "AveragePooling2DLayer", { H: 16, W: 16, C: 16, PH: 2, PW: 2, SH: 2, SW: 2, padding: "valid" }, averageOf);
    await expectQuarterCheaper(kit, layer, [randomIntsWithin(size, 2 ** 27, 39)]);
  });
});
