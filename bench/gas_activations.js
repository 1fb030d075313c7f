// Gas and error of the transcendental activations (Keras `Activation` layer; F = 24, int32):
// sigmoid, tanh and softmax (over runs of 10) on 2,040 values uniform in [-8, 8]. Gas per value is
// the slope between 2,040 and 20 values of the layer's forward measured inside its call
// (LayerHarness.measureCall: what `predict --profile` reports), so the layer's fixed cost drops
// out; "max error" is the largest |output - f(x)| against float64 Math, in units of 2^-24.
// Run: node_modules/.bin/hardhat run bench/gas_activations.js
const { ethers } = require("hardhat");
const { LibZip } = require("solady/js/solady.js");
const { abi, deployLayerKit, cloneLayer, forwardGas } = require("../test/helpers/layerHarness");
const { randomIntsWithin } = require("../test/helpers/random");

const F = 24;
const SCALE = 2 ** F;
const U = "uint256";
const CODES = { sigmoid: 2, tanh: 3, softmax: 4 };
const RUN = 10; // softmax's axis
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
const REFERENCE = { sigmoid: (xs) => xs.map(sigmoid), tanh: (xs) => xs.map(Math.tanh), softmax };

async function main() {
  const kit = await deployLayerKit(["ActivationLayer"]);
  const rows = [];
  for (const [name, code] of Object.entries(CODES)) {
    const config = LibZip.cdCompress(abi.encode([U, U, U, U], [F, 32, code, RUN]));
    const layer = (await cloneLayer(kit, "ActivationLayer", config)).target;
    const gas = [];
    let worst = 0;
    for (const n of SIZES) {
      const x = randomIntsWithin(n, 8 * SCALE, 7);
      const { output, gas: used } = await forwardGas(kit, layer, [x], []);
      gas.push(used);
      const expected = REFERENCE[name](x.map((v) => Number(v) / SCALE));
      output.forEach((v, i) => { worst = Math.max(worst, Math.abs(Number(v) / SCALE - expected[i]) * SCALE); });
    }
    rows.push({ activation: name, "gas/value": Math.round((gas[1] - gas[0]) / (SIZES[1] - SIZES[0])),
      [`gas (${SIZES[1]})`]: gas[1], "max error (units of 2^-24)": worst.toFixed(3) });
  }
  console.table(rows);
}

main().catch((error) => { console.error(error); process.exitCode = 1; });
