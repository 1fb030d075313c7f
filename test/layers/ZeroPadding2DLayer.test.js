// ZeroPadding2DLayer: on chain == emulator for every fixture, and uneven padding of a hand-made
// image against a reference; input checks.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { abi, cloneLayer } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");

describe("ZeroPadding2DLayer", function () {
  itMatchesEmulatorOnFixtures("ZeroPadding2DLayer");

  it("pads ((1, 2), (0, 3)) around a 2x3x2 image", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const [H, W, C, top, bottom, left, right] = [2, 3, 2, 1, 2, 0, 3];
    const layer = await cloneLayer(kit, "ZeroPadding2DLayer", abi.encode(Array(9).fill("uint256"), [24, 32, H, W, C, top, bottom, left, right]));
    const x = randomIntsWithin(H * W * C, 1000, 4);
    const OW = left + W + right;
    const expected = Array((top + H + bottom) * OW * C).fill(0n);
    for (let y = 0; y < H; y++) for (let z = 0; z < W; z++) for (let c = 0; c < C; c++) expected[((y + top) * OW + z + left) * C + c] = x[(y * W + z) * C + c];
    expect(await layer.forward([x], [])).to.deep.equal(expected);
    await expect(layer.forward([x.slice(1)], [])).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, H * W * C, H * W * C - 1);
  });
});
