// Where Conv2DLayer.forward spends its gas, by source line: one forward call sent as a
// transaction, traced (debug_traceTransaction), each opcode's gas charged through the compiler's
// source map to a file:line of the layer implementation (the clone's DELEGATECALL target). Run:
//   SHAPE=16x16x3-16-3 BITS=32 node_modules/.bin/hardhat run bench/profile_conv.js
// Env: SHAPE (HxWxC-filters-K, 'same', stride 1), BITS (8/16/32), AMP (input amplitude), TOP (rows printed).
const { ethers } = require("hardhat");
const { CONV_TYPES, geometry } = require("../test/helpers/spatial");
const { abi, deployLayerKit, cloneLayer, writeStream } = require("../test/helpers/layerHarness");
const { blockedKernel, plainTensor } = require("../test/helpers/weightStream");
const { randomIntsWithin } = require("../test/helpers/random");
const { gasBySourceLine } = require("./sourcemap");

const [H, W, C, filters, K] = (process.env.SHAPE || "16x16x3-16-3").split(/[x-]/).map(Number);
const BITS = Number(process.env.BITS || 32);
const AMP = Number(process.env.AMP || 1);
const TOP = Number(process.env.TOP || 30);
const F = 24;

async function main() {
  const kit = await deployLayerKit(["Conv2DLayer"]);
  const { harness } = kit;
  const [OH, top] = geometry(H, K, 1, "same");
  const [OW, left] = geometry(W, K, 1, "same");
  const kernel = blockedKernel(randomIntsWithin(K * K * C * filters, 2 ** (BITS - 1) - 1, 7 + BITS), K * K * C, filters, BITS);
  const bias = plainTensor(randomIntsWithin(filters, 2 ** (BITS - 1) - 1, 9), BITS);
  const kernelSize = ethers.dataLength(kernel);
  const layer = (await cloneLayer(kit, "Conv2DLayer", abi.encode(CONV_TYPES, [
    F, BITS, H, W, C, K, K, filters, 1, 1, top, left, OH, OW, 0,
    [0, kernelSize, BITS - 1], [kernelSize, ethers.dataLength(bias), BITS - 1],
  ]))).target;
  const pages = await writeStream(kit, ethers.concat([kernel, bias]));
  const x = randomIntsWithin(H * W * C, AMP * 2 ** F, 5);
  const [, gas] = await harness.measure(layer, [x], pages);
  const label = (path, line) => (path ? `${path.split("/").pop()}:${line}` : "(no source: compiler-generated)");
  const { byLine, total: inLayer } = await gasBySourceLine({
    harness, layer, inputs: [x], pages, contract: "contracts/layers/Conv2DLayer.sol:Conv2DLayer", label,
  });
  const macs = OH * OW * filters * K * K * C; // with the padding taps: an upper bound on the MACs
  console.log(`Conv2D ${H}x${W}x${C} -> ${filters} ${K}x${K} same, int${BITS}, inputs in [-${AMP}, ${AMP}]: ` +
    `forward ${gas} gas, ${inLayer} inside the implementation`);
  const rows = [...byLine.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  console.table(rows.map(([line, used]) => ({ line, gas: used, "per MAC (padding counted)": +(used / macs).toFixed(3) })));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
