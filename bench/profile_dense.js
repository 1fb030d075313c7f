// Where DenseLayer.forward spends its gas, by source line: one forward call sent as a
// transaction, traced (debug_traceTransaction), each opcode's gas charged through the compiler's
// source map to a file:line of the layer implementation (the clone's DELEGATECALL target). Lines
// of the unrolled kernels (contracts/layers/generated/DenseKernels.sol) are summed into one row. Run:
//   BITS=8 AMP=1 node_modules/.bin/hardhat run bench/profile_dense.js
// Env: BITS (8/16/32), AMP (input amplitude), ROWS, UNITS, TOP (rows printed).
const { ethers, network, artifacts } = require("hardhat");
const { deployLayerKit } = require("../test/helpers/layerHarness");
const { deployDense, denseInputs, denseMode } = require("./dense");
const { instructionIndex, sourceMap } = require("./sourcemap");

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
  const [signer] = await ethers.getSigners();
  const tx = await signer.sendTransaction({
    to: await harness.getAddress(), data: harness.interface.encodeFunctionData("measure", [layer, [x], pages]), gasLimit: 15_000_000,
  });
  const trace = await network.provider.send("debug_traceTransaction", [tx.hash, { disableStorage: true, disableMemory: true, disableStack: true }]);

  const build = await artifacts.getBuildInfo("contracts/layers/DenseLayer.sol:DenseLayer");
  const compiled = build.output.contracts["contracts/layers/DenseLayer.sol"].DenseLayer.evm.deployedBytecode;
  const index = instructionIndex(Buffer.from(compiled.object, "hex"));
  const map = sourceMap(compiled.sourceMap);
  const files = {};
  for (const [name, source] of Object.entries(build.output.sources)) files[source.id] = name;
  // The unrolled kernels sit between two marker comments of the generated file (scripts/gen_dense_kernels.py).
  const kernels = build.input.sources[KERNELS].content.split("\n");
  const [begin, end] = ["The unrolled kernels and their dispatch", "Spilling and the row runs"].map((m) => kernels.findIndex((l) => l.includes(m)) + 1);
  const where = (file, offset) => {
    const name = files[file];
    if (!name) return "(no source: compiler-generated)";
    const line = build.input.sources[name].content.slice(0, offset).split("\n").length;
    if (name === KERNELS && line > begin && line < end) return "DenseKernels.sol: unrolled kernels";
    return `${name.split("/").pop()}:${line}`;
  };

  // The layer's code runs one level below the harness (the clone DELEGATECALLs it): the deepest frames.
  let depth = 0;
  for (const step of trace.structLogs) depth = Math.max(depth, step.depth);
  const byLine = new Map();
  let inLayer = 0;
  for (const step of trace.structLogs) {
    if (step.depth !== depth) continue;
    const entry = map[index.get(step.pc)];
    const key = entry ? where(entry[2], entry[0]) : "(unknown pc)";
    byLine.set(key, (byLine.get(key) || 0) + step.gasCost);
    inLayer += step.gasCost;
  }
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
