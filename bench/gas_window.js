// Gas of Conv2D and DepthwiseConv2D at a quarter of MobileNetV2 block_1 (24x24x16 -> 48 filters 1x1;
// 24x24x48 3x3 depthwise, stride 1 and 2, 'same'; int32, F = 24, inputs in [-4, 4]): forward,
// forwardSlice of 4 output rows (whole inputs) and forwardWindow of the same rows (handed only the
// input rows they read, WindowTooSmall's need), measured inside the layer's call
// (LayerHarness.measureCall, + 100) and, for the two slices, the calldata each call carries.
// Run: ETERNAL_HARDFORK=prague node_modules/.bin/hardhat run bench/gas_window.js (a whole
// forward here costs more than Osaka's 16,777,216 per call; 48x48 ones pass 30M). On a tree without
// forwardWindow it prints forward and forwardSlice only (a baseline).
const { ethers } = require("hardhat");
const { CONV_TYPES, geometry } = require("../test/helpers/spatial");
const { abi, deployLayerKit, cloneLayer, writeStream } = require("../test/helpers/layerHarness");
const { blockedKernel, plainTensor } = require("../test/helpers/weightStream");
const { randomIntsWithin } = require("../test/helpers/random");

const F = 24;
const CALLS = new ethers.Interface([
  "function forward(int256[][] inputs, address[] pages) view returns (int256[] output)",
  "function forwardSlice(int256[][] inputs, address[] pages, uint256 start, uint256 end) view returns (int256[] output, uint256 size)",
  "function forwardWindow(int256[][] inputs, uint256[] offsets, uint256[] sizes, address[] pages, uint256 start, uint256 end) view returns (int256[] output, uint256 size)",
  "error WindowTooSmall(uint256 input, uint256 needLo, uint256 needHi, uint256 haveLo, uint256 haveHi)",
]);

const CASES = [
  { name: "Conv2D 1x1, 16 -> 48", contract: "Conv2DLayer", H: 24, W: 24, C: 16, K: 1, S: 1, out: 48 },
  { name: "DepthwiseConv2D 3x3/1", contract: "DepthwiseConv2DLayer", H: 24, W: 24, C: 48, K: 3, S: 1, out: 48 },
  { name: "DepthwiseConv2D 3x3/2", contract: "DepthwiseConv2DLayer", H: 24, W: 24, C: 48, K: 3, S: 2, out: 48 },
];

async function deploy(kit, c) {
  const [OH, top] = geometry(c.H, c.K, c.S, "same");
  const [OW, left] = geometry(c.W, c.K, c.S, "same");
  const frac = 31;
  let kernelBytes;
  let fields;
  if (c.contract === "Conv2DLayer") {
    const rows = c.K * c.K * c.C;
    kernelBytes = blockedKernel(randomIntsWithin(rows * c.out, 2 ** 31 - 1, 5), rows, c.out, 32);
    fields = [c.out];
  } else {
    kernelBytes = plainTensor(randomIntsWithin(c.K * c.K * c.C, 2 ** 31 - 1, 6), 32);
    fields = [1];
  }
  const biasBytes = plainTensor(randomIntsWithin(c.out, 2 ** 31 - 1, 7), 32);
  const kernelSize = (kernelBytes.length - 2) / 2;
  const layer = (await cloneLayer(kit, c.contract, abi.encode(CONV_TYPES, [F, 32, c.H, c.W, c.C, c.K, c.K, ...fields, c.S, c.S,
    top, left, OH, OW, 0, [0, kernelSize, frac], [kernelSize, (biasBytes.length - 2) / 2, frac]]))).target;
  const pages = await writeStream(kit, kernelBytes + biasBytes.slice(2));
  return { layer, pages, OH, OW, x: randomIntsWithin(c.H * c.W * c.C, 4 * 2 ** F, 8) };
}

async function measure(kit, layer, name, args) {
  const data = CALLS.encodeFunctionData(name, args);
  const [result, gas] = await kit.harness.measureCall(layer, data);
  const bytes = ethers.getBytes(data);
  const calldata = bytes.reduce((sum, b) => sum + (b === 0 ? 4 : 16), 0);
  return { output: [...CALLS.decodeFunctionResult(name, result)[0]], gas: Number(gas), calldata };
}

async function main() {
  const kit = await deployLayerKit(["Conv2DLayer", "DepthwiseConv2DLayer"]);
  const windows = !!kit.implementations.Conv2DLayer.interface.getFunction("forwardWindow");
  const table = [];
  for (const c of CASES) {
    const { layer, pages, OH, OW, x } = await deploy(kit, c);
    const full = await measure(kit, layer, "forward", [[x], pages]);
    const rows = 4;
    const [start, end] = [Math.floor(OH / 2) * OW * c.out, (Math.floor(OH / 2) + rows) * OW * c.out];
    const slice = await measure(kit, layer, "forwardSlice", [[x], pages, start, end]);
    const row = { layer: c.name, input: `${c.H}x${c.W}x${c.C}`, forward: full.gas, [`slice ${rows} rows`]: slice.gas,
      "slice calldata": slice.calldata };
    if (windows) {
      let need = [0, 0];
      try {
        await ethers.provider.call({ to: layer, data: CALLS.encodeFunctionData("forwardWindow", [[[]], [0], [x.length], pages, start, end]) });
      } catch (error) {
        const parsed = CALLS.parseError(error.data);
        need = [Number(parsed.args[1]), Number(parsed.args[2])];
      }
      const win = await measure(kit, layer, "forwardWindow", [[x.slice(...need)], [need[0]], [x.length], pages, start, end]);
      if (win.output.join() !== full.output.slice(start, end).join()) throw new Error(`${c.name}: forwardWindow differs from forward`);
      Object.assign(row, { "window rows": (need[1] - need[0]) / (c.W * c.C), [`window ${rows} rows`]: win.gas,
        "window calldata": win.calldata });
    }
    table.push(row);
  }
  console.log("Conv2D/DepthwiseConv2D, int32, F = 24: gas inside the layer's call; calldata gas of the call");
  console.table(table);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
