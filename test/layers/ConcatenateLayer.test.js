// ConcatenateLayer: runs of each input per outer index; input counts and sizes checked.
// Model-level bit-exactness with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer } = require("../helpers/layerHarness");
const { F } = require("../helpers/edgeGrid");

async function deployKit() {
  return deployLayerKit(["ConcatenateLayer"]);
}

describe("ConcatenateLayer", function () {
  it("runs of each input per outer index; counts and sizes checked", async function () {
    const kit = await loadFixture(deployKit);
    // Inputs of shapes (2, 3) and (2, 1) joined on the last axis: outer 2, inner [3, 1].
    const layer = await cloneLayer(kit, "ConcatenateLayer", abi.encode(["uint256", "uint256", "uint256", "uint256[]"], [F, 32, 2, [3, 1]]));
    expect([...(await layer.forward([[1n, 2n, 3n, 4n, 5n, 6n], [-1n, -2n]], []))]).to.deep.equal([1n, 2n, 3n, -1n, 4n, 5n, 6n, -2n]);
    await expect(layer.forward([[1n]], [])).to.be.revertedWithCustomError(layer, "WrongLayerInputCount").withArgs(2, 1);
    await expect(layer.forward([[1n, 2n], [1n, 2n]], [])).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, 6, 2);
  });
});
