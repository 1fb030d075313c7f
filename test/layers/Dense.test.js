// DenseLayer: on chain == emulator, bit for bit, for every Dense fixture (each activation,
// int8/int16/int32, several blocks, positions, no bias), plus its checks and the SWAR paths.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const {
  readFixture, fixturesUsing, deployLayerKit, instantiate, runSample, bigs,
  blockedKernel, plainTensor, splitPages, rescale, randomInts,
} = require("./runLayers");

const CONTRACTS = ["DenseLayer", "ActivationLayer", "ReLULayer", "LeakyReLULayer", "SoftmaxLayer", "RescalingLayer",
  "BatchNormalizationLayer", "AddLayer", "MultiplyLayer", "ConcatenateLayer"];

async function deployKit() {
  return deployLayerKit(CONTRACTS);
}

const abi = ethers.AbiCoder.defaultAbiCoder();
const HEADER_TYPES = ["uint256", "uint256", "uint256", "uint256", "uint256", "uint256", "tuple(uint256,uint256,int256)", "tuple(uint256,uint256,int256)"];

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

  // A hand-made 2x3 kernel at int32: W = [[1, -2, 3], [-4, 5, -6]] (frac 0), bias [7, 0, -7] (frac 0), F = 0.
  async function tinyDense(inputs, extra = {}) {
    const kit = await loadFixture(deployKit);
    const bits = extra.bits || 32;
    const lanes = 256 / bits;
    const word = (row) => {
      let v = 0n;
      for (let j = 0; j < lanes; j++) v = (v << BigInt(bits)) + BigInt(j < row.length ? row[j] : 0) + (1n << BigInt(bits - 1));
      return ethers.toBeHex(v, 32);
    };
    const kernel = ethers.concat([word([1, -2, 3]), word([-4, 5, -6])]);
    let bias = 0n;
    [7, 0, -7].forEach((b, j) => (bias |= (BigInt(b) + (1n << BigInt(bits - 1))) << BigInt(256 - bits * (j + 1))));
    const stream = ethers.concat([kernel, ethers.toBeHex(bias, 32)]);
    const config = abi.encode(HEADER_TYPES, [extra.frac || 0, bits, 2, 3, 1, extra.activation || 0, [0, 64, 0], [64, 32, 0]]);
    const receipt = await (await kit.harness.clone(await kit.implementations.DenseLayer.getAddress(), config)).wait();
    const layer = kit.harness.interface.parseLog(receipt.logs[0]).args.layer;
    const pagesReceipt = await (await kit.harness.writePages([stream])).wait();
    const pages = [...kit.harness.interface.parseLog(pagesReceipt.logs[pagesReceipt.logs.length - 1]).args.pages];
    const dense = await ethers.getContractAt("DenseLayer", layer);
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

  // Random kernels against a BigInt reference: every width, both slot widths (64-bit for small
  // inputs, 128-bit once sum|x| >= 2^(63-L)), 64-bit slots run by run (|x| < 2^(60-L): sum|x|
  // past 2^(63-L), split into runs of about 16 rows), unrolled rounds and tails (37 rows), paired
  // int32 blocks with an odd block count (20 units at int32 = 3 blocks), several positions,
  // kernel scales on both sides of 0.
  for (const bits of [8, 16, 32]) {
    for (const [inputBits, kernelFrac] of [[20, bits - 1], [61 - bits, bits - 1], [70, -3]]) {
      it(`matches a BigInt reference: int${bits}, |x| < 2^${inputBits}, kernel frac ${kernelFrac}`, async function () {
        const kit = await loadFixture(deployKit);
        const [rows, units, positions, F] = [37, 20, 2, 24];
        const q = randomInts(rows * units, bits, bits + inputBits);
        const b = randomInts(units, bits, 3 * bits);
        const kernel = blockedKernel(q, rows, units, bits);
        const bias = plainTensor(b, bits);
        const size = ethers.dataLength(kernel);
        const config = abi.encode(HEADER_TYPES, [F, bits, rows, units, positions, 0, [0, size, kernelFrac], [size, ethers.dataLength(bias), 5]]);
        const receipt = await (await kit.harness.clone(await kit.implementations.DenseLayer.getAddress(), config)).wait();
        const layer = kit.harness.interface.parseLog(receipt.logs[0]).args.layer;
        const written = await (await kit.harness.writePages(splitPages(ethers.concat([kernel, bias])))).wait();
        const pages = [...kit.harness.interface.parseLog(written.logs[written.logs.length - 1]).args.pages];
        const x = randomInts(rows * positions, inputBits, 77 + inputBits);
        if (inputBits === 61 - bits) {
          // The run-by-run path: every position's sum|x| is past the one-run limit 2^(63-L).
          for (let p = 0; p < positions; p++) {
            const absSum = x.slice(p * rows, (p + 1) * rows).reduce((a, v) => a + (v < 0n ? -v : v), 0n);
            expect(absSum >= 1n << BigInt(63 - bits)).to.equal(true);
          }
        }
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
      });
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
