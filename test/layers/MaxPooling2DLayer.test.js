// MaxPooling2DLayer: on chain == emulator for every fixture; hand-made windows ('same' with
// odd sizes, the int256 extremes, channel counts around the unrolled 4) against a BigInt
// reference; input checks; forwardSlice against forward (cut inside positions) and what a
// quarter costs.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { handMadePooling, maxOf } = require("../helpers/pooling");
const { expectQuarterCheaper } = require("../helpers/slices");

const MIN = -(1n << 255n);
const MAX = (1n << 255n) - 1n;

describe("MaxPooling2DLayer", function () {
  itMatchesEmulatorOnFixtures("MaxPooling2DLayer");

  for (const shape of [
    { H: 5, W: 7, C: 2, PH: 2, PW: 3, SH: 2, SW: 2, padding: "same" },
    { H: 6, W: 5, C: 3, PH: 3, PW: 2, SH: 1, SW: 2, padding: "valid" },
    // Runs of windows inside the input (PoolKernels.maxRun): 2x2 unrolled, beside clipped edges.
    { H: 8, W: 9, C: 5, PH: 2, PW: 2, SH: 2, SW: 2, padding: "same" },
    { H: 6, W: 6, C: 4, PH: 2, PW: 2, SH: 1, SW: 1, padding: "valid" },
    // The general run: 3x3 windows, stride 1, 'same' (inside only away from the edges).
    { H: 7, W: 8, C: 3, PH: 3, PW: 3, SH: 1, SW: 1, padding: "same" },
  ]) {
    it(`${shape.padding} ${shape.PH}x${shape.PW}/${shape.SH}x${shape.SW}: equals a BigInt reference, int256 extremes included`, async function () {
      const kit = await loadFixture(deploySpatialKit);
      const { layer, reference, size } = await handMadePooling(kit, "MaxPooling2DLayer", shape, maxOf);
      const extremes = randomIntsWithin(size, 5, 8).map((v) => (v === 5n ? MAX : v === -5n ? MIN : v));
      for (const x of [Array(size).fill(MIN), randomIntsWithin(size, 2 ** 30, 3), extremes]) {
        expect(await layer.forward([x], [])).to.deep.equal(reference(x));
      }
    });
  }

  it("reverts on a wrong input size", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const { layer, size } = await handMadePooling(kit, "MaxPooling2DLayer", { H: 2, W: 2, C: 1, PH: 2, PW: 2, SH: 2, SW: 2, padding: "valid" }, maxOf);
    await expect(layer.forward([Array(size + 1).fill(0n)], [])).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, size, size + 1);
  });

  it("forwardSlice is forward's slice ('same' windows, 1 to 6 channels, runs of inside windows); a quarter of 16x16x16 costs < 35%", async function () {
    const kit = await loadFixture(deploySpatialKit);
    for (const C of [1, 4, 6]) {
      const { layer, reference, size } = await handMadePooling(kit, "MaxPooling2DLayer", { H: 5, W: 7, C, PH: 3, PW: 2, SH: 2, SW: 2, padding: "same" }, maxOf);
      const x = randomIntsWithin(size, 2 ** 30, 9 + C);
      expect(await expectSlicesOfForward(layer, [x], [], C)).to.deep.equal(reference(x));
    }
    for (const shape of [{ H: 8, W: 9, C: 3, PH: 2, PW: 2, SH: 2, SW: 2, padding: "same" }, { H: 7, W: 8, C: 2, PH: 3, PW: 3, SH: 1, SW: 1, padding: "same" }]) {
      const { layer, reference, size } = await handMadePooling(kit, "MaxPooling2DLayer", shape, maxOf);
      const x = randomIntsWithin(size, 2 ** 30, 29 + shape.C);
      expect(await expectSlicesOfForward(layer, [x], [], shape.C)).to.deep.equal(reference(x));
    }
    const { layer, size } = await handMadePooling(kit, "MaxPooling2DLayer", { H: 16, W: 16, C: 16, PH: 2, PW: 2, SH: 2, SW: 2, padding: "valid" }, maxOf);
    await expectQuarterCheaper(kit, layer, [randomIntsWithin(size, 2 ** 27, 19)]);
  });
});
