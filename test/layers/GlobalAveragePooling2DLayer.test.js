// GlobalAveragePooling2DLayer: on chain == emulator for every fixture; per-channel means rounded
// to nearest with ties up, against a BigInt reference; input checks.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { abi, cloneLayer } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { averageOf } = require("../helpers/pooling");

describe("GlobalAveragePooling2DLayer", function () {
  itMatchesEmulatorOnFixtures("GlobalAveragePooling2DLayer");

  it("averages each channel (6 cells, ties and negative sums) like a BigInt reference", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const layer = await cloneLayer(kit, "GlobalAveragePooling2DLayer", abi.encode(Array(4).fill("uint256"), [24, 8, 6, 3]));
    for (const x of [randomIntsWithin(18, 4, 9), randomIntsWithin(18, 2 ** 50, 10), Array(18).fill(-1n)]) {
      const expected = [0, 1, 2].map((c) => averageOf(x.filter((_, i) => i % 3 === c)));
      expect(await layer.forward([x], [])).to.deep.equal(expected);
    }
    await expect(layer.forward([Array(17).fill(0n)], [])).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, 18, 17);
  });
});
