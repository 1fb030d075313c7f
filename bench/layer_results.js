// The per-layer half of bench/results.py: gas of our layers and of the plain-Solidity baselines
// (contracts/bench/) on one representative input each, all on the node `--network anvil` points
// at (ETERNAL_BENCH_RPC), written as JSON to ETERNAL_BENCH_OUT. Run by bench/results.py, which
// starts the node; by hand:
//   ETERNAL_BENCH_RPC=http://127.0.0.1:8545 ETERNAL_BENCH_OUT=/tmp/layers.json \
//     node_modules/.bin/hardhat run --network anvil bench/layer_results.js
//
// Every figure is the gas inside the layer's call as EternalModel makes it (the implementation
// called directly, the clone named in the last word: forwardGas `direct`; LayerHarness.measureCall:
// what a call tracer reports, + 100), not the calldata of a transaction. Inputs are F = 24
// fixed point, uniform in [-1, 1] (MAC layers) or [-4, 4] (elementwise, bench/elementwise.js) or
// [-8, 8] (activations). Each plain baseline is checked to compute what our layer computes (int32
// weights) before its gas is kept.
const fs = require("fs");
const { ethers, network } = require("hardhat");
const { LibZip } = require("solady/js/solady.js");
const { abi, TENSOR, deployLayerKit, cloneLayer, writeStream, forwardGas } = require("../test/helpers/layerHarness");
const { CONV_TYPES, geometry } = require("../test/helpers/spatial");
const { blockedKernel, plainTensor } = require("../test/helpers/weightStream");
const { randomIntsWithin } = require("../test/helpers/random");
const { rescale } = require("../test/helpers/reference");
const { CASES, SHAPES, DEFAULT_SHAPES, CONTRACTS, deployCase } = require("./elementwise");

const F = 24;
const PRECISIONS = [32, 16, 8];
const PLAIN = ["PlainDense", "PlainConv2D", "PlainDepthwiseConv2D"];

// One representative input per MAC layer type; `shape` as RESULTS.md states it.
const MAC_CASES = [
  { type: "Dense", rows: 256, units: 256, shape: "256 -> 256" },
  { type: "Conv2D 3x3, 4 filters", H: 16, W: 16, C: 8, K: 3, filters: 4, S: 1, padding: "same" },
  { type: "Conv2D 3x3, 8 filters", H: 16, W: 16, C: 8, K: 3, filters: 8, S: 1, padding: "same" },
  { type: "Conv2D 3x3, 16 filters", H: 16, W: 16, C: 8, K: 3, filters: 16, S: 1, padding: "same" },
  { type: "Conv2D 1x1 (pointwise)", H: 24, W: 24, C: 16, K: 1, filters: 48, S: 1, padding: "same" },
  { type: "DepthwiseConv2D 3x3", H: 24, W: 24, C: 48, K: 3, S: 1, padding: "same", depthwise: true },
];
for (const c of MAC_CASES) if (!c.shape) c.shape = `${c.H}x${c.W}x${c.C} -> ${c.depthwise ? c.C : c.filters}, ${c.K}x${c.K} ${c.padding}`;

/** MACs of a case: Dense rows x units; a conv counts only the taps inside the input. */
function macsOf(c) {
  if (c.type === "Dense") return c.rows * c.units;
  const [OH, top] = geometry(c.H, c.K, c.S, c.padding);
  const [OW, left] = geometry(c.W, c.K, c.S, c.padding);
  let taps = 0;
  for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let dy = 0; dy < c.K; dy++) for (let dx = 0; dx < c.K; dx++) {
    const [iy, ix] = [oy * c.S - top + dy, ox * c.S - left + dx];
    if (iy >= 0 && iy < c.H && ix >= 0 && ix < c.W) taps++;
  }
  return taps * c.C * (c.depthwise ? 1 : c.filters);
}

/** Our layer for case `c` at `bits`: {layer, pages, x, kernel, bias} (kernel/bias as ints, Keras order). */
async function deployOurs(kit, c, bits) {
  const bound = 2 ** (bits - 1) - 1;
  const frac = bits - 1;
  if (c.type === "Dense") {
    const kernel = randomIntsWithin(c.rows * c.units, bound, 7 + bits);
    const bias = randomIntsWithin(c.units, bound, 99);
    const kernelBytes = blockedKernel(kernel, c.rows, c.units, bits);
    const biasBytes = plainTensor(bias, bits);
    const size = ethers.dataLength(kernelBytes);
    const config = abi.encode([...Array(6).fill("uint256"), TENSOR, TENSOR],
      [F, bits, c.rows, c.units, 1, 0, [0, size, frac], [size, ethers.dataLength(biasBytes), frac]]);
    const layer = (await cloneLayer(kit, "DenseLayer", config)).target;
    return { layer, pages: await writeStream(kit, ethers.concat([kernelBytes, biasBytes])), kernel, bias,
      x: randomIntsWithin(c.rows, 2 ** F, 5) };
  }
  const [OH, top] = geometry(c.H, c.K, c.S, c.padding);
  const [OW, left] = geometry(c.W, c.K, c.S, c.padding);
  const outs = c.depthwise ? c.C : c.filters;
  const kernel = randomIntsWithin(c.K * c.K * c.C * (c.depthwise ? 1 : c.filters), bound, 7 + bits);
  const bias = randomIntsWithin(outs, bound, 9);
  const kernelBytes = c.depthwise ? plainTensor(kernel, bits) : blockedKernel(kernel, c.K * c.K * c.C, c.filters, bits);
  const biasBytes = plainTensor(bias, bits);
  const size = ethers.dataLength(kernelBytes);
  const contract = c.depthwise ? "DepthwiseConv2DLayer" : "Conv2DLayer";
  const layer = (await cloneLayer(kit, contract, abi.encode(CONV_TYPES, [F, bits, c.H, c.W, c.C, c.K, c.K,
    c.depthwise ? 1 : c.filters, c.S, c.S, top, left, OH, OW, 0, [0, size, frac], [size, ethers.dataLength(biasBytes), frac]]))).target;
  return { layer, pages: await writeStream(kit, ethers.concat([kernelBytes, biasBytes])), kernel, bias,
    x: randomIntsWithin(c.H * c.W * c.C, 2 ** F, 5), OH, OW, top, left };
}

