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

  it("an overflow of a sum or of 2 * sum reverts (Panic 0x11)", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const { layer } = await handMadePooling(kit, "AveragePooling2DLayer", { H: 1, W: 2, C: 5, PH: 1, PW: 2, SH: 1, SW: 1, padding: "valid" }, averageOf);
    const big = 1n << 253n;
    for (const ch of [0, 4]) { // a channel of the groups of 4, and the one after
      const x = Array(10).fill(3n);
      [x[ch], x[5 + ch]] = [big, big]; // 2^254: the sum fits, twice it does not
      await expect(layer.forward([x], [])).to.be.revertedWithPanic(0x11);
      [x[ch], x[5 + ch]] = [(1n << 255n) - 1n, 1n]; // the sum itself overflows
      await expect(layer.forward([x], [])).to.be.revertedWithPanic(0x11);
      [x[ch], x[5 + ch]] = [big, big - 1n]; // 2 * sum fits, 2 * sum + 2 (cells) does not
      await expect(layer.forward([x], [])).to.be.revertedWithPanic(0x11);
      [x[ch], x[5 + ch]] = [big - 1n, big - 1n]; // 2^254 - 2: the largest mean without an overflow
      expect((await layer.forward([x], []))[ch]).to.equal(averageOf([big - 1n, big - 1n]));
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
