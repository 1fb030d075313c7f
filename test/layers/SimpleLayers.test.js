// The simple layers (ActivationLayer, SoftmaxLayer, ReLULayer, LeakyReLULayer, RescalingLayer,
// BatchNormalizationLayer, AddLayer, MultiplyLayer, ConcatenateLayer) over grids of edge values
// against a BigInt reference of docs/FORMAT.md arithmetic, and their input checks. Model-level
// bit-exactness with the emulator is in Dense.test.js (every basic fixture) and fixtures.test.js.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deployLayerKit, plainTensor, splitPages, rescale } = require("./runLayers");

const F = 24n;
const ONE = 1n << F;
const abi = ethers.AbiCoder.defaultAbiCoder();
// 0, +-1 unit, +-0.5, +-1, +-7.25, and large magnitudes (2^150) that only exact integers survive.
const GRID = [0n, 1n, -1n, ONE / 2n, -ONE / 2n, ONE, -ONE, 29n * ONE / 4n, -29n * ONE / 4n, 1n << 150n, -(1n << 150n)];

async function deployKit() {
  return deployLayerKit(["ActivationLayer", "SoftmaxLayer", "ReLULayer", "LeakyReLULayer", "RescalingLayer",
    "BatchNormalizationLayer", "AddLayer", "MultiplyLayer", "ConcatenateLayer"]);
}

async function layerOf(kit, name, types, values) {
  const receipt = await (await kit.harness.clone(await kit.implementations[name].getAddress(), abi.encode(types, values))).wait();
  const address = kit.harness.interface.parseLog(receipt.logs[0]).args.layer;
  return ethers.getContractAt(name, address);
}

