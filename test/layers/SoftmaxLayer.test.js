// SoftmaxLayer: softmax per run of the last axis; an axis that does not divide the input reverts.
// Model-level bit-exactness with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer } = require("../helpers/layerHarness");
const { F, ONE } = require("../helpers/edgeGrid");

async function deployKit() {
  return deployLayerKit(["SoftmaxLayer"]);
}

describe("SoftmaxLayer", function () {
  it("softmax per run of the last axis; a bad axis reverts", async function () {
    const kit = await loadFixture(deployKit);
    const soft = await cloneLayer(kit, "SoftmaxLayer", abi.encode(["uint256", "uint256", "uint256"], [F, 32, 2]));
    const out = [...(await soft.forward([[0n, 0n, ONE, -ONE]], []))];
    expect(out.slice(0, 2)).to.deep.equal([ONE / 2n, ONE / 2n]);
    expect(out[2] + out[3]).to.be.within(ONE - 1n, ONE + 1n);
    await expect(soft.forward([[1n, 2n, 3n]], [])).to.be.revertedWithCustomError(soft, "SoftmaxAxisMismatch").withArgs(3, 2);
  });
});
