// Gas of the elementwise, merge and pooling layers at ResNet-8's scale (32x32x16 = 16,384 values,
// int32 weights, F = 24, inputs uniform in [-4, 4]; cases in bench/elementwise.js): each layer's
// forward measured inside its call (LayerHarness.measureCall: what a call tracer, hence
// `predict --profile`, reports, + 100), per value, and at one output pixel (the layer's fixed
// cost); then forwardSlice of the output's first quarter, as a share of the whole call and of the
// layer implementation's own gas (its DELEGATECALL from the clone, traced: the clone's proxy
// copies the whole calldata into its memory, ~38 gas a value here, for any range). The "main"
// columns are this bench run on main's contracts, stored in bench/gas_elementwise_main.json
// (BENCH_SAVE=<file> writes this run's figures, BENCH_COMMIT names the commit). Run:
//   ETERNAL_HARDFORK=prague node_modules/.bin/hardhat run bench/gas_elementwise.js
// (a 16,384-value layer of main's took up to 20.8M gas: over Osaka's 16,777,216 per call).
//
// "window quarter %": forwardWindow of the same first quarter, handed only the windows of the
// inputs it reads (WindowTooSmall's need, asked with empty windows), as a share of forward:
// the clone's copy of the calldata shrinks with the windows too.
//
// gas/in and gas/out divide by the input values read (all inputs) and the output values written.
// BENCH_ONLY="<name>|<name>" measures only those cases; BENCH_DIRECT=1 adds the direct call's gas
// (EternalModel's: the implementation, the clone's address appended, no proxy copies).
const fs = require("fs");
const path = require("path");
const { ethers, network } = require("hardhat");
const { deployLayerKit, forwardGas, implementationGas } = require("../test/helpers/layerHarness");
const { F, CASES, SHAPES, DEFAULT_SHAPES, CONTRACTS, deployCase } = require("./elementwise");

const BEFORE = process.env.BENCH_BEFORE || path.join(__dirname, "gas_elementwise_main.json");

/** {gas, ins, out, quarter (when the layer has forwardSlice)} of case `name` at `shape`. */
async function measure(kit, name, shape, withQuarter, directOnly = false) {
  const { spec, layer, pages, x } = await deployCase(kit, name, shape);
  const full = await forwardGas(kit, layer, x, pages);
  const row = { gas: full.gas, out: spec.out, ins: spec.ins.reduce((a, b) => a + b, 0) };
  if (process.env.BENCH_DIRECT || directOnly) row.direct = (await forwardGas(kit, layer, x, pages, undefined, true)).gas;
  if (withQuarter && kit.implementations[spec.contract].interface.getFunction("forwardSlice")) {
    const end = Math.floor(spec.out / 4);
    const quarter = await forwardGas(kit, layer, x, pages, [0, end]);
    if (quarter.output.join() !== full.output.slice(0, end).join()) {
      throw new Error(`${name}: forwardSlice(0, ${end}) differs from forward's first ${end} values`);
    }
    row.quarter = quarter.gas;
    // The layer's own share: its implementation's DELEGATECALL, traced (the clone's proxy copies
    // the whole calldata into its memory for any range).
    row.implementation = await implementationGas(kit, layer, x, pages);
    row.implementationQuarter = await implementationGas(kit, layer, x, pages, [0, end]);
    if (kit.implementations[spec.contract].interface.getFunction("forwardWindow")) {
      row.windowQuarter = await windowGas(kit, layer, x, pages, 0, end, full.output.slice(0, end));
    }
  }
  return row;
}

const WINDOW = new ethers.Interface([
  "function forwardWindow(int256[][] inputs, uint256[] offsets, uint256[] sizes, address[] pages, uint256 start, uint256 end) view returns (int256[] output, uint256 size)",
  "error WindowTooSmall(uint256 input, uint256 needLo, uint256 needHi, uint256 haveLo, uint256 haveHi)",
]);

/** forwardWindow's gas inside the call for [start, end), each input cut to what the range reads
 *  (found from WindowTooSmall with that input's window empty); checks its output is `expected`. */
