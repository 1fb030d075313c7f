// AveragePooling2DLayer: on chain == emulator for every fixture; the rounding (nearest, ties up,
// floor division for negative sums) and the valid-cell count of 'same' windows against BigInt.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { randomIntsWithin } = require("../helpers/random");
const { handMadePooling, averageOf } = require("../helpers/pooling");

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
});
