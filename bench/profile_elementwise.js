// Where an elementwise, merge or pooling layer's forward spends its gas (cases of
// bench/elementwise.js): one forward call through LayerHarness.measureCall sent as a transaction,
// traced (debug_traceTransaction with the stack), split into the clone's proxy frame (EIP-1167:
// it copies the calldata into its memory and the answer back) and the implementation's frame,
// whose opcodes are charged through the compiler's source map to the source they came from
// (file:line and the expression). Memory expansion is charged on its own rows ("memory: ..."),
// computed from each memory opcode's operands (3 gas a word + words^2 / 512 for the whole frame):
// it is quadratic, so its share per value grows with the size, while the rest is per value. Run:
//   LAYER=BatchNormalization SHAPE=4x4x16 node_modules/.bin/hardhat run bench/profile_elementwise.js
// Env: LAYER (a case name), SHAPE (HxWxC), SLICE (start:end, to trace forwardSlice), TOP (rows).
const { ethers, network, artifacts } = require("hardhat");
const { deployLayerKit, LAYER_CALLS } = require("../test/helpers/layerHarness");
const { CONTRACTS, deployCase } = require("./elementwise");
const { instructionIndex, sourceMap } = require("./sourcemap");

const LAYER = process.env.LAYER || "BatchNormalization";
const SHAPE = (process.env.SHAPE || "4x4x16").split("x").map(Number);
const SLICE = process.env.SLICE ? process.env.SLICE.split(":").map(Number) : null;
const TOP = Number(process.env.TOP || 30);

/** Gas of `words` words of memory. */
const memoryCost = (words) => 3 * words + Math.floor((words * words) / 512);

/** The memory end (bytes) a step needs, from its operands (stack top last), or 0. */
function memoryEnd(op, stack) {
  const arg = (k) => BigInt("0x" + stack[stack.length - 1 - k]);
  const span = (offset, size) => (size === 0n ? 0n : offset + size);
  switch (op) {
    case "MLOAD": case "MSTORE": return arg(0) + 32n;
    case "MSTORE8": return arg(0) + 1n;
    case "CALLDATACOPY": case "CODECOPY": case "RETURNDATACOPY": return span(arg(0), arg(2));
    case "EXTCODECOPY": return span(arg(1), arg(3));
    case "MCOPY": return span(arg(0) > arg(1) ? arg(0) : arg(1), arg(2));
    case "RETURN": case "REVERT": case "KECCAK256": return span(arg(0), arg(1));
    case "STATICCALL": case "DELEGATECALL": {
      const a = span(arg(2), arg(3)), r = span(arg(4), arg(5));
      return a > r ? a : r;
    }
    default: return 0n;
  }
}

async function main() {
  const kit = await deployLayerKit(CONTRACTS);
  const { spec, layer, pages, x } = await deployCase(kit, LAYER, SHAPE);
  const call = SLICE ? LAYER_CALLS.encodeFunctionData("forwardSlice", [x, pages, ...SLICE])
    : LAYER_CALLS.encodeFunctionData("forward", [x, pages]);
  const [signer] = await ethers.getSigners();
  const tx = await signer.sendTransaction({
    to: await kit.harness.getAddress(), data: kit.harness.interface.encodeFunctionData("measureCall", [layer, call]), gasLimit: 16_000_000,
  });
  const trace = await network.provider.send("debug_traceTransaction", [tx.hash, { disableStorage: true, disableMemory: true }]);

  const name = `contracts/layers/${spec.contract}.sol:${spec.contract}`;
  const build = await artifacts.getBuildInfo(name);
  const [file, contractName] = name.split(":");
  const compiled = build.output.contracts[file][contractName].evm.deployedBytecode;
  const index = instructionIndex(Buffer.from(compiled.object, "hex"));
  const map = sourceMap(compiled.sourceMap);
  const files = {};
  for (const [source, info] of Object.entries(build.output.sources)) files[info.id] = source;
  // The compiler's Yul helpers (checked arithmetic, ABI coding): charged to the helper's name.
  const generated = {};
  for (const unit of compiled.generatedSources || []) generated[unit.id] = unit.contents;
  const where = ([start, length, id]) => {
    const source = files[id];
    if (generated[id] !== undefined) {
      const head = generated[id].lastIndexOf("function ", start);
      return `(compiler) ${head < 0 ? "?" : generated[id].slice(head + 9).split("(")[0]}`;
    }
    if (!source) return "(compiler: dispatch, no source)";
    const text = build.input.sources[source].content;
    const line = text.slice(0, start).split("\n").length;
    const snippet = text.slice(start, start + length).replace(/\s+/g, " ");
    return `${source.split("/").pop()}:${line} ${snippet.length > 70 ? snippet.slice(0, 67) + "..." : snippet}`;
  };

  // Frames: 1 the harness, 2 the clone (proxy), 3 the implementation (DELEGATECALL).
  const frames = { 2: { gas: 0, memory: 0 }, 3: { gas: 0, memory: 0 } };
  const words = {};
  const rows = new Map();
  const charge = (key, gas) => rows.set(key, (rows.get(key) || 0) + gas);
  let depth = 0;
  for (const step of trace.structLogs) {
    if (step.depth > depth) words[step.depth] = 0;
    depth = step.depth;
    if (depth < 2) continue;
    const end = memoryEnd(step.op, step.stack);
    let expansion = 0;
    if (end > 0n) {
      const need = Number((end + 31n) / 32n);
      if (need > words[depth]) {
        expansion = memoryCost(need) - memoryCost(words[depth]);
        words[depth] = need;
      }
    }
    // A call's gasCost holds the gas it forwards; the callee's steps are counted on their own.
    const own = ["DELEGATECALL", "STATICCALL"].includes(step.op) ? 100 + expansion : step.gasCost;
    frames[Math.min(depth, 3)].gas += own;
    frames[Math.min(depth, 3)].memory += expansion;
    if (depth < 3) continue;
    const source = where(map[index.get(step.pc)] || [0, 0, -1]);
    if (expansion) charge(`memory: ${source}`, expansion);
    charge(source, own - expansion);
  }
  const values = SLICE ? SLICE[1] - SLICE[0] : spec.out;
  console.log(`${LAYER} ${SHAPE.join("x")}${SLICE ? ` slice [${SLICE}]` : ""}: ${values} output values; ` +
    `clone proxy ${frames[2].gas} gas (memory ${frames[2].memory}), implementation ${frames[3].gas} gas (memory ${frames[3].memory})`);
  const top = [...rows.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  console.table(top.map(([source, gas]) => ({ source, gas, "per value": +(gas / values).toFixed(2) })));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
