// GlobalAveragePooling2DLayer: on chain == emulator for every fixture; per-channel means rounded
// to nearest with ties up, against a BigInt reference; input checks.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { abi, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { averageOf } = require("../helpers/pooling");
const { expectQuarterCheaper } = require("../helpers/slices");

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

  it("an overflow of a channel's sum or of 2 * sum reverts (Panic 0x11)", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const layer = await cloneLayer(kit, "GlobalAveragePooling2DLayer", abi.encode(Array(4).fill("uint256"), [24, 8, 2, 5]));
    for (const x of [[...Array(5).fill(1n << 253n), ...Array(5).fill(1n << 253n)], [(1n << 255n) - 1n, 0n, 0n, 0n, 0n, 1n, 0n, 0n, 0n, 0n]]) {
      await expect(layer.forward([x], [])).to.be.revertedWithPanic(0x11);
    }
  });

  it("forwardSlice is forward's slice (channels); a quarter of 8x8x64 costs < 35%", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const config = (cells, channels) => abi.encode(Array(4).fill("uint256"), [24, 8, cells, channels]);
    const small = await cloneLayer(kit, "GlobalAveragePooling2DLayer", config(6, 7));
    const x = randomIntsWithin(42, 2 ** 40, 71);
    const expected = [...Array(7).keys()].map((c) => averageOf(x.filter((_, i) => i % 7 === c)));
    expect(await expectSlicesOfForward(small, [x], [], 2)).to.deep.equal(expected);
    await expectQuarterCheaper(kit, await cloneLayer(kit, "GlobalAveragePooling2DLayer", config(64, 64)), [randomIntsWithin(4096, 2 ** 27, 72)]);
  });
});