/** The plain baseline of case `c` on our layer's weights (`ours`, int32): its gas, after checking
 *  that its output equals `expected` (our layer's). */
async function measurePlain(kit, plain, c, ours, expected) {
  const bias = ours.bias.map((b) => rescale(b, 31, F));
  let contract;
  let args;
  if (c.type === "Dense") {
    [contract, args] = [plain.PlainDense, [ours.x, ours.kernel, bias, 31]];
  } else if (c.depthwise) {
    [contract, args] = [plain.PlainDepthwiseConv2D, [ours.x, ours.kernel, bias,
      [c.H, c.W, c.C, c.K, c.S, ours.top, ours.left, ours.OH, ours.OW, 31]]];
  } else {
    [contract, args] = [plain.PlainConv2D, [ours.x, ours.kernel, bias,
      [c.H, c.W, c.C, c.K, c.filters, c.S, ours.top, ours.left, ours.OH, ours.OW, 31]]];
  }
  const data = contract.interface.encodeFunctionData("forward", args);
  const [result, gas] = await kit.harness.measureCall(contract.target, data);
  const output = [...contract.interface.decodeFunctionResult("forward", result)[0]];
  if (output.join() !== expected.join()) throw new Error(`${c.type}: the plain baseline's output differs from our layer's`);
  const weights = ethers.getBytes(abi.encode(["int256[]"], [ours.kernel]));
  const calldata = weights.reduce((sum, b) => sum + (b === 0 ? 4 : 16), 0);
  return { gas: Number(gas), weightCalldataGas: calldata };
}

async function macLayers(kit, plain) {
  const rows = [];
  for (const c of MAC_CASES) {
    const macs = macsOf(c);
    const row = { type: c.type, shape: c.shape, macs, ours: {}, plain: null };
    for (const bits of PRECISIONS) {
      const ours = await deployOurs(kit, c, bits);
      const { output, gas } = await forwardGas(kit, ours.layer, [ours.x], ours.pages, null, true);
      row.ours[`int${bits}`] = gas;
      if (bits === 32) row.plain = await measurePlain(kit, plain, c, ours, output);
    }
    console.log(`${c.type} (${c.shape}): ours ${JSON.stringify(row.ours)}, plain ${row.plain.gas} (${macs} MACs)`);
    rows.push(row);
  }
  return rows;
}

async function elementwiseLayers(kit) {
  const rows = [];
  for (const name of Object.keys(CASES)) {
    const [big, small] = SHAPES[name] || DEFAULT_SHAPES;
    const run = await deployCase(kit, name, big);
    const pixel = await deployCase(kit, name, small);
    const { gas } = await forwardGas(kit, run.layer, run.x, run.pages, null, true);
    const { gas: pixelGas } = await forwardGas(kit, pixel.layer, pixel.x, pixel.pages, null, true);
    rows.push({ layer: name, shape: big.join("x"), pixelShape: small.join("x"), gas, pixelGas,
      ins: run.spec.ins.reduce((a, b) => a + b, 0), out: run.spec.out, pooling: /Pool/.test(name) });
  }
  console.log(`elementwise: ${rows.length} layers`);
  return rows;
}

async function activations(kit) {
  const codes = { sigmoid: 2, tanh: 3, softmax: 4, relu: 1 };
  const sizes = [20, 2040];
  const rows = [];
  for (const [name, code] of Object.entries(codes)) {
    const layer = (await cloneLayer(kit, "ActivationLayer", LibZip.cdCompress(abi.encode(Array(4).fill("uint256"), [F, 32, code, 10])))).target;
    const gas = [];
    for (const n of sizes) gas.push((await forwardGas(kit, layer, [randomIntsWithin(n, 8 * 2 ** F, 7)], [], null, true)).gas);
    rows.push({ activation: name, perValue: (gas[1] - gas[0]) / (sizes[1] - sizes[0]), values: sizes[1], gas: gas[1] });
  }
  console.log(`activations: ${rows.map((r) => `${r.activation} ${r.perValue.toFixed(1)}`).join(", ")}`);
  return rows;
}

async function main() {
  if (!process.env.ETERNAL_BENCH_OUT) throw new Error("set ETERNAL_BENCH_OUT to the JSON file to write");
  const kit = await deployLayerKit([...new Set(["DenseLayer", "Conv2DLayer", "DepthwiseConv2DLayer", "ActivationLayer", ...CONTRACTS])]);
  const plain = {};
  for (const name of PLAIN) plain[name] = await ethers.deployContract(name);
  const client = await ethers.provider.send("web3_clientVersion", []);
  const results = {
    network: network.name, client, F, macLayers: await macLayers(kit, plain),
    elementwise: await elementwiseLayers(kit), activations: await activations(kit),
  };
  fs.writeFileSync(process.env.ETERNAL_BENCH_OUT, JSON.stringify(results, null, 1) + "\n");
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
