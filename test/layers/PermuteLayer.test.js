// PermuteLayer (Keras Permute): on chain == emulator for every fixture; hand-made permutations of
// rank 2 to 4 against a reference transpose; forwardSlice against forward (runs cut inside the last
// axis and across the odometer's carries); config and input checks.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { abi, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");

const TYPES = ["uint256", "uint256", "uint256[]", "uint256[]"];

/** A Permute of an input of `shape` by `axes` (0-based input axis of each output axis), its config
 *  as python/eternal/layers/permute.py encodes it, and its reference. */
async function permute(kit, shape, axes) {
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const outShape = axes.map((a) => shape[a]);
  const layer = await cloneLayer(kit, "PermuteLayer", abi.encode(TYPES, [24, 32, outShape, axes.map((a) => strides[a])]));
  const size = shape.reduce((a, b) => a * b, 1);
  const reference = (x) => {
    const expected = [];
    for (let i = 0; i < size; i++) {
      let rest = i;
      let offset = 0;
      for (let k = outShape.length - 1; k >= 0; k--) {
        offset += (rest % outShape[k]) * strides[axes[k]];
        rest = Math.floor(rest / outShape[k]);
      }
      expected.push(x[offset]);
    }
    return expected;
  };
  return { layer, reference, size, last: outShape[outShape.length - 1] };
}

describe("PermuteLayer", function () {
  itMatchesEmulatorOnFixtures("PermuteLayer");

  it("forwardSlice is forward's slice for permutations of rank 1 to 4 (identity, transposes, cycles)", async function () {
    const kit = await loadFixture(deploySpatialKit);
    for (const [shape, axes] of [[[6], [0]], [[3, 4], [1, 0]], [[2, 3, 4], [2, 0, 1]], [[2, 3, 4], [1, 2, 0]],
      [[2, 3, 4], [0, 2, 1]], [[2, 3, 2, 3], [3, 1, 0, 2]], [[3, 1, 2], [0, 1, 2]], [[5, 9], [1, 0]], [[2, 11, 3], [2, 0, 1]]]) {
      const { layer, reference, size, last } = await permute(kit, shape, axes);
      const x = randomIntsWithin(size, 1000, shape.length);
      expect(await expectSlicesOfForward(layer, [x], [], last), `${shape} by ${axes}`).to.deep.equal(reference(x));
    }
  });

  it("checks its input and its config", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const { layer, size } = await permute(kit, [2, 3], [1, 0]);
    const x = randomIntsWithin(size, 1000, 9);
    await expect(layer.forward([x.slice(1)], [])).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, size, size - 1);
    const bad = await cloneLayer(kit, "PermuteLayer", abi.encode(TYPES, [24, 32, [3, 2], [1]]));
    await expect(bad.forward([x], [])).to.be.revertedWithCustomError(bad, "PermuteConfigMismatch").withArgs(2, 1);
  });
});
