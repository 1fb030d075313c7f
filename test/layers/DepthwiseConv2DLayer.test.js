// DepthwiseConv2DLayer: on chain == emulator for every DepthwiseConv2D fixture (int32/int16/int8),
// a hand-made depth-multiplier-2 kernel against a BigInt reference, and its input checks;
// forwardSlice is forward's slice bit for bit, and a part of the rows costs a part of the gas.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { CONV_TYPES, deploySpatialKit, itMatchesEmulatorOnFixtures, geometry } = require("../helpers/spatial");
const { abi, cloneLayer, writeStream, expectSlicesOfForward } = require("../helpers/layerHarness");
const { plainTensor } = require("../helpers/weightStream");
const { rescale } = require("../helpers/reference");
const { randomIntsWithin } = require("../helpers/random");

async function handMade(kit, bits, [H, W, C, K, M, S] = [5, 4, 2, 3, 2, 2], frac = bits - 1) {
  // Default: 5x4x2 input, 3x3 kernel, multiplier 2, stride 2, 'same'; F = 8; weights frac bits - 1.
  const [OH, top] = geometry(H, K, S, "same");
  const [OW, left] = geometry(W, K, S, "same");
  const kernel = randomIntsWithin(K * K * C * M, 2 ** (bits - 1) - 1, 11);
  kernel[0] = -(1n << BigInt(bits - 1));
  const bias = randomIntsWithin(C * M, 2 ** (bits - 1) - 1, 12);
  const kernelBytes = plainTensor(kernel, bits);
  const biasBytes = plainTensor(bias, bits);
  const kernelSize = (kernelBytes.length - 2) / 2;
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
  return { layer, pages, size: H * W * C, outputs: OH * OW * C * M, reference, limit: ((1n << 254n) - 1n) / (1n << BigInt(bits - 1)) / BigInt(K * K) };
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

  // The bias and the rescale fold into the sums' start (SpatialBase._foldBias: each output
  // begins at 2^(d-1) + (bias << d), then one shift) for 0 <= kernelFrac <= 252 and |bias| <
  // 2^(252 - kernelFrac): 0, 5 and 31 fold; 250 does not (the bias is too large), nor 253 or -3:
  // the exact sums, then `_finishSums`. Multiplier 2 (taps one by one) and multiplier 1 with
  // whole 3x3 windows (summed on the stack) and clipped ones.
  for (const frac of [0, 5, 31, 250, 253, -3]) {
    it(`kernel frac bits ${frac}: the folded or the unfolded bias gives the reference's integers`, async function () {
      const kit = await loadFixture(deploySpatialKit);
      for (const shape of [[5, 4, 2, 3, 2, 2], [6, 7, 3, 3, 1, 1]]) {
        const { layer, pages, size, reference, limit } = await handMade(kit, 32, shape, frac);
        const inputs = [randomIntsWithin(size, 3 * 256, 7 + size)];
        if (frac >= 0 && frac <= 31) inputs.push(Array.from({ length: size }, (_, i) => (i % 2 ? limit : -limit)));
        for (const x of inputs) {
          expect(await layer.forward([x], pages), `${shape}`).to.deep.equal(reference(x));
        }
      }
    });
  }

  describe("forwardSlice", function () {
    for (const bits of [8, 32]) {
      it(`int${bits}: every slice is forward's, bit for bit`, async function () {
        const kit = await loadFixture(deploySpatialKit);
        const { layer, pages, size } = await handMade(kit, bits);
        await expectSlicesOfForward(layer, [randomIntsWithin(size, 1 << 20, 6)], pages, 4);
      });
    }

    it("a quarter of the rows costs well under half the layer (16x16x4, 3x3, multiplier 4)", async function () {
      const kit = await loadFixture(deploySpatialKit);
      const { layer, pages, size, outputs } = await handMade(kit, 8, [16, 16, 4, 3, 4, 1]);
      const x = [randomIntsWithin(size, 1 << 24, 8)];
      const gasOf = async (start, end) => Number((await kit.harness.measureSlice(layer.target, x, pages, start, end))[2]);
      const full = await gasOf(0, outputs);
      const quarter = await gasOf(0, outputs / 4);
      console.log(`      DepthwiseConv2D 16x16x4 -> 16x16x16: forwardSlice all ${full}, first quarter ${quarter}`);
      expect(quarter).to.be.below(0.35 * full);
    });

    it("reverts as forward does", async function () {
      const kit = await loadFixture(deploySpatialKit);
      const { layer, pages, size, limit } = await handMade(kit, 8);
      const x = Array(size).fill(0n);
      x[0] = limit + 1n;
      await expect(layer.forwardSlice([x], pages, 0, 1)).to.be.revertedWithCustomError(layer, "ActivationsTooLarge").withArgs(limit + 1n, limit);
      await expect(layer.forwardSlice([x.slice(1)], pages, 0, 1)).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, size, size - 1);
    });
  });

  it("reverts ActivationsTooLarge past the exact-sum bound, and on a wrong input size", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const { layer, pages, size, limit } = await handMade(kit, 8);
    const x = Array(size).fill(0n);
    x[0] = limit + 1n;
    await expect(layer.forward([x], pages)).to.be.revertedWithCustomError(layer, "ActivationsTooLarge").withArgs(limit + 1n, limit);
    await expect(layer.forward([x.slice(1)], pages)).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, size, size - 1);
    // At the limit, with a value whose bits the limit lacks: the OR of the magnitudes passes the
    // limit, the largest does not, and the exact check lets it through.
    let v = 1n;
    while ((limit | v) === limit) v <<= 1n;
    x[0] = limit;
    x[1] = -v;
    await expect(layer.forward([x], pages)).to.not.be.reverted;
  });
});