async function windowGas(kit, layer, x, pages, start, end, expected) {
  const target = typeof layer === "string" ? layer : layer.target;
  const sizes = x.map((input) => input.length);
  const call = (windows) => WINDOW.encodeFunctionData("forwardWindow", [
    x.map((input, k) => input.slice(windows[k][0], windows[k][1])), windows.map((w) => w[0]), sizes, pages, start, end]);
  const windows = x.map((input) => [0, input.length]);
  for (let k = 0; k < x.length; k++) {
    const probe = windows.map((w, j) => (j === k ? [0, 0] : w));
    try {
      await ethers.provider.call({ to: target, data: call(probe) });
      windows[k] = [0, 0]; // reads nothing of input k
    } catch (error) {
      const parsed = WINDOW.parseError(error.data);
      if (!parsed || parsed.name !== "WindowTooSmall") throw error;
      windows[k] = [Number(parsed.args[1]), Number(parsed.args[2])];
    }
  }
  const [result, gas] = await kit.harness.measureCall(target, call(windows));
  const output = [...WINDOW.decodeFunctionResult("forwardWindow", result)[0]];
  if (output.join() !== expected.join()) throw new Error(`forwardWindow(${start}, ${end}) differs from forward's`);
  return Number(gas);
}

async function main() {
  if (network.config.hardfork === "osaka") {
    console.error("Run with ETERNAL_HARDFORK=prague: main's layers take more than Osaka's 16,777,216 gas per call at this size.");
    process.exitCode = 1;
    return;
  }
  const kit = await deployLayerKit(CONTRACTS);
  const before = fs.existsSync(BEFORE) ? JSON.parse(fs.readFileSync(BEFORE, "utf8")) : null;
  const saved = { commit: process.env.BENCH_COMMIT || null, measured: new Date().toISOString().slice(0, 10), layers: {} };
  const table = [];
  const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split("|") : Object.keys(CASES);
  for (const name of only) {
    if (!CASES[name]) throw new Error(`no case ${name}: ${Object.keys(CASES).join(", ")}`);
    const [big, small] = SHAPES[name] || DEFAULT_SHAPES;
    const run = await measure(kit, name, big, true);
    const pixel = await measure(kit, name, small, false);
    saved.layers[name] = { shape: big, gas: run.gas, ins: run.ins, out: run.out, pixelGas: pixel.gas };
    const row = {
      layer: name, shape: big.join("x"), "out values": run.out, gas: run.gas,
      "gas/in": +(run.gas / run.ins).toFixed(1), "gas/out": +(run.gas / run.out).toFixed(1), "1 pixel": pixel.gas,
    };
    if (run.direct !== undefined) {
      const pixelDirect = (await measure(kit, name, small, false, true)).direct;
      Object.assign(row, { direct: run.direct, "direct/out": +(run.direct / run.out).toFixed(1), "direct 1 pixel": pixelDirect });
    }
    if (run.quarter !== undefined) {
      row["quarter %"] = +((100 * run.quarter) / run.gas).toFixed(1);
      row["impl. quarter %"] = +((100 * run.implementationQuarter) / run.implementation).toFixed(1);
    }
    if (run.windowQuarter !== undefined) row["window quarter %"] = +((100 * run.windowQuarter) / run.gas).toFixed(1);
    const was = before && before.layers[name];
    if (was) {
      row["main gas"] = was.gas;
      row["main gas/out"] = +(was.gas / was.out).toFixed(1);
      row["main 1 pixel"] = was.pixelGas;
      row["x less"] = +(was.gas / run.gas).toFixed(1);
    }
    table.push(row);
  }
  console.log(`Elementwise, merge and pooling layers: forward gas inside the call, F = ${F}, int32, inputs in [-4, 4]` +
    (before ? `; main = ${before.commit} (measured ${before.measured})` : ""));
  console.table(table);
  if (process.env.BENCH_SAVE) {
    fs.writeFileSync(process.env.BENCH_SAVE, JSON.stringify(saved, null, 2) + "\n");
    console.log(`saved to ${process.env.BENCH_SAVE}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
