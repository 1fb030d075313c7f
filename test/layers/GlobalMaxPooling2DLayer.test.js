// GlobalMaxPooling2DLayer: on chain == emulator for every fixture; per-channel max over the
// int256 extremes against a BigInt reference.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { abi, cloneLayer } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { maxOf } = require("../helpers/pooling");

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
});
