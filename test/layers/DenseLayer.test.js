// DenseLayer: on chain == emulator, bit for bit, for every Dense fixture (each activation,
// int8/int16/int32, several blocks, positions, no bias), plus its checks and the SWAR paths.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { readFixture, fixturesUsing, bigs } = require("../helpers/fixtureFiles");
const { abi, TENSOR, deployLayerKit, cloneLayer, writeStream, instantiate, runSample, expectSlicesOfForward } = require("../helpers/layerHarness");
const { blockedKernel, plainTensor } = require("../helpers/weightStream");
const { rescale, sumMagnitudes } = require("../helpers/reference");
const { randomIntsOfWidth } = require("../helpers/random");
const { denseMode } = require("../helpers/denseMode");

const CONTRACTS = ["DenseLayer", "ActivationLayer", "ReLULayer", "LeakyReLULayer", "SoftmaxLayer", "RescalingLayer",
  "BatchNormalizationLayer", "AddLayer", "MultiplyLayer", "ConcatenateLayer"];

async function deployKit() {
  return deployLayerKit(CONTRACTS);
}

// abi_config of python/eternal/layers/dense.py: F, bits, rows, units, positions, activation, kernel, bias.
const CONFIG_TYPES = [...Array(6).fill("uint256"), TENSOR, TENSOR];

