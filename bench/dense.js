// Shared by the benchmarks: a 256x256-style DenseLayer clone with random weights and its inputs,
// built with the test helpers (test/helpers/: the layer kit, clones, pages, the kernel mode
// DenseLayer._plan picks).
const { ethers } = require("hardhat");
const { abi, TENSOR, cloneLayer, writeStream } = require("../test/helpers/layerHarness");
const { blockedKernel, plainTensor } = require("../test/helpers/weightStream");
const { randomIntsOfWidth } = require("../test/helpers/random");
const { denseMode } = require("../test/helpers/denseMode");

const F = 24;

/**
 * A linear DenseLayer clone of the kit's implementation (rows x units, `bits`-wide random weights,
 * bias, F = 24) and its pages, one transaction each (a 256x256 int32 kernel is 11 pages).
 */
async function deployDense(kit, bits, rows, units) {
  const kernel = blockedKernel(randomIntsOfWidth(rows * units, bits, 7 + bits), rows, units, bits);
  const bias = plainTensor(randomIntsOfWidth(units, bits, 99), bits);
  const kernelSize = ethers.dataLength(kernel);
  const config = abi.encode([...Array(6).fill("uint256"), TENSOR, TENSOR],
    [F, bits, rows, units, 1, 0, [0, kernelSize, bits - 1], [kernelSize, ethers.dataLength(bias), bits - 1]]);
  const layer = (await cloneLayer(kit, "DenseLayer", config)).target;
  return { layer, pages: await writeStream(kit, ethers.concat([kernel, bias])) };
}

/** `rows` F = 24 inputs uniform in [-amplitude, amplitude] (fixed seed). */
function denseInputs(rows, amplitude) {
  return randomIntsOfWidth(rows, 16, 5).map((v) => (v * BigInt(Math.round(amplitude * 2 ** F))) >> 15n);
}

module.exports = { deployDense, denseInputs, denseMode, F };
