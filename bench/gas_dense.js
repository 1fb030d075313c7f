// Gas per multiply-accumulate of DenseLayer.forward for a 256x256 Dense (linear, with bias),
// at int32/int16/int8 weights. "forward gas" is what the caller pays for the call (measured
// by LayerHarness.measure around `forward`, so it includes passing 256 inputs in and 256
// outputs back, as EternalModel.predict does). Run:
//   node_modules/.bin/hardhat run bench/gas_dense.js
//
// Inputs are F = 24 fixed point, uniform in [-a, a]; the kernel mode follows sum|x| as
// DenseLayer._plan decides it: int8 takes its masked kernels below 2^31 (a = 1 gives sum|x| just
// under 2^31), else 64-bit slots below the one-run limit (int8 2^47, int16/int32 2^(63-L)), past
// it 64-bit slots run by run (runs of at least 8 rows on average), else 128-bit slots: with
// a = 4, int8 and int16 take 64-bit slots, int32 64-bit slots in runs.
const { deployLayerKit } = require("../test/helpers/layerHarness");
const { deployDense, denseInputs, denseMode, F } = require("./dense");

const ROWS = Number(process.env.ROWS || 256);
const UNITS = Number(process.env.UNITS || 256);

async function main() {
  const kit = await deployLayerKit(["DenseLayer"]);
  const { harness } = kit;
  const rows = [];
  for (const bits of [32, 16, 8]) {
    const { layer, pages } = await deployDense(kit, bits, ROWS, UNITS);
    for (const amplitude of [1, 4]) {
      const x = denseInputs(ROWS, amplitude);
      const { mode } = denseMode(x, bits);
      const [, gas] = await harness.measure(layer, [x], pages);
      rows.push({
        weights: `int${bits}`,
        inputs: `[-${amplitude}, ${amplitude}]`,
        kernel: mode,
        pages: pages.length,
        "forward gas": Number(gas),
        "gas / MAC": +(Number(gas) / (ROWS * UNITS)).toFixed(2),
      });
    }
  }
  console.log(`DenseLayer.forward, ${ROWS}x${UNITS} (${ROWS * UNITS} MACs), linear, with bias, F = ${F}`);
  console.table(rows);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
