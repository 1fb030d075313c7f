// Shared by the benchmarks: cloning a layer, storing a weight stream one page per transaction
// (a 256x256 int32 kernel is 11 pages, past one transaction's gas cap), and a 256x256-style
// DenseLayer with random weights and its inputs (and, from the test helpers, the kernel mode
// DenseLayer._plan picks for them).
const { ethers } = require("hardhat");
const { blockedKernel, plainTensor, splitPages, randomInts, denseMode } = require("../test/layers/runLayers");

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

module.exports = { cloneWith, writeStream, deployDense, denseInputs, denseMode, F, TENSOR };
