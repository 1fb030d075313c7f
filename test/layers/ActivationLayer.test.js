// ActivationLayer: softmax (the same values as SoftmaxLayer), relu and leaky_relu over edge values,
// forwardSlice against forward for every activation (softmax cut inside its runs) and what a
// quarter costs; on SoftmaxLayer, LayerBase's default forwardSlice passes a layer's reverts on.
// Model-level bit-exactness with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer, forwardGas, expectSlicesOfForward } = require("../helpers/layerHarness");
const { rescale } = require("../helpers/reference");
const { randomIntsWithin } = require("../helpers/random");
const { expectQuarterCheaper } = require("../helpers/slices");
const { F, ONE, GRID } = require("../helpers/edgeGrid");

const ACTIVATION_TYPES = ["uint256", "uint256", "uint256", "uint256"]; // F, bits, activation code, axis
const [LINEAR, RELU, SIGMOID, TANH, SOFTMAX, LEAKY_RELU] = [0, 1, 2, 3, 4, 5];

async function deployKit() {
  return deployLayerKit(["ActivationLayer", "SoftmaxLayer"]);
}

const activation = (kit, code, axis) => cloneLayer(kit, "ActivationLayer", abi.encode(ACTIVATION_TYPES, [F, 32, code, axis]));

describe("ActivationLayer", function () {
  it("softmax per run of the last axis equals SoftmaxLayer; relu and leaky_relu over edges", async function () {
    const kit = await loadFixture(deployKit);
    const soft = await cloneLayer(kit, "SoftmaxLayer", abi.encode(["uint256", "uint256", "uint256"], [F, 32, 2]));
    const act = await activation(kit, SOFTMAX, 2);
    const x = [0n, 0n, ONE, -ONE];
    const out = [...(await soft.forward([x], []))];
    expect(out.slice(0, 2)).to.deep.equal([ONE / 2n, ONE / 2n]);
    expect([...(await act.forward([x], []))]).to.deep.equal(out);
    const relu = await activation(kit, RELU, 1);
    expect([...(await relu.forward([GRID], []))]).to.deep.equal(GRID.map((v) => (v > 0n ? v : 0n)));
    const leaky = await activation(kit, LEAKY_RELU, 1); // Keras' slope 0.2 = 1717986918 * 2^-33
    const expected = GRID.map((v) => (v >= 0n ? v : rescale(v * 1717986918n, Number(F) + 33, Number(F))));
    expect([...(await leaky.forward([GRID], []))]).to.deep.equal(expected);
  });

  it("forwardSlice is forward's slice for every activation (softmax runs of 5 cut inside)", async function () {
    const kit = await loadFixture(deployKit);
    const x = randomIntsWithin(5 * 23, 8 * 2 ** 24, 51);
    for (const code of [LINEAR, RELU, SIGMOID, TANH, SOFTMAX, LEAKY_RELU]) {
      await expectSlicesOfForward(await activation(kit, code, 5), [x], [], 5, { quick: true });
    }
    expect([...(await (await activation(kit, LINEAR, 5)).forward([x], []))]).to.deep.equal(x);
  });

  it("LayerBase's default forwardSlice (SoftmaxLayer) is forward's slice; a layer's revert comes through", async function () {
    const kit = await loadFixture(deployKit);
    const softmax = await cloneLayer(kit, "SoftmaxLayer", abi.encode(["uint256", "uint256", "uint256"], [F, 32, 3]));
    const x = [...GRID, 0n]; // 12 values: 4 runs of 3
    await expectSlicesOfForward(softmax, [x], [], 3);
    await expect(softmax.forwardSlice([x, x], [], 0, 1)).to.be.revertedWithCustomError(softmax, "WrongLayerInputCount").withArgs(1, 2);
    const pair = await cloneLayer(kit, "SoftmaxLayer", abi.encode(["uint256", "uint256", "uint256"], [F, 32, 2]));
    await expect(pair.forwardSlice([[1n, 2n, 3n]], [], 0, 1))
      .to.be.revertedWithCustomError(pair, "SoftmaxAxisMismatch").withArgs(3, 2); // forward's own
    // x - max below int256's range is an exponential of 0, as in the emulator (not a revert).
    const [extreme] = await pair.forwardSlice([[-(1n << 255n), (1n << 255n) - 1n]], [], 0, 2);
    expect([...extreme]).to.deep.equal([0n, 1n << BigInt(F)]);
  });

  it("slices check like forward: softmax runs, unknown codes", async function () {
    const kit = await loadFixture(deployKit);
    const soft = await activation(kit, SOFTMAX, 4);
    for (const range of [null, [0, 2], [5, 5]]) {
      await expect(forwardGas(kit, soft, [[1n, 2n, 3n, 4n, 5n, 6n]], [], range)).to.be.revertedWithCustomError(soft, "SoftmaxAxisMismatch").withArgs(6, 4);
    }
    const unknown = await activation(kit, 99, 1);
    // Codes 6 and up go to the implementation's ActivationKernels, which reverts for a code it does not know.
    const kernels = await ethers.getContractFactory("ActivationKernels");
    await expect(forwardGas(kit, unknown, [[1n, 2n]], [], [0, 1])).to.be.revertedWithCustomError(kernels, "UnknownActivation").withArgs(99);
  });

  it("a quarter of 4,099 values costs < 35% (relu)", async function () {
    const kit = await loadFixture(deployKit);
    await expectQuarterCheaper(kit, await activation(kit, RELU, 1), [randomIntsWithin(4099, 8 * 2 ** 24, 52)]);
  });
});