describe("simple layers", function () {
  it("ReLULayer: Keras ReLU(max_value=6, negative_slope=0.1, threshold=0.5) over edges", async function () {
    const kit = await loadFixture(deployKit);
    const [q, qFrac, t, max] = [1717986918n, 34n, ONE / 2n, 6n * ONE]; // 0.1 = 1717986918 * 2^-34
    const layer = await layerOf(kit, "ReLULayer", ["uint256", "uint256", "int256", "int256", "int256", "uint256", "int256"], [F, 32, q, qFrac, t, 1, max]);
    const x = [...GRID, t - 1n, t, t + 1n, max - 1n, max, max + 1n];
    const expected = x.map((v) => {
      let y = v > t ? v : 0n;
      if (y < 0n) y = 0n;
      if (y > max) y = max;
      if (v < t) y -= rescale((t - v) * q, Number(F + qFrac), Number(F));
      return y;
    });
    expect([...(await layer.forward([x], []))]).to.deep.equal(expected);
  });

  it("LeakyReLULayer: x or rescale(x * slope), rounding half up", async function () {
    const kit = await loadFixture(deployKit);
    const [q, qFrac] = [1288490189n, 32n]; // 0.3
    const layer = await layerOf(kit, "LeakyReLULayer", ["uint256", "uint256", "int256", "int256"], [F, 8, q, qFrac]);
    const x = [...GRID, -3n, -5n];
    const expected = x.map((v) => (v >= 0n ? v : rescale(v * q, Number(F + qFrac), Number(F))));
    expect([...(await layer.forward([x], []))]).to.deep.equal(expected);
  });

  it("RescalingLayer: rescale(x * scale) + offset (1/127.5, -1)", async function () {
    const kit = await loadFixture(deployKit);
    const [q, qFrac, offset] = [2155905152n, 38n, -ONE];
    const layer = await layerOf(kit, "RescalingLayer", ["uint256", "uint256", "int256", "int256", "int256"], [F, 16, q, qFrac, offset]);
    const expected = GRID.map((v) => rescale(v * q, Number(F + qFrac), Number(F)) + offset);
    expect([...(await layer.forward([GRID], []))]).to.deep.equal(expected);
  });

  it("BatchNormalizationLayer: per-channel scale and offset from the weight pages", async function () {
    const kit = await loadFixture(deployKit);
    const scale = [3n, -7n, 1n]; // frac 2: 0.75, -1.75, 0.25
    const offset = [-100n, 0n, 127n]; // frac 7
    const scaleBytes = plainTensor(scale, 8);
    const stream = ethers.concat([scaleBytes, plainTensor(offset, 8)]);
    const written = await (await kit.harness.writePages(splitPages(stream))).wait();
    const pages = [...kit.harness.interface.parseLog(written.logs[written.logs.length - 1]).args.pages];
    const layer = await layerOf(kit, "BatchNormalizationLayer", ["uint256", "uint256", "uint256", "tuple(uint256,uint256,int256)", "tuple(uint256,uint256,int256)"],
      [F, 8, 3, [0, 32, 2], [32, 32, 7]]);
    const x = GRID.slice(0, 9);
    const expected = x.map((v, i) => rescale(v * scale[i % 3], Number(F) + 2, Number(F)) + rescale(offset[i % 3], 7, Number(F)));
    expect([...(await layer.forward([x], pages))]).to.deep.equal(expected);
    await expect(layer.forward([x.slice(0, 4)], pages)).to.be.revertedWithCustomError(layer, "ChannelMismatch").withArgs(4, 3);
  });

  it("AddLayer and MultiplyLayer: three inputs, exact sum, products rescaled from 2F left to right", async function () {
    const kit = await loadFixture(deployKit);
    const n = GRID.length;
    const add = await layerOf(kit, "AddLayer", ["uint256", "uint256", "uint256"], [F, 32, n]);
    const mul = await layerOf(kit, "MultiplyLayer", ["uint256", "uint256", "uint256"], [F, 32, n]);
    const a = GRID, b = [...GRID].reverse(), c = GRID.map((v, i) => (i % 2 ? ONE / 3n : -ONE));
    expect([...(await add.forward([a, b, c], []))]).to.deep.equal(a.map((v, i) => v + b[i] + c[i]));
    const twice = Number(2n * F);
    const expected = a.map((v, i) => rescale(rescale(v * b[i], twice, Number(F)) * c[i], twice, Number(F)));
    expect([...(await mul.forward([a, b, c], []))]).to.deep.equal(expected);
    await expect(add.forward([a], [])).to.be.revertedWithCustomError(add, "WrongLayerInputCount").withArgs(2, 1);
    await expect(mul.forward([a, b.slice(1)], [])).to.be.revertedWithCustomError(mul, "WrongInputSize").withArgs(1, n, n - 1);
    const max = 2n ** 255n - 1n;
    const one = await layerOf(kit, "AddLayer", ["uint256", "uint256", "uint256"], [F, 32, 1]);
    await expect(one.forward([[max], [1n]], [])).to.be.revertedWithPanic(0x11); // checked, never wraps
  });

  it("ConcatenateLayer: runs of each input per outer index; counts and sizes checked", async function () {
    const kit = await loadFixture(deployKit);
    // Inputs of shapes (2, 3) and (2, 1) joined on the last axis: outer 2, inner [3, 1].
    const layer = await layerOf(kit, "ConcatenateLayer", ["uint256", "uint256", "uint256", "uint256[]"], [F, 32, 2, [3, 1]]);
    expect([...(await layer.forward([[1n, 2n, 3n, 4n, 5n, 6n], [-1n, -2n]], []))]).to.deep.equal([1n, 2n, 3n, -1n, 4n, 5n, 6n, -2n]);
    await expect(layer.forward([[1n]], [])).to.be.revertedWithCustomError(layer, "WrongLayerInputCount").withArgs(2, 1);
    await expect(layer.forward([[1n, 2n], [1n, 2n]], [])).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, 6, 2);
  });

  it("ActivationLayer and SoftmaxLayer: softmax per run of the last axis; a bad axis reverts", async function () {
    const kit = await loadFixture(deployKit);
    const soft = await layerOf(kit, "SoftmaxLayer", ["uint256", "uint256", "uint256"], [F, 32, 2]);
    const act = await layerOf(kit, "ActivationLayer", ["uint256", "uint256", "uint256", "uint256"], [F, 32, 4, 2]);
    const x = [0n, 0n, ONE, -ONE];
    const out = [...(await soft.forward([x], []))];
    expect(out.slice(0, 2)).to.deep.equal([ONE / 2n, ONE / 2n]);
    expect(out[2] + out[3]).to.be.within(ONE - 1n, ONE + 1n);
    expect([...(await act.forward([x], []))]).to.deep.equal(out);
    await expect(soft.forward([[1n, 2n, 3n]], [])).to.be.revertedWithCustomError(soft, "SoftmaxAxisMismatch").withArgs(3, 2);
    const relu = await layerOf(kit, "ActivationLayer", ["uint256", "uint256", "uint256", "uint256"], [F, 32, 1, 1]);
    expect([...(await relu.forward([GRID], []))]).to.deep.equal(GRID.map((v) => (v > 0n ? v : 0n)));
  });
});
