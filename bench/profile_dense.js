// Where DenseLayer.forward spends its gas, by source line: one forward call sent as a
// transaction, traced (debug_traceTransaction), each opcode's gas charged through the compiler's
// source map to a file:line of the layer implementation (the clone's DELEGATECALL target). Lines
// of the unrolled kernels (contracts/layers/generated/DenseKernels.sol) are summed into one row. Run:
//   BITS=8 AMP=1 node_modules/.bin/hardhat run bench/profile_dense.js
// Env: BITS (8/16/32), AMP (input amplitude), ROWS, UNITS, TOP (rows printed).
const { deployLayerKit } = require("../test/helpers/layerHarness");
const { deployDense, denseInputs, denseMode } = require("./dense");
const { gasBySourceLine } = require("./sourcemap");

const ROWS = Number(process.env.ROWS || 256);
const UNITS = Number(process.env.UNITS || 256);
const BITS = Number(process.env.BITS || 8);
const AMP = Number(process.env.AMP || 1);
const TOP = Number(process.env.TOP || 25);
const KERNELS = "contracts/layers/generated/DenseKernels.sol";

async function main() {
  const kit = await deployLayerKit(["DenseLayer"]);
  const { harness } = kit;
  const { layer, pages } = await deployDense(kit, BITS, ROWS, UNITS);
  const x = denseInputs(ROWS, AMP);
  const [, gas] = await harness.measure(layer, [x], pages);
  // The unrolled kernels sit between two marker comments of the generated file (scripts/gen_dense_kernels.py).
  const label = (path, line, build) => {
    if (!path) return "(no source: compiler-generated)";
    if (path === KERNELS) {
      const kernels = build.input.sources[KERNELS].content.split("\n");
      const [begin, end] = ["The unrolled kernels and their dispatch", "Spilling and the row runs"].map((m) => kernels.findIndex((l) => l.includes(m)) + 1);
      if (line > begin && line < end) return "DenseKernels.sol: unrolled kernels";
    }
    return `${path.split("/").pop()}:${line}`;
  };
  const { byLine, total: inLayer } = await gasBySourceLine({
    harness, layer, inputs: [x], pages, contract: "contracts/layers/DenseLayer.sol:DenseLayer", label,
  });
  const macs = ROWS * UNITS;
  console.log(`DenseLayer ${ROWS}x${UNITS} int${BITS}, inputs in [-${AMP}, ${AMP}] (${denseMode(x, BITS).mode}): ` +
    `forward ${gas} gas (${(Number(gas) / macs).toFixed(2)} per MAC), ${inLayer} inside the implementation`);
  const rows = [...byLine.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  console.table(rows.map(([line, used]) => ({ line, gas: used, "per MAC": +(used / macs).toFixed(3) })));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
