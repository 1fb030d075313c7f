// Gas and error of the activations (Keras `Activation` layer; F = 24, int32): sigmoid, tanh,
// softmax and log_softmax (over runs of 10) and the extended ones (codes 6 and up, ExtendedActivations) on 2,040
// values uniform in [-8, 8]. Gas per value is
// the slope between 2,040 and 20 values of the layer's forward measured inside its call
// (LayerHarness.measureCall: what `predict --profile` reports), so the layer's fixed cost drops
// out; "max error" is the largest |output - f(x)| against float64 Math, in units of 2^-24
// (exponential's grows with e^x: its relative error is the column after).
// A second table: the same through `Activations.activate` as Dense and Conv2D apply them.
// Run: node_modules/.bin/hardhat run bench/gas_activations.js
const { ethers } = require("hardhat");
const { LibZip } = require("solady/js/solady.js");
const { abi, deployLayerKit, cloneLayer, forwardGas } = require("../test/helpers/layerHarness");
const { randomIntsWithin } = require("../test/helpers/random");

const F = 24;
const SCALE = 2 ** F;
const U = "uint256";
const CODES = {
  linear: 0, relu: 1, sigmoid: 2, tanh: 3, softmax: 4, relu6: 6, hard_sigmoid: 7, hard_sigmoid_tf: 8, hard_silu: 9, silu: 10,
  elu: 11, selu: 12, exponential: 13, softsign: 14, mish: 15, gelu: 16, softplus: 20, log_softmax: 21,
};
const RUN = 10; // softmax's and log_softmax's axis
const SIZES = [20, 2040];

const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const softmax = (xs) => {
  const out = [];
  for (let i = 0; i < xs.length; i += RUN) {
    const run = xs.slice(i, i + RUN);
    const peak = Math.max(...run);
    const e = run.map((v) => Math.exp(v - peak));
    const total = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / total));
  }
  return out;
};
const logSoftmax = (xs) => softmax(xs).map(Math.log);
const clip = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
// erf to ~1e-16 (Maclaurin series below 3, else 1 - erfc's continued fraction; float64 reference).
const erf = (x) => {
  const a = Math.abs(x);
  let r;
  if (a < 3) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 100; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = 0;
    for (let n = 60; n >= 1; n--) f = (n / 2) / (a + f);
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
  }
  return x < 0 ? -r : r;
};
const [SELU_ALPHA, SELU_SCALE] = [1.6732632423543772, 1.0507009873554805];
const each = (f) => (xs) => xs.map(f);
const REFERENCE = {
  linear: each((x) => x), relu: each((x) => Math.max(x, 0)), sigmoid: each(sigmoid), tanh: each(Math.tanh), softmax,
  relu6: each((x) => clip(x, 0, 6)),
  hard_sigmoid: each((x) => clip(x / 6 + 0.5, 0, 1)),
  hard_sigmoid_tf: each((x) => clip(0.2 * x + 0.5, 0, 1)),
  hard_silu: each((x) => (x * clip(x + 3, 0, 6)) / 6),
  silu: each((x) => x * sigmoid(x)),
  elu: each((x) => (x > 0 ? x : Math.expm1(x))),
  selu: each((x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x))),
  exponential: each(Math.exp),
  softsign: each((x) => x / (1 + Math.abs(x))),
  mish: each((x) => x * Math.tanh(Math.log1p(Math.exp(x)))),
  gelu: each((x) => 0.5 * x * (1 + erf(x / Math.SQRT2))),
  softplus: each((x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))),
  log_softmax: logSoftmax,
};

async function main() {
  const kit = await deployLayerKit(["ActivationLayer"]);
  const rows = [];
  for (const [name, code] of Object.entries(CODES)) {
    const config = LibZip.cdCompress(abi.encode([U, U, U, U], [F, 32, code, RUN]));
    const layer = (await cloneLayer(kit, "ActivationLayer", config)).target;
    const gas = [];
    let worst = 0;
    let worstRelative = 0;
    for (const n of SIZES) {
      const x = randomIntsWithin(n, 8 * SCALE, 7);
      const { output, gas: used } = await forwardGas(kit, layer, [x], []);
      gas.push(used);
      const expected = REFERENCE[name](x.map((v) => Number(v) / SCALE));
      output.forEach((v, i) => {
        const error = Math.abs(Number(v) / SCALE - expected[i]);
        worst = Math.max(worst, error * SCALE);
        if (Math.abs(expected[i]) >= 1) worstRelative = Math.max(worstRelative, error / Math.abs(expected[i]));
      });
    }
    rows.push({ activation: name, "gas/value": Math.round((gas[1] - gas[0]) / (SIZES[1] - SIZES[0])),
      [`gas (${SIZES[1]})`]: gas[1], "max error (units of 2^-24)": worst.toFixed(3),
      "max relative error where |f| >= 1 (log2)": worstRelative > 0 ? Math.log2(worstRelative).toFixed(1) : "-" });
  }
  console.table(rows);

  // The same functions applied by a layer that inlines `Activations` (Dense, Conv2D, pooling):
  // codes 6 and up are one static call to the implementation's ActivationKernels. Gas of the
  // `activate` call alone (FixedHarness.activateGas): per value (slope) and per call (intercept).
  const harness = await ethers.deployContract("FixedHarness");
  const inlined = [];
  for (const [name, code] of Object.entries(CODES)) {
    const gas = [];
    for (const n of SIZES) gas.push(Number(await harness.activateGas(randomIntsWithin(n, 8 * SCALE, 7), code, F, RUN)));
    const slope = (gas[1] - gas[0]) / (SIZES[1] - SIZES[0]);
    inlined.push({ activation: name, "gas/value": Math.round(slope), "gas per call": Math.round(gas[0] - slope * SIZES[0]) });
  }
  console.table(inlined);
}

main().catch((error) => { console.error(error); process.exitCode = 1; });
