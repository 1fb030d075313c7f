// DepthwiseConv2DLayer: on chain == emulator for every DepthwiseConv2D fixture (int32/int16/int8),
// a hand-made depth-multiplier-2 kernel against a BigInt reference, and its input checks.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { CONV_TYPES, deploySpatialKit, itMatchesEmulatorOnFixtures, geometry } = require("../helpers/spatial");
const { abi, cloneLayer, writeStream } = require("../helpers/layerHarness");
const { plainTensor } = require("../helpers/weightStream");
const { rescale } = require("../helpers/reference");
const { randomIntsWithin } = require("../helpers/random");

async function handMade(kit, bits) {
  // 5x4x2 input, 3x3 kernel, multiplier 2, stride 2, 'same'; F = 8; weights frac bits - 1.
  const [H, W, C, K, M, S] = [5, 4, 2, 3, 2, 2];
  const [OH, top] = geometry(H, K, S, "same");
  const [OW, left] = geometry(W, K, S, "same");
  const kernel = randomIntsWithin(K * K * C * M, 2 ** (bits - 1) - 1, 11);
  kernel[0] = -(1n << BigInt(bits - 1));
  const bias = randomIntsWithin(C * M, 2 ** (bits - 1) - 1, 12);
  const kernelBytes = plainTensor(kernel, bits);
  const biasBytes = plainTensor(bias, bits);
  const kernelSize = (kernelBytes.length - 2) / 2;
  const frac = bits - 1;
  const layer = await cloneLayer(kit, "DepthwiseConv2DLayer", abi.encode(CONV_TYPES, [
    8, bits, H, W, C, K, K, M, S, S, top, left, OH, OW, 0, [0, kernelSize, frac], [kernelSize, (biasBytes.length - 2) / 2, frac],
  ]));
  const pages = await writeStream(kit, kernelBytes + biasBytes.slice(2));
  const reference = (x) => {
    const out = [];
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let j = 0; j < C * M; j++) {
          const c = Math.floor(j / M);
          let sum = 0n;
          for (let dy = 0; dy < K; dy++) {
            for (let dx = 0; dx < K; dx++) {
              const iy = oy * S - top + dy;
              const ix = ox * S - left + dx;
              if (iy >= 0 && iy < H && ix >= 0 && ix < W) sum += x[(iy * W + ix) * C + c] * kernel[(dy * K + dx) * C * M + j];
            }
          }
          out.push(rescale(sum, 8 + frac, 8) + rescale(bias[j], frac, 8));
        }
      }
    }
    return out;
  };
  return { layer, pages, size: H * W * C, reference, limit: ((1n << 254n) - 1n) / (1n << BigInt(bits - 1)) / 9n };
}

describe("DepthwiseConv2DLayer", function () {
  itMatchesEmulatorOnFixtures("DepthwiseConv2DLayer");

  for (const bits of [8, 32]) {
    it(`int${bits}: equals a BigInt reference (multiplier 2, stride 2, 'same') on edge inputs`, async function () {
      const kit = await loadFixture(deploySpatialKit);
      const { layer, pages, size, reference, limit } = await handMade(kit, bits);
      for (const x of [Array(size).fill(0n), randomIntsWithin(size, 1000, 4), Array.from({ length: size }, (_, i) => (i % 2 ? limit : -limit))]) {
        expect(await layer.forward([x], pages)).to.deep.equal(reference(x));
      }
    });
  }

  it("reverts ActivationsTooLarge past the exact-sum bound, and on a wrong input size", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const { layer, pages, size, limit } = await handMade(kit, 8);
    const x = Array(size).fill(0n);
    x[0] = limit + 1n;
    await expect(layer.forward([x], pages)).to.be.revertedWithCustomError(layer, "ActivationsTooLarge").withArgs(limit + 1n, limit);
    await expect(layer.forward([x.slice(1)], pages)).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, size, size - 1);
  });
});
