// Conv2DTransposeLayer (Conv2DTranspose, Conv1DTranspose): a BigInt reference that scatters each
// input pixel's taps (the emulator's order; the contract gathers per output) on 'same' and 'valid'
// geometries with overlaps and gaps; every slice is forward's; the 2^160 input bound, exactly.
// Model-level bit-exactness with the emulator: fixtures.test.js (transpose).
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { CONV_TYPES } = require("../helpers/spatial");
const { abi, deployLayerKit, cloneLayer, writeStream, expectSlicesOfForward } = require("../helpers/layerHarness");
const { plainTensor } = require("../helpers/weightStream");
const { rescale } = require("../helpers/reference");
const { randomIntsWithin } = require("../helpers/random");

const F = 8;

async function deployKit() {
  return deployLayerKit(["Conv2DTransposeLayer"]);
}

/** Output length and leading pad of one axis (conv2d_transpose.transposed_length). */
function transposed(size, window, stride, padding) {
  if (padding === "same") return [size * stride, Math.floor(Math.max((size - 1) * stride + window - size * stride, 0) / 2)];
  return [size * stride + Math.max(window - stride, 0), 0];
}

async function handMade(kit, bits, { H, W, C, KH, KW, filters, SH, SW, padding }, frac = bits - 1) {
  const [OH, top] = transposed(H, KH, SH, padding);
  const [OW, left] = transposed(W, KW, SW, padding);
  const kernel = randomIntsWithin(KH * KW * filters * C, 2 ** (bits - 1) - 1, 31);
  kernel[0] = -(1n << BigInt(bits - 1));
  const bias = randomIntsWithin(filters, 2 ** (bits - 1) - 1, 32);
  const [kBytes, bBytes] = [plainTensor(kernel, bits), plainTensor(bias, bits)];
  const size = (hex) => (hex.length - 2) / 2;
  const layer = await cloneLayer(kit, "Conv2DTransposeLayer", abi.encode(CONV_TYPES, [
    F, bits, H, W, C, KH, KW, filters, SH, SW, top, left, OH, OW, 0, [0, size(kBytes), frac], [size(kBytes), size(bBytes), frac],
  ]));
  const pages = await writeStream(kit, kBytes + bBytes.slice(2));
  const reference = (x) => {
    const sums = Array(OH * OW * filters).fill(0n);
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        for (let dy = 0; dy < KH; dy++) {
          for (let dx = 0; dx < KW; dx++) {
            const [oy, ox] = [i * SH + dy - top, j * SW + dx - left];
            if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
            for (let f = 0; f < filters; f++) {
              for (let c = 0; c < C; c++) sums[(oy * OW + ox) * filters + f] += x[(i * W + j) * C + c] * kernel[((dy * KW + dx) * filters + f) * C + c];
            }
          }
        }
      }
    }
    return sums.map((s, k) => rescale(s, F + frac, F) + rescale(bias[k % filters], frac, F));
  };
  return { layer, pages, size: H * W * C, filters, reference };
}

describe("Conv2DTransposeLayer", function () {
  const shapes = {
    "'same', stride 2, 3x3": { H: 3, W: 4, C: 2, KH: 3, KW: 3, filters: 3, SH: 2, SW: 2, padding: "same" },
    "'same', stride 2, 4x4 (a leading pad)": { H: 3, W: 2, C: 3, KH: 4, KW: 4, filters: 2, SH: 2, SW: 2, padding: "same" },
    "'valid', overlapping taps (4x3, strides 2x1)": { H: 3, W: 3, C: 2, KH: 4, KW: 3, filters: 2, SH: 2, SW: 1, padding: "valid" },
    "'valid', gaps (2x2, stride 3)": { H: 2, W: 3, C: 1, KH: 2, KW: 2, filters: 2, SH: 3, SW: 3, padding: "valid" },
    "1D (height 1), 'same', stride 2": { H: 1, W: 5, C: 2, KH: 1, KW: 3, filters: 3, SH: 1, SW: 2, padding: "same" },
  };
  for (const [label, shape] of Object.entries(shapes)) {
    for (const bits of [8, 32]) {
      it(`int${bits}, ${label}: equals the scattering reference; every slice is forward's`, async function () {
        const kit = await loadFixture(deployKit);
        const { layer, pages, size, filters, reference } = await handMade(kit, bits, shape);
        const x = randomIntsWithin(size, 3 << F, 33 + size);
        expect(await expectSlicesOfForward(layer, [x], pages, filters, { quick: true })).to.deep.equal(reference(x));
      });
    }
  }

  it("takes inputs in [-2^160, 2^160) exactly; one past either end reverts TransposeInputTooLarge", async function () {
    const kit = await loadFixture(deployKit);
    const { layer, pages, size, reference } = await handMade(kit, 32, shapes["'same', stride 2, 3x3"]);
    const edge = 1n << 160n;
    for (const v of [edge - 1n, -edge]) {
      const x = Array(size).fill(3n);
      x[5] = v;
      expect([...(await layer.forward([x], pages))]).to.deep.equal(reference(x));
    }
    for (const v of [edge, -edge - 1n]) {
      const x = Array(size).fill(0n);
      x[size - 1] = v;
      await expect(layer.forward([x], pages)).to.be.revertedWithCustomError(layer, "TransposeInputTooLarge");
    }
  });
});
