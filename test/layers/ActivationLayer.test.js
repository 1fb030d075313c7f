// ActivationLayer: softmax (the same values as SoftmaxLayer) and relu over edge values; the
// default forwardSlice (LayerBase) on it and on AddLayer.
// Model-level bit-exactness with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { F, ONE, GRID } = require("../helpers/edgeGrid");

const ACTIVATION_TYPES = ["uint256", "uint256", "uint256", "uint256"]; // F, bits, activation code, axis

async function deployKit() {
  return deployLayerKit(["ActivationLayer", "SoftmaxLayer", "AddLayer"]);
}

describe("ActivationLayer", function () {
  it("softmax per run of the last axis equals SoftmaxLayer; relu over edges", async function () {
    const kit = await loadFixture(deployKit);
    const soft = await cloneLayer(kit, "SoftmaxLayer", abi.encode(["uint256", "uint256", "uint256"], [F, 32, 2]));
    const act = await cloneLayer(kit, "ActivationLayer", abi.encode(ACTIVATION_TYPES, [F, 32, 4, 2]));
    const x = [0n, 0n, ONE, -ONE];
    const out = [...(await soft.forward([x], []))];
    expect(out.slice(0, 2)).to.deep.equal([ONE / 2n, ONE / 2n]);
    expect([...(await act.forward([x], []))]).to.deep.equal(out);
    const relu = await cloneLayer(kit, "ActivationLayer", abi.encode(ACTIVATION_TYPES, [F, 32, 1, 1]));
    expect([...(await relu.forward([GRID], []))]).to.deep.equal(GRID.map((v) => (v > 0n ? v : 0n)));
  });

  it("forwardSlice (LayerBase's default) is forward's slice; a layer's revert comes through", async function () {
    const kit = await loadFixture(deployKit);
    const softmax = await cloneLayer(kit, "ActivationLayer", abi.encode(ACTIVATION_TYPES, [F, 32, 4, 3]));
    const x = [...GRID, 0n]; // 12 values: 4 runs of 3
    await expectSlicesOfForward(softmax, [x], [], 3);
    const add = await cloneLayer(kit, "AddLayer", abi.encode(["uint256", "uint256", "uint256"], [F, 32, x.length]));
    await expectSlicesOfForward(add, [x, x, x], [], 1);
    await expect(add.forwardSlice([x], [], 0, 1)).to.be.revertedWithCustomError(add, "WrongLayerInputCount").withArgs(2, 1);
    const one = await cloneLayer(kit, "AddLayer", abi.encode(["uint256", "uint256", "uint256"], [F, 32, 1]));
    await expect(one.forwardSlice([[(1n << 255n) - 1n], [1n]], [], 0, 1)).to.be.revertedWithPanic(0x11); // forward's own
  });
});
