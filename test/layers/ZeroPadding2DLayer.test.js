// ZeroPadding2DLayer (ZeroPadding2D/1D, Cropping2D/1D): on chain == emulator for every fixture, and
// uneven padding and cropping of hand-made images against a reference; input checks;
// forwardSlice against forward (cut in rows and in the padding) and what a quarter costs.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { abi, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { expectQuarterCheaper } = require("../helpers/slices");

const TYPES = [...Array(5).fill("uint256"), ...Array(4).fill("int256")];

/** A ZeroPadding2D of an H x W x C image and its reference: output pixel (y, x) is input pixel
 *  (y - top, x - left), or 0 outside the input (negative edges crop: Cropping2D). */
async function zeroPadding(kit, [H, W, C], [top, bottom, left, right]) {
  const layer = await cloneLayer(kit, "ZeroPadding2DLayer", abi.encode(TYPES, [24, 32, H, W, C, top, bottom, left, right]));
  const [OH, OW] = [top + H + bottom, left + W + right];
  const reference = (x) => {
    const expected = [];
    for (let y = 0; y < OH; y++) {
      for (let z = 0; z < OW; z++) {
        const [iy, iz] = [y - top, z - left];
        const inside = iy >= 0 && iy < H && iz >= 0 && iz < W;
        for (let c = 0; c < C; c++) expected.push(inside ? x[(iy * W + iz) * C + c] : 0n);
      }
    }
    return expected;
  };
  return { layer, reference, size: H * W * C };
}

describe("ZeroPadding2DLayer", function () {
  itMatchesEmulatorOnFixtures("ZeroPadding2DLayer");

  it("pads ((1, 2), (0, 3)) around a 2x3x2 image", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const { layer, reference, size } = await zeroPadding(kit, [2, 3, 2], [1, 2, 0, 3]);
    const x = randomIntsWithin(size, 1000, 4);
    expect(await layer.forward([x], [])).to.deep.equal(reference(x));
    await expect(layer.forward([x.slice(1)], [])).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, size, size - 1);
  });

  it("forwardSlice is forward's slice (cut in rows and in the padding); a quarter of 16x16x16 costs < 35%", async function () {
    const kit = await loadFixture(deploySpatialKit);
    for (const [shape, padding] of [[[2, 3, 2], [1, 2, 0, 3]], [[3, 1, 3], [0, 0, 2, 1]], [[2, 2, 1], [3, 0, 0, 0]], [[2, 2, 2], [0, 0, 0, 0]]]) {
      const { layer, reference, size } = await zeroPadding(kit, shape, padding);
      const x = randomIntsWithin(size, 1000, 5);
      expect(await expectSlicesOfForward(layer, [x], [], shape[2])).to.deep.equal(reference(x));
    }
    const { layer } = await zeroPadding(kit, [16, 16, 16], [1, 1, 1, 1]);
    await expectQuarterCheaper(kit, layer, [randomIntsWithin(4096, 2 ** 27, 6)]);
  });

  it("crops with negative edges (Cropping2D, Cropping1D): forwardSlice is forward's slice of the window", async function () {
    const kit = await loadFixture(deploySpatialKit);
    for (const [shape, edges] of [[[5, 6, 2], [-1, -2, -2, 0]], [[1, 7, 3], [0, 0, -3, -1]], [[4, 4, 1], [-3, 0, 0, -2]],
      [[3, 5, 2], [1, -1, -2, 2]]]) {
      const { layer, reference, size } = await zeroPadding(kit, shape, edges);
      const x = randomIntsWithin(size, 1000, 7);
      expect(await expectSlicesOfForward(layer, [x], [], shape[2])).to.deep.equal(reference(x));
    }
    const { layer } = await zeroPadding(kit, [16, 16, 16], [-1, -1, -1, -1]);
    await expectQuarterCheaper(kit, layer, [randomIntsWithin(4096, 2 ** 27, 8)]);
  });

  it("reverts SafeCastOverflowedIntToUint when the edges crop more than the input holds", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const { layer } = await zeroPadding(kit, [2, 3, 1], [-1, -2, 0, 0]);
    await expect(layer.forward([[1n, 2n, 3n, 4n, 5n, 6n]], [])).to.be.revertedWithCustomError(layer, "SafeCastOverflowedIntToUint").withArgs(-1);
  });
});