describe("DenseLayer", function () {
  const names = fixturesUsing(["DenseLayer"]).filter((name) => readFixture(name).plan.layers.every((l) => !l.contract || CONTRACTS.includes(l.contract)));

  for (const name of names) {
    it(`${name}: every sample equals the emulator exactly`, async function () {
      const kit = await loadFixture(deployKit);
      const fixture = readFixture(name);
      const instance = await instantiate(kit, fixture.plan);
      for (const sample of fixture.samples) {
        const { outputs } = await runSample(kit, fixture.plan, instance, sample.inputs.map(bigs));
        expect(outputs).to.deep.equal(sample.expected.map(bigs));
      }
    });
  }

  // forwardSlice is LayerBase's default here (forward by a self-call, the range copied out).
  const single = names.filter((name) => readFixture(name).plan.layers.length === 2);
  it(`forwardSlice is forward's slice for every two-layer Dense fixture (${single.length}), positions and activations included`, async function () {
    expect(single).to.include.members(["dense_softmax", "dense_linear_int8"]);
    const kit = await loadFixture(deployKit);
    for (const name of single) {
      const { plan, samples, output_shapes: shapes } = readFixture(name);
      const { layers, pages } = await instantiate(kit, plan);
      const layer = await ethers.getContractAt("DenseLayer", layers[1]);
      await expectSlicesOfForward(layer, samples[0].inputs.map(bigs), pages, shapes[0][shapes[0].length - 1], { quick: true });
    }
  });

  // A hand-made 2x3 kernel at int32: W = [[1, -2, 3], [-4, 5, -6]] (frac 0), bias [7, 0, -7] (frac 0), F = 0.
  async function tinyDense(inputs, extra = {}) {
    const kit = await loadFixture(deployKit);
    const bits = extra.bits || 32;
    const stream = ethers.concat([blockedKernel([1, -2, 3, -4, 5, -6], 2, 3, bits), plainTensor([7, 0, -7], bits)]);
    const config = abi.encode(CONFIG_TYPES, [extra.frac || 0, bits, 2, 3, 1, extra.activation || 0, [0, 64, 0], [64, 32, 0]]);
    const dense = await cloneLayer(kit, "DenseLayer", config);
    const pages = await writeStream(kit, stream);
    return { dense, run: () => dense.forward([inputs], pages) };
  }

  const reference = (x) => [0, 1, 2].map((j) => x[0] * [1, -2, 3][j] + x[1] * [-4, 5, -6][j] + [7, 0, -7][j]);

  for (const bits of [8, 16, 32]) {
    it(`computes a hand-made int${bits} kernel over sign and magnitude edges (64- and 128-bit slots)`, async function () {
      // Small inputs take 64-bit slots; inputs near the int8/int16 limits of 2^(63-L) take 128.
      for (const x of [[0n, 0n], [1n, -1n], [-5n, 3n], [(1n << BigInt(63 - bits)) - 1n, 0n], [-(1n << 80n), 1n << 60n]]) {
        const { run } = await tinyDense(x, { bits });
        const expected = reference(x.map(Number)).map((v, j) => x[0] * BigInt([1, -2, 3][j]) + x[1] * BigInt([-4, 5, -6][j]) + BigInt([7, 0, -7][j]));
        expect(await run()).to.deep.equal(expected);
      }
    });
  }

  // A (rows, units) Dense with kernel q (row-major, bias b at frac 5, F = 24) run on `x`
  // (`positions` rows of inputs), and the exact BigInt reference.
  async function runAgainstReference(bits, rows, units, positions, q, b, x, kernelFrac) {
    const kit = await loadFixture(deployKit);
    const F = 24;
    const kernel = blockedKernel(q, rows, units, bits);
    const bias = plainTensor(b, bits);
    const size = ethers.dataLength(kernel);
    const config = abi.encode(CONFIG_TYPES, [F, bits, rows, units, positions, 0, [0, size, kernelFrac], [size, ethers.dataLength(bias), 5]]);
    const layer = (await cloneLayer(kit, "DenseLayer", config)).target;
    const pages = await writeStream(kit, ethers.concat([kernel, bias]));
    const expected = [];
    for (let p = 0; p < positions; p++) {
      for (let j = 0; j < units; j++) {
        let sum = 0n;
        for (let r = 0; r < rows; r++) sum += x[p * rows + r] * q[r * units + j];
        expected.push(rescale(sum, F + kernelFrac, F) + rescale(b[j], 5, F));
      }
    }
    const [output] = await kit.harness.measure(layer, [x], pages);
    expect([...output]).to.deep.equal(expected);
  }


  // Random kernels against a BigInt reference: every width, every kernel mode (int8 masked for
  // small inputs, 64-bit slots, 64-bit slots run by run when sum|x| passes the one-run limit with
  // |x| small enough for runs of about 16 rows, 128-bit slots for huge inputs), unrolled rounds
  // and tails (37 rows), paired int32 blocks with an odd block count (20 units at int32 = 3
  // blocks), several positions, kernel scales on both sides of 0.
  for (const bits of [8, 16, 32]) {
    const runBits = bits === 8 ? 44 : 61 - bits;
    for (const [inputBits, kernelFrac] of [[20, bits - 1], [runBits, bits - 1], [70, -3]]) {
      it(`matches a BigInt reference: int${bits}, |x| < 2^${inputBits}, kernel frac ${kernelFrac}`, async function () {
        const [rows, units, positions] = [37, 20, 2];
        const x = randomIntsOfWidth(rows * positions, inputBits, 77 + inputBits);
        if (inputBits === runBits) {
          // The run-by-run path: every position's sum|x| is past the one-run limit, and its
          // rows split into runs (DenseLayer._plan, mirrored by denseMode).
          for (let p = 0; p < positions; p++) expect(denseMode(x.slice(p * rows, (p + 1) * rows), bits).mode).to.match(/^64-bit, \d+ runs$/);
        }
        await runAgainstReference(bits, rows, units, positions, randomIntsOfWidth(rows * units, bits, bits + inputBits),
          randomIntsOfWidth(units, bits, 3 * bits), x, kernelFrac);
      });
    }
  }

  // Every slot at its worst: all weights at the top (q = 2^(L-1) - 1, lane u = 2^L - 1) or the
  // bottom (q = -2^(L-1), u = 0) of their range, inputs of one sign summing to just under each
  // mode's bound (int8 masked 2^31, int8 64-bit 2^47, int16/int32 2^(63-L)), where the top slot
  // of the narrowest accumulator holds nearly its largest exact sum, then to the bound and 1/64
  // past it, where that slot would overflow (so a bound set too high fails here). 40 rows: a
  // 32-row round and the 8-row tail; 40 units: a full block and a partial one.
  for (const bits of [8, 16, 32]) {
    const bounds = bits === 8 ? [31, 47] : [63 - bits];
    for (const log of bounds) {
      for (const sign of [1n, -1n]) {
        it(`int${bits}: exact with extreme weights around sum|x| = 2^${log} (sign ${sign})`, async function () {
          const [rows, units] = [40, 40];
          const bound = 1n << BigInt(log);
          const top = (1n << BigInt(bits - 1)) - 1n;
          const q = Array.from({ length: rows * units }, (_, i) => (((i % units) >> 2) % 2 === 0 ? top : -top - 1n));
          const part = (total) => Array.from({ length: rows }, (_, r) => sign * (total / BigInt(rows) + (BigInt(r) < total % BigInt(rows) ? 1n : 0n)));
          const sums = [bound - 1n, bound, bound + bound / 64n];
          const x = sums.flatMap(part);
          sums.forEach((total, p) => expect(sumMagnitudes(x.slice(p * rows, (p + 1) * rows))).to.equal(total));
          await runAgainstReference(bits, rows, units, sums.length, q, randomIntsOfWidth(units, bits, 5), x, bits - 1);
        });
      }
    }
  }

  it("reverts DenseInputTooLarge when sum|x| reaches 2^95", async function () {
    const x = [1n << 94n, -(1n << 94n)];
    const { dense, run } = await tinyDense(x);
    await expect(run()).to.be.revertedWithCustomError(dense, "DenseInputTooLarge").withArgs(0, 1n << 95n);
  });

  it("reverts on a wrong input count or size", async function () {
    const { dense } = await tinyDense([1n, 2n]);
    await expect(dense.forward([[1n, 2n, 3n]], [])).to.be.revertedWithCustomError(dense, "WrongInputSize").withArgs(0, 2, 3);
    await expect(dense.forward([[1n, 2n], [1n, 2n]], [])).to.be.revertedWithCustomError(dense, "WrongLayerInputCount").withArgs(1, 2);
  });
});
