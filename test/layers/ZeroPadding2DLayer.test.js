// ZeroPadding2DLayer: on chain == emulator for every fixture, and uneven padding of hand-made
// images against a reference; input checks; forwardSlice against forward (cut in rows and in the
// padding) and what a quarter costs.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { abi, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { expectQuarterCheaper } = require("../helpers/slices");

/** A ZeroPadding2D of an H x W x C image and its reference (zeros around, the image inside). */
async function zeroPadding(kit, [H, W, C], [top, bottom, left, right]) {
  const layer = await cloneLayer(kit, "ZeroPadding2DLayer", abi.encode(Array(9).fill("uint256"), [24, 32, H, W, C, top, bottom, left, right]));
  const OW = left + W + right;
  const reference = (x) => {
    const expected = Array((top + H + bottom) * OW * C).fill(0n);
    for (let y = 0; y < H; y++) for (let z = 0; z < W; z++) for (let c = 0; c < C; c++) expected[((y + top) * OW + z + left) * C + c] = x[(y * W + z) * C + c];
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
});
