// Shared by the profiling benches: solc source maps, to charge a traced opcode to the source it
// came from.

/** Program counter -> instruction index (PUSH1..PUSH32 carry 1..32 bytes of data). */
function instructionIndex(code) {
  const index = new Map();
  for (let pc = 0, i = 0; pc < code.length; i++) {
    index.set(pc, i);
    const op = code[pc];
    pc += op >= 0x60 && op <= 0x7f ? op - 0x5e : 1;
  }
  return index;
}

/** The compressed solc source map as [start, length, file] per instruction. */
function sourceMap(text) {
  const entries = [];
  let last = [0, 0, -1];
  for (const item of text.split(";")) {
    const fields = item.split(":");
    const entry = last.slice();
    for (let k = 0; k < 3; k++) if (fields[k] !== undefined && fields[k] !== "") entry[k] = Number(fields[k]);
    entries.push(entry);
    last = entry;
  }
  return entries;
}

/**
 * Sends `harness.measure(layer, inputs, pages)` as a transaction and traces it: the gas of every
 * opcode the layer's implementation ran (the deepest frames: the clone DELEGATECALLs it), charged
 * through the compiler's source map to `label(path, line, build)` (the source's path and 1-based
 * line; path null: code the compiler generated). Returns the gas by label and its total.
 * @param contract "path:Name" of the implementation's artifact.
 */
async function gasBySourceLine({ harness, layer, inputs, pages, contract, label }) {
  const { ethers, network, artifacts } = require("hardhat");
  const [signer] = await ethers.getSigners();
  const tx = await signer.sendTransaction({
    to: await harness.getAddress(), data: harness.interface.encodeFunctionData("measure", [layer, inputs, pages]), gasLimit: 15_000_000,
  });
  const trace = await network.provider.send("debug_traceTransaction", [tx.hash, { disableStorage: true, disableMemory: true, disableStack: true }]);
  const [path, name] = contract.split(":");
  const build = await artifacts.getBuildInfo(contract);
  const compiled = build.output.contracts[path][name].evm.deployedBytecode;
  const index = instructionIndex(Buffer.from(compiled.object, "hex"));
  const map = sourceMap(compiled.sourceMap);
  const files = {};
  for (const [file, source] of Object.entries(build.output.sources)) files[source.id] = file;
  const where = (entry) => {
    const file = entry && files[entry[2]];
    if (!file) return label(null, 0, build);
    return label(file, build.input.sources[file].content.slice(0, entry[0]).split("\n").length, build);
  };
  let depth = 0;
  for (const step of trace.structLogs) depth = Math.max(depth, step.depth);
  const byLine = new Map();
  let total = 0;
  for (const step of trace.structLogs) {
    if (step.depth !== depth) continue;
    const key = where(map[index.get(step.pc)]);
    byLine.set(key, (byLine.get(key) || 0) + step.gasCost);
    total += step.gasCost;
  }
  return { byLine, total };
}

module.exports = { instructionIndex, sourceMap, gasBySourceLine };
