// Shared by the benchmarks: cloning a layer, storing a weight stream one page per transaction
// (a 256x256 int32 kernel is 11 pages, past one transaction's gas cap), and a 256x256-style
// DenseLayer with random weights, its inputs, and the kernel mode DenseLayer._plan picks for them.
const { ethers } = require("hardhat");
const { blockedKernel, plainTensor, splitPages, randomInts } = require("../test/layers/runLayers");

const F = 24;
const TENSOR = "tuple(uint256,uint256,int256)";

/** Clones `implementation` with `values` ABI-encoded as `types`; returns the clone's address. */
async function cloneWith(harness, implementation, types, values) {
  const receipt = await (await harness.clone(await implementation.getAddress(), ethers.AbiCoder.defaultAbiCoder().encode(types, values))).wait();
  return harness.interface.parseLog(receipt.logs[0]).args.layer;
}

/** Stores a weight stream as 24,575-byte pages, one transaction each; returns their addresses. */
async function writeStream(harness, stream) {
  const pages = [];
  for (const page of splitPages(stream)) {
    const receipt = await (await harness.writePages([page])).wait();
    pages.push(...harness.interface.parseLog(receipt.logs[receipt.logs.length - 1]).args.pages);
  }
  return pages;
}

/** A linear DenseLayer clone (rows x units, `bits`-wide random weights, bias, F = 24) and its pages. */
async function deployDense(harness, implementation, bits, rows, units) {
  const kernel = blockedKernel(randomInts(rows * units, bits, 7 + bits), rows, units, bits);
  const bias = plainTensor(randomInts(units, bits, 99), bits);
  const kernelSize = ethers.dataLength(kernel);
  const layer = await cloneWith(harness, implementation, [...Array(6).fill("uint256"), TENSOR, TENSOR],
    [F, bits, rows, units, 1, 0, [0, kernelSize, bits - 1], [kernelSize, ethers.dataLength(bias), bits - 1]]);
  return { layer, pages: await writeStream(harness, ethers.concat([kernel, bias])) };
}

/** `rows` F = 24 inputs uniform in [-amplitude, amplitude] (fixed seed). */
function denseInputs(rows, amplitude) {
  return randomInts(rows, 16, 5).map((v) => (v * BigInt(Math.round(amplitude * 2 ** F))) >> 15n);
}

// The kernel mode DenseLayer._plan picks for one position's inputs `x` at `bits`-wide weights:
// int8 masked kernels when sum|x| < 2^31; else 64-bit slots under the one-run limit (int8 2^47,
// int16/int32 2^(63-L)); else 64-bit slots run by run when greedy runs (sum|x| < limit each,
// as DenseLayer._runs) average at least 8 rows; else 128-bit slots.
function denseMode(x, bits) {
  const magnitude = (v) => (v < 0n ? -v : v);
  const absSum = x.reduce((a, v) => a + magnitude(v), 0n);
  if (bits === 8 && absSum < 1n << 31n) return { mode: "int8 masked", runs: 1 };
  const limit = 1n << BigInt(bits === 8 ? 47 : 63 - bits);
  if (absSum < limit) return { mode: "64-bit", runs: 1 };
  if (x.every((v) => magnitude(v) < limit)) {
    let run = 0n;
    let runs = 1;
    for (const v of x) {
      run += magnitude(v);
      if (run >= limit) [runs, run] = [runs + 1, magnitude(v)];
    }
    if (runs * 8 <= x.length) return { mode: `64-bit, ${runs} runs`, runs };
  }
  return { mode: "128-bit", runs: 1 };
}

module.exports = { cloneWith, writeStream, deployDense, denseInputs, denseMode, F, TENSOR };
