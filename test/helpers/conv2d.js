// Hand-made Conv2D layers and their BigInt reference, shared by test/layers/Conv2DLayer.test.js
// and test/layers/Conv2DTapMajor.test.js.
const { CONV_TYPES, geometry } = require("./spatial");
const TENSOR = "tuple(uint256,uint256,int256)";
const { abi, cloneLayer, writeStream } = require("./layerHarness");
const { blockedKernel, plainTensor } = require("./weightStream");
const { rescale } = require("./reference");
const { randomIntsWithin } = require("./random");

const F = 24;

/**
 * A hand-made Conv2D: H x W x C input, KH x KW kernel, `filters`, strides, padding; linear.
 * Random weights with the offset-binary extremes (min, max, 0) in the first rows, or every
 * weight `fill` when given, or `kernel` (rows x filters BigInts) when given; `post` appends a
 * fused BatchNormalization and ReLU (SpatialBase.Post: { scale, scaleFrac, offset, offsetFrac,
 * relu, threshold, hasMax, maxValue }, per-filter BigInts) and applies it in the reference; kernel and bias at `frac` fractional bits (default L - 1; 0 makes
 * every output the exact sum plus bias, so an error of 1 in a sum shows). Returns the layer, its
 * pages, kernel rows, input size, reference(x) and the output geometry (OH, OW, top, left).
 */
async function handMade(kit, bits, shape, { fill, frac = bits - 1, kernel: given, post } = {}) {
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
  let config = abi.encode(CONV_TYPES, [
    F, bits, H, W, C, KH, KW, filters, SH, SW, top, left, OH, OW, 0,
    [0, kernelSize, frac], [kernelSize, (biasBytes.length - 2) / 2, frac],
  ]);
  let stream = kernelBytes + biasBytes.slice(2);
  if (post) {
    const [scaleBytes, offsetBytes] = [plainTensor(post.scale, bits), plainTensor(post.offset, bits)];
    const at = (stream.length - 2) / 2;
    const scaleSize = (scaleBytes.length - 2) / 2;
    config += abi.encode([TENSOR, TENSOR, "uint256", "int256", "uint256", "int256"], [
      [at, scaleSize, post.scaleFrac], [at + scaleSize, (offsetBytes.length - 2) / 2, post.offsetFrac],
      post.relu, post.threshold, post.hasMax, post.maxValue,
    ]).slice(2);
    stream += scaleBytes.slice(2) + offsetBytes.slice(2);
  }
  const layer = await cloneLayer(kit, "Conv2DLayer", config);
  const pages = await writeStream(kit, stream);
  const epilogue = (v, f) => {
    if (!post) return v;
    let y = rescale(v * post.scale[f], F + post.scaleFrac, F) + rescale(post.offset[f], post.offsetFrac, F);
    if (post.relu) {
      y = y > (post.threshold > 0n ? post.threshold : 0n) ? y : 0n;
      if (post.hasMax && y > post.maxValue) y = post.maxValue;
    }
    return y;
  };
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
          out.push(epilogue(rescale(sum, F + frac, F) + rescale(bias[f], frac, F), f));
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
