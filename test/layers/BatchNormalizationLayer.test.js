// BatchNormalizationLayer (folded per-channel scale and offset, read from the weight pages) over
// edge values against a BigInt reference of docs/FORMAT.md arithmetic, and its channel check.
// Model-level bit-exactness with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, TENSOR, deployLayerKit, cloneLayer, writeStream } = require("../helpers/layerHarness");
const { plainTensor } = require("../helpers/weightStream");
const { rescale } = require("../helpers/reference");
const { F, GRID } = require("../helpers/edgeGrid");

async function deployKit() {
  return deployLayerKit(["BatchNormalizationLayer"]);
}

describe("BatchNormalizationLayer", function () {
  it("per-channel scale and offset from the weight pages", async function () {
    const kit = await loadFixture(deployKit);
    const scale = [3n, -7n, 1n]; // frac 2: 0.75, -1.75, 0.25
    const offset = [-100n, 0n, 127n]; // frac 7
    const pages = await writeStream(kit, ethers.concat([plainTensor(scale, 8), plainTensor(offset, 8)]));
    const layer = await cloneLayer(kit, "BatchNormalizationLayer", abi.encode(["uint256", "uint256", "uint256", TENSOR, TENSOR],
      [F, 8, 3, [0, 32, 2], [32, 32, 7]]));
    const x = GRID.slice(0, 9);
    const expected = x.map((v, i) => rescale(v * scale[i % 3], Number(F) + 2, Number(F)) + rescale(offset[i % 3], 7, Number(F)));
    expect([...(await layer.forward([x], pages))]).to.deep.equal(expected);
    await expect(layer.forward([x.slice(0, 4)], pages)).to.be.revertedWithCustomError(layer, "ChannelMismatch").withArgs(4, 3);
  });
});
