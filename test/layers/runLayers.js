// Runs a fixture's deployment plan layer by layer through LayerHarness (no EternalModel):
// clones each layer implementation with its config, stores the pages, then feeds each layer
// the outputs of its inbound layers, as EternalModel.predict does.
const fs = require("fs");
const path = require("path");
const { ethers } = require("hardhat");

const FIXTURES = path.join(__dirname, "..", "fixtures");

/** The fixture `test/fixtures/<name>.json`. */
function readFixture(name) {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8"));
}

/** Fixture names whose plan uses one of `contracts` (any precision), sorted. */
function fixturesUsing(contracts) {
  return fs
    .readdirSync(FIXTURES)
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -5))
    .filter((name) => readFixture(name).plan.layers.some((layer) => contracts.includes(layer.contract)))
    .sort();
}

/** Deploys LayerHarness and one implementation per contract name. */
async function deployLayerKit(contractNames) {
  const harness = await ethers.deployContract("LayerHarness");
  const implementations = {};
  for (const name of contractNames) implementations[name] = await ethers.deployContract(name);
  return { harness, implementations };
}

/** Clones the plan's layers and stores its pages; returns {layers: [address|null], pages}. */
async function instantiate(kit, plan) {
  const layers = [];
  for (const layer of plan.layers) {
    if (!layer.contract) {
      layers.push(null);
      continue;
    }
    const implementation = kit.implementations[layer.contract];
    if (!implementation) throw new Error(`no implementation deployed for ${layer.contract}`);
    const receipt = await (await kit.harness.clone(await implementation.getAddress(), layer.config)).wait();
    const event = receipt.logs.map((log) => kit.harness.interface.parseLog(log)).find((e) => e && e.name === "Cloned");
    layers.push(event.args.layer);
  }
  let pages = [];
  if (plan.pages.length) {
    const receipt = await (await kit.harness.writePages(plan.pages)).wait();
    const event = receipt.logs.map((log) => kit.harness.interface.parseLog(log)).find((e) => e && e.name === "PagesWritten");
    pages = [...event.args.pages];
  }
  return { layers, pages };
}

/** Runs one sample (inputs as arrays of BigInt); returns {outputs, gas: [per layer]}. */
async function runSample(kit, plan, instance, inputs) {
  const values = new Array(plan.layers.length);
  const gas = new Array(plan.layers.length).fill(0n);
  plan.inputs.forEach((index, k) => (values[index] = inputs[k]));
  for (let i = 0; i < plan.layers.length; i++) {
    if (plan.inputs.includes(i)) continue;
    const args = plan.layers[i].inbound.map((j) => values[j]);
    if (instance.layers[i] === null) {
      values[i] = args[0];
      continue;
    }
    const [output, used] = await kit.harness.measure(instance.layers[i], args, instance.pages);
    values[i] = [...output];
    gas[i] = used;
  }
  return { outputs: plan.outputs.map((index) => values[index]), gas };
}

const bigs = (strings) => strings.map((s) => BigInt(s));

/** Blocked kernel bytes (docs/FORMAT.md) of a rows x units matrix `q` (row-major BigInt array). */
function blockedKernel(q, rows, units, bits) {
  const lanes = 256 / bits;
  const blocks = Math.ceil(units / lanes);
  const words = [];
  for (let k = 0; k < blocks; k++) {
    for (let r = 0; r < rows; r++) {
      let word = 0n;
      for (let j = 0; j < lanes; j++) {
        const col = k * lanes + j;
        const v = col < units ? q[r * units + col] : 0n;
        word = (word << BigInt(bits)) + v + (1n << BigInt(bits - 1));
      }
      words.push(ethers.toBeHex(word, 32));
    }
  }
  return ethers.concat(words);
}

/** Plain tensor bytes: big-endian offset binary, padded to whole words. */
function plainTensor(q, bits) {
  const hex = q.map((v) => ethers.toBeHex(v + (1n << BigInt(bits - 1)), bits / 8).slice(2)).join("");
  return "0x" + hex.padEnd(Math.max(64, Math.ceil(hex.length / 64) * 64), "0");
}

/** The stream cut into 24,575-byte pages. */
function splitPages(stream) {
  const data = ethers.getBytes(stream);
  const pages = [];
  for (let i = 0; i < data.length; i += 24575) pages.push(ethers.hexlify(data.slice(i, i + 24575)));
  return pages;
}

/** docs/FORMAT.md rescale: shift left, or round half up (flooring shift). */
function rescale(v, from, to) {
  if (to >= from) return v << BigInt(to - from);
  const d = BigInt(from - to);
  return (v + (1n << (d - 1n))) >> d;
}

/** Deterministic pseudo-random BigInts in [-2^(bits-1), 2^(bits-1)) (xorshift32). */
function randomInts(count, bits, seed) {
  let state = seed >>> 0 || 1;
  const out = [];
  for (let i = 0; i < count; i++) {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    const r = BigInt(state) * 0x100000000n + BigInt((state * 2654435761) >>> 0);
    out.push((r % (1n << BigInt(bits))) - (1n << BigInt(bits - 1)));
  }
  return out;
}

const magnitude = (v) => (v < 0n ? -v : v);

/** sum |x| of BigInts. */
function sumMagnitudes(x) {
  return x.reduce((a, v) => a + magnitude(v), 0n);
}

// The kernel mode DenseLayer._plan picks for one position's inputs `x` at `bits`-wide weights:
// int8 masked kernels when sum|x| < 2^31; else 64-bit slots under the one-run limit (int8 2^47,
// int16/int32 2^(63-L)); else 64-bit slots run by run when greedy runs (sum|x| < limit each,
// as DenseLayer._runs) average at least 8 rows; else 128-bit slots.
function denseMode(x, bits) {
  const absSum = sumMagnitudes(x);
  if (bits === 8 && absSum < 1n << 31n) return { mode: "int8 masked", runs: 1 };
  const limit = 1n << BigInt(bits === 8 ? 47 : 63 - bits);
  if (absSum < limit) return { mode: "64-bit", runs: 1 };
  if (x.every((v) => magnitude(v) < limit)) {
    let run = 0n;
    let runs = 1;
    for (const v of x) {
      run += magnitude(v);
      if (run >= limit) [runs, run] = [runs + 1, magnitude(v)];
    }
    if (runs * 8 <= x.length) return { mode: `64-bit, ${runs} runs`, runs };
  }
  return { mode: "128-bit", runs: 1 };
}

module.exports = {
  readFixture, fixturesUsing, deployLayerKit, instantiate, runSample, bigs,
  blockedKernel, plainTensor, splitPages, rescale, randomInts, sumMagnitudes, denseMode,
};
