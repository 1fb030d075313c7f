// Gas per multiply-accumulate of Conv2DLayer.forward (16x16x8 input, 4/8/16/24 filters 3x3,
// 'same' or 'valid'; 8x8x32 input, 32 filters; pointwise 1x1 16 -> 48 channels; the LeNet
// convolutions 28x28x1 -> 6 and 14x14x6 -> 16, 5x5 'same', and the digits CNN's 8x8x1 -> 8 and
// 3x3x8 -> 16, 3x3; linear, with bias) beside DenseLayer.forward
// (256x256), at int32/int16/int8 weights, measured inside the call (LayerHarness.measure) on
// the in-process Hardhat network.
// Run: node_modules/.bin/hardhat run bench/gas_conv.js
// (CONV_FILTER=regex on "HxWxC->filters" keeps some shapes, CONV_BITS=32,8 some widths.)
//
// Inputs are F = 24 fixed point, uniform in [-1, 1]. A 'same' 3x3 conv over 16x16 computes
// 16 * 16 * filters outputs of up to 72 taps; MACs count only the taps inside the image (the
// padding is skipped, not multiplied by zero). "x Dense" is gas/MAC over Dense's at the same
// precision. A weight word holds E = 256/L filters (32 at int8); when a layer has fewer (or its
// last block is partial) the kernel packs only the real filters' lanes into its SWAR words
// (SpatialBase._fit), so a 16-filter int8 layer does not pay for the empty half of each word.
// With few filters the fixed costs of a position (its window) and of an output (scatter, rescale,
// bias) weigh more per MAC.
const { ethers } = require("hardhat");
const { CONV_TYPES, geometry } = require("../test/helpers/spatial");
const { abi, deployLayerKit, cloneLayer, writeStream } = require("../test/helpers/layerHarness");
const { blockedKernel, plainTensor } = require("../test/helpers/weightStream");
const { randomIntsWithin } = require("../test/helpers/random");
const { deployDense, F } = require("./dense");

/** MACs of a conv: output positions x filters x taps inside the input. */
function convMacs(H, W, C, K, filters, stride, padding) {
  const [OH, top] = geometry(H, K, stride, padding);
  const [OW, left] = geometry(W, K, stride, padding);
  let taps = 0;
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let dy = 0; dy < K; dy++) {
        for (let dx = 0; dx < K; dx++) {
          const iy = oy * stride - top + dy;
          const ix = ox * stride - left + dx;
          if (iy >= 0 && iy < H && ix >= 0 && ix < W) taps += C;
        }
      }
    }
  }
  return { macs: taps * filters, OH, OW, top, left };
}

async function main() {
  const kit = await deployLayerKit(["Conv2DLayer", "DenseLayer"]);
  const { harness } = kit;
  const table = [];
  const CONVS = [
    { H: 16, W: 16, C: 8, K: 3, filters: 16, stride: 1, padding: "same" },
    { H: 16, W: 16, C: 8, K: 3, filters: 16, stride: 1, padding: "valid" },
    { H: 16, W: 16, C: 8, K: 3, filters: 24, stride: 1, padding: "same" },
    { H: 16, W: 16, C: 8, K: 3, filters: 8, stride: 1, padding: "same" },
    { H: 8, W: 8, C: 32, K: 3, filters: 32, stride: 1, padding: "same" },
    { H: 16, W: 16, C: 8, K: 3, filters: 4, stride: 1, padding: "same" },
    { H: 24, W: 24, C: 16, K: 1, filters: 48, stride: 1, padding: "same" }, // pointwise (anvil: over 16M gas)
    { H: 16, W: 16, C: 16, K: 1, filters: 48, stride: 1, padding: "same" }, // pointwise, smaller
    { H: 28, W: 28, C: 1, K: 5, filters: 6, stride: 1, padding: "same" }, // LeNet conv1
    { H: 14, W: 14, C: 6, K: 5, filters: 16, stride: 1, padding: "same" }, // LeNet conv2
    { H: 8, W: 8, C: 1, K: 3, filters: 8, stride: 1, padding: "same" }, // digits CNN conv1
    { H: 3, W: 3, C: 8, K: 3, filters: 16, stride: 1, padding: "valid" }, // digits CNN conv2
    { H: 16, W: 16, C: 3, K: 3, filters: 16, stride: 1, padding: "same" }, // ResNet-8 stem (16x16 of its 32x32)
  ].filter((shape) => !process.env.CONV_FILTER || `${shape.H}x${shape.W}x${shape.C}->${shape.filters}`.match(process.env.CONV_FILTER));
  const precisions = (process.env.CONV_BITS || "32,16,8").split(",").map(Number);
  for (const bits of precisions) {
    const convRows = [];
    for (const shape of CONVS) {
      const { H, W, C, K, filters, stride, padding } = shape;
      const { macs, OH, OW, top, left } = convMacs(H, W, C, K, filters, stride, padding);
      const kernel = blockedKernel(randomIntsWithin(K * K * C * filters, 2 ** (bits - 1) - 1, 7 + bits), K * K * C, filters, bits);
      const bias = plainTensor(randomIntsWithin(filters, 2 ** (bits - 1) - 1, 9), bits);
      const kernelSize = ethers.dataLength(kernel);
      const layer = (await cloneLayer(kit, "Conv2DLayer", abi.encode(CONV_TYPES, [
        F, bits, H, W, C, K, K, filters, stride, stride, top, left, OH, OW, 0,
        [0, kernelSize, bits - 1], [kernelSize, ethers.dataLength(bias), bits - 1],
      ]))).target;
      const pages = await writeStream(kit, ethers.concat([kernel, bias]));
      const x = randomIntsWithin(H * W * C, 2 ** F, 5);
      const [, gas] = await harness.measure(layer, [x], pages);
      convRows.push({
        layer: `Conv2D ${H}x${W}x${C} -> ${filters} ${K}x${K} ${padding}`,
        weights: `int${bits}`,
        MACs: macs,
        "forward gas": Number(gas),
        "gas / MAC": +(Number(gas) / macs).toFixed(2),
      });
    }
    // Dense 256x256, same inputs range.
    const { layer, pages } = await deployDense(kit, bits, 256, 256);
    const [, gas] = await harness.measure(layer, [randomIntsWithin(256, 2 ** F, 5)], pages);
    const densePerMac = Number(gas) / 65536;
    for (const row of convRows) table.push({ ...row, "x Dense": +(row["gas / MAC"] / densePerMac).toFixed(2) });
    table.push({ layer: "Dense 256x256", weights: `int${bits}`, MACs: 65536, "forward gas": Number(gas), "gas / MAC": +densePerMac.toFixed(2), "x Dense": 1 });
  }
  console.log(`Conv2DLayer vs DenseLayer forward gas, F = ${F}, inputs in [-1, 1], linear, with bias`);
  console.table(table);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
