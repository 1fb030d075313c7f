// The plain-Solidity baselines of bench/results.py (contracts/bench/) compute what our layers
// compute: on small hand-made cases (int32 and int8 weights, stride 1 and 2, 'same' and 'valid')
// their outputs equal DenseLayer's, Conv2DLayer's and DepthwiseConv2DLayer's, bit for bit.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, TENSOR, deployLayerKit, cloneLayer, writeStream } = require("../helpers/layerHarness");
const { CONV_TYPES, geometry } = require("../helpers/spatial");
const { blockedKernel, plainTensor } = require("../helpers/weightStream");
const { randomIntsWithin } = require("../helpers/random");
const { rescale } = require("../helpers/reference");

const F = 24;

async function deployKit() {
  const kit = await deployLayerKit(["DenseLayer", "Conv2DLayer", "DepthwiseConv2DLayer"]);
  const plain = {};
  for (const name of ["PlainDense", "PlainConv2D", "PlainDepthwiseConv2D"]) plain[name] = await ethers.deployContract(name);
  return { kit, plain };
}

/** Random weights of `bits`, with the most negative value at [0] (an edge of the lane encoding). */
function weights(count, bits, seed) {
  const values = randomIntsWithin(count, 2 ** (bits - 1) - 1, seed);
  values[0] = -(1n << BigInt(bits - 1));
  return values;
}

describe("Plain-Solidity baselines (contracts/bench)", function () {
  for (const bits of [32, 8]) {
    const frac = bits - 1;
    const scaled = (bias) => bias.map((b) => rescale(b, frac, F));

    it(`PlainDense equals DenseLayer (7 -> 5, int${bits})`, async function () {
      const { kit, plain } = await loadFixture(deployKit);
      const [rows, units] = [7, 5];
      const kernel = weights(rows * units, bits, 3);
      const bias = weights(units, bits, 4);
      const kernelBytes = blockedKernel(kernel, rows, units, bits);
      const biasBytes = plainTensor(bias, bits);
      const size = ethers.dataLength(kernelBytes);
      const layer = await cloneLayer(kit, "DenseLayer", abi.encode([...Array(6).fill("uint256"), TENSOR, TENSOR],
        [F, bits, rows, units, 1, 0, [0, size, frac], [size, ethers.dataLength(biasBytes), frac]]));
      const pages = await writeStream(kit, ethers.concat([kernelBytes, biasBytes]));
      for (const x of [Array(rows).fill(0n), randomIntsWithin(rows, 4 * 2 ** F, 5)]) {
        expect(await plain.PlainDense.forward(x, kernel, scaled(bias), frac)).to.deep.equal(await layer.forward([x], pages));
      }
    });

    for (const [K, S, padding, depthwise] of [[3, 2, "same", false], [3, 1, "valid", false], [1, 1, "same", false],
      [3, 2, "same", true], [3, 1, "valid", true]]) {
      const name = depthwise ? "DepthwiseConv2D" : "Conv2D";
      it(`Plain${name} equals ${name}Layer (5x4x3, ${K}x${K}/${S} ${padding}, int${bits})`, async function () {
        const { kit, plain } = await loadFixture(deployKit);
        const [H, W, C, filters] = [5, 4, 3, 2];
        const [OH, top] = geometry(H, K, S, padding);
        const [OW, left] = geometry(W, K, S, padding);
        const outs = depthwise ? C : filters;
        const kernel = weights(K * K * C * (depthwise ? 1 : filters), bits, 6);
        const bias = weights(outs, bits, 7);
        const kernelBytes = depthwise ? plainTensor(kernel, bits) : blockedKernel(kernel, K * K * C, filters, bits);
        const biasBytes = plainTensor(bias, bits);
        const size = ethers.dataLength(kernelBytes);
        const layer = await cloneLayer(kit, `${name}Layer`, abi.encode(CONV_TYPES, [F, bits, H, W, C, K, K,
          depthwise ? 1 : filters, S, S, top, left, OH, OW, 0, [0, size, frac], [size, ethers.dataLength(biasBytes), frac]]));
        const pages = await writeStream(kit, ethers.concat([kernelBytes, biasBytes]));
        const geometryArgs = depthwise ? [H, W, C, K, S, top, left, OH, OW, frac] : [H, W, C, K, filters, S, top, left, OH, OW, frac];
        const contract = depthwise ? plain.PlainDepthwiseConv2D : plain.PlainConv2D;
        for (const x of [Array(H * W * C).fill(0n), randomIntsWithin(H * W * C, 4 * 2 ** F, 8)]) {
          const expected = [...(await layer.forward([x], pages))];
          expect(expected.length).to.equal(OH * OW * outs);
          expect(await contract.forward(x, kernel, scaled(bias), geometryArgs)).to.deep.equal(expected);
        }
      });
    }
  }
});
