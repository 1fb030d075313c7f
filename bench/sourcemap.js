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

module.exports = { instructionIndex, sourceMap };
