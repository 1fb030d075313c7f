// Hand-made Conv2D layers and their BigInt reference, shared by test/layers/Conv2DLayer.test.js
// and test/layers/Conv2DTapMajor.test.js.
const { CONV_TYPES, geometry } = require("./spatial");
const { abi, cloneLayer, writeStream } = require("./layerHarness");
const { blockedKernel, plainTensor } = require("./weightStream");
const { rescale } = require("./reference");
const { randomIntsWithin } = require("./random");

const F = 24;

/**
 * A hand-made Conv2D: H x W x C input, KH x KW kernel, `filters`, strides, padding; linear.
 * Random weights with the offset-binary extremes (min, max, 0) in the first rows, or every
 * weight `fill` when given, or `kernel` (rows x filters BigInts) when given; kernel and bias at `frac` fractional bits (default L - 1; 0 makes
 * every output the exact sum plus bias, so an error of 1 in a sum shows). Returns the layer, its
 * pages, kernel rows, input size, reference(x) and the output geometry (OH, OW, top, left).
 */
async function handMade(kit, bits, shape, { fill, frac = bits - 1, kernel: given } = {}) {
  const { H, W, C, KH, KW, filters, SH, SW, padding } = shape;
  const rows = KH * KW * C;
  const low = -(1n << BigInt(bits - 1));
  const high = (1n << BigInt(bits - 1)) - 1n;
  const kernel = given ?? [];
  const flat = randomIntsWithin(rows * filters, 2 ** (bits - 1) - 1, 17 + bits);
  for (let r = 0; !given && r < rows; r++) kernel.push(fill === undefined ? flat.slice(r * filters, (r + 1) * filters) : Array(filters).fill(fill));
  if (fill === undefined && !given) {
    // The extremes in rows 0, 1, 2, at filters 0, 1, 2 (fewer filters: wrapped around).
    [low, high, 0n].forEach((v, i) => { kernel[i][i % filters] = v; });
  }
  const bias = randomIntsWithin(filters, 2 ** (bits - 1) - 1, 3 + bits);
  const kernelBytes = blockedKernel(kernel.flat(), rows, filters, bits);
  const biasBytes = plainTensor(bias, bits);
  const kernelSize = (kernelBytes.length - 2) / 2;
  const [OH, top] = geometry(H, KH, SH, padding);
  const [OW, left] = geometry(W, KW, SW, padding);
  const layer = await cloneLayer(kit, "Conv2DLayer", abi.encode(CONV_TYPES, [
    F, bits, H, W, C, KH, KW, filters, SH, SW, top, left, OH, OW, 0,
    [0, kernelSize, frac], [kernelSize, (biasBytes.length - 2) / 2, frac],
  ]));
  const pages = await writeStream(kit, kernelBytes + biasBytes.slice(2));
  const reference = (x) => {
    const out = [];
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let f = 0; f < filters; f++) {
          let sum = 0n;
          for (let dy = 0; dy < KH; dy++) {
            for (let dx = 0; dx < KW; dx++) {
              const iy = oy * SH - top + dy;
              const ix = ox * SW - left + dx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              for (let c = 0; c < C; c++) sum += x[(iy * W + ix) * C + c] * kernel[(dy * KW + dx) * C + c][f];
            }
          }
          out.push(rescale(sum, F + frac, F) + rescale(bias[f], frac, F));
        }
      }
    }
    return out;
  };
  return { layer, pages, rows, size: H * W * C, reference, OH, OW, top, left };
}

/** Largest |x| for which `slot`-bit SWAR slots stay exact (SpatialBase._swar). */
function slotLimit(slot, bits, rows) {
  return ((1n << BigInt(slot === 256 ? 254 : slot - 1)) - 1n) / (1n << BigInt(bits - 1)) / BigInt(rows);
}

module.exports = { F, handMade, slotLimit };
