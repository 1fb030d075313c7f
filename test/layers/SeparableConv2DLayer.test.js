// SeparableConv2DLayer (the depthwise stage of DepthwiseConv2DLayer, then a pointwise stage): on
// chain == emulator for every SeparableConv2D fixture (int32/int16/int8); a hand-made layer of 70
// filters (two blocks of the pointwise weights) against a BigInt reference; the 2^160 bound on the
// depthwise outputs, exactly; every slice is forward's.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { CONV_TYPES, deploySpatialKit, itMatchesEmulatorOnFixtures, geometry } = require("../helpers/spatial");
const { abi, TENSOR, cloneLayer, writeStream, expectSlicesOfForward } = require("../helpers/layerHarness");
const { plainTensor } = require("../helpers/weightStream");
const { rescale } = require("../helpers/reference");
const { randomIntsWithin } = require("../helpers/random");

const TYPES = [...CONV_TYPES, "uint256", "uint256", TENSOR, TENSOR];
const F = 8;

/** A SeparableConv2D of `filters` on an HxWxC input, KxK kernel, multiplier M, stride S, 'same'. */
async function handMade(kit, bits, { H = 5, W = 4, C = 2, K = 3, M = 2, S = 2, filters = 70, depthwise, frac = bits - 1 } = {}) {
  const [OH, top] = geometry(H, K, S, "same");
  const [OW, left] = geometry(W, K, S, "same");
  const depth = C * M;
  const dk = depthwise || randomIntsWithin(K * K * depth, 2 ** (bits - 1) - 1, 21);
  const pk = randomIntsWithin(filters * depth, 2 ** (bits - 1) - 1, 22); // (filters, C M)
  pk[0] = -(1n << BigInt(bits - 1));
  const bias = randomIntsWithin(filters, 2 ** (bits - 1) - 1, 23);
  const [dkBytes, pkBytes, biasBytes] = [plainTensor(dk, bits), plainTensor(pk, bits), plainTensor(bias, bits)];
  const size = (hex) => (hex.length - 2) / 2;
  const layer = await cloneLayer(kit, "SeparableConv2DLayer", abi.encode(TYPES, [
    F, bits, H, W, C, K, K, M, S, S, top, left, OH, OW, 0, [0, size(dkBytes), frac], [0, 0, 0],
    filters, 0, [size(dkBytes), size(pkBytes), frac], [size(dkBytes) + size(pkBytes), size(biasBytes), frac],
  ]));
  const pages = await writeStream(kit, dkBytes + pkBytes.slice(2) + biasBytes.slice(2));
  const reference = (x) => {
    const out = [];
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const d = [];
        for (let j = 0; j < depth; j++) {
          let sum = 0n;
          for (let dy = 0; dy < K; dy++) {
            for (let dx = 0; dx < K; dx++) {
              const [iy, ix] = [oy * S - top + dy, ox * S - left + dx];
              if (iy >= 0 && iy < H && ix >= 0 && ix < W) sum += x[(iy * W + ix) * C + Math.floor(j / M)] * dk[(dy * K + dx) * depth + j];
            }
          }
          d.push(rescale(sum, F + frac, F));
        }
        for (let f = 0; f < filters; f++) {
          const sum = d.reduce((a, v, c) => a + v * pk[f * depth + c], 0n);
          out.push(rescale(sum, F + frac, F) + rescale(bias[f], frac, F));
        }
      }
    }
    return out;
  };
  return { layer, pages, size: H * W * C, reference };
}

describe("SeparableConv2DLayer", function () {
  itMatchesEmulatorOnFixtures("SeparableConv2DLayer");

  for (const bits of [8, 32]) {
    it(`int${bits}: 70 filters (two blocks of pointwise weights) equal a BigInt reference; every slice is forward's`, async function () {
      const kit = await loadFixture(deploySpatialKit);
      const { layer, pages, size, reference } = await handMade(kit, bits);
      const x = randomIntsWithin(size, 3 << F, 24);
      expect([...(await layer.forward([x], pages))]).to.deep.equal(reference(x));
      await expectSlicesOfForward(layer, [x], pages, 70, { quick: true });
    });
  }

  it("takes depthwise outputs in [-2^160, 2^160) exactly; one past either end reverts SeparableInputTooLarge", async function () {
    // A 1x1 depthwise kernel of 1 with frac bits 0: each depthwise output is its input.
    const kit = await loadFixture(deploySpatialKit);
    const shape = { H: 2, W: 2, C: 2, K: 1, M: 1, S: 1, filters: 3, depthwise: [1n, 1n], frac: 0 };
    const { layer, pages, reference } = await handMade(kit, 32, shape);
    const edge = 1n << 160n;
    for (const v of [edge - 1n, -edge]) {
      const x = [v, 5n, -7n, v, 0n, 1n, 2n, 3n];
      expect([...(await layer.forward([x], pages))], `${v}`).to.deep.equal(reference(x));
    }
    for (const v of [edge, -edge - 1n]) {
      await expect(layer.forward([[0n, 0n, 0n, 0n, 0n, v, 0n, 0n]], pages)).to.be.revertedWithCustomError(layer, "SeparableInputTooLarge");
    }
  });
});
