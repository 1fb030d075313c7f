// GlobalMaxPooling2DLayer: on chain == emulator for every fixture; per-channel max over the
// int256 extremes against a BigInt reference.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { abi, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { maxOf } = require("../helpers/pooling");
const { expectQuarterCheaper } = require("../helpers/slices");

describe("GlobalMaxPooling2DLayer", function () {
  itMatchesEmulatorOnFixtures("GlobalMaxPooling2DLayer");

  it("takes each channel's max, int256 extremes included", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const layer = await cloneLayer(kit, "GlobalMaxPooling2DLayer", abi.encode(Array(4).fill("uint256"), [24, 8, 4, 2]));
    for (const x of [Array(8).fill(-(1n << 255n)), [...randomIntsWithin(7, 100, 3), (1n << 255n) - 1n]]) {
      const expected = [0, 1].map((c) => maxOf(x.filter((_, i) => i % 2 === c)));
      expect(await layer.forward([x], [])).to.deep.equal(expected);
    }
  });

  it("forwardSlice is forward's slice (channels); a quarter of 8x8x64 costs < 35%", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const config = (cells, channels) => abi.encode(Array(4).fill("uint256"), [24, 8, cells, channels]);
    const small = await cloneLayer(kit, "GlobalMaxPooling2DLayer", config(6, 7));
    const x = randomIntsWithin(42, 2 ** 40, 71);
    const expected = [...Array(7).keys()].map((c) => maxOf(x.filter((_, i) => i % 7 === c)));
    expect(await expectSlicesOfForward(small, [x], [], 2)).to.deep.equal(expected);
    await expectQuarterCheaper(kit, await cloneLayer(kit, "GlobalMaxPooling2DLayer", config(64, 64)), [randomIntsWithin(4096, 2 ** 27, 72)]);
  });
});
