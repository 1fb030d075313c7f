"""Generates the multiply-accumulate kernels of ``contracts/layers/Dense.sol``.

The SWAR loops are unrolled with literal shifts per (weight width L, slot width S), which
the legacy code generator turns into far fewer stack moves than a generic loop. Run
``python3 scripts/gen_dense_kernels.py`` and it rewrites the block between the
``// BEGIN GENERATED KERNELS`` and ``// END GENERATED KERNELS`` markers in Dense.sol.

For group g of a word, ``a_g += x * ((w >> shift_g) & mask)`` where ``mask`` holds
``2^L - 1`` at the bottom of every S-bit slot; slot s of group g is lane
``E - 1 - (s * S/L + g)`` of the word (lane 0 = the most significant).
"""

from __future__ import annotations

from pathlib import Path

import os
DENSE = Path(os.environ.get("DENSE_SOL") or Path(__file__).resolve().parent.parent / "contracts" / "layers" / "Dense.sol")
BEGIN, END = "// BEGIN GENERATED KERNELS", "// END GENERATED KERNELS"
INDENT = " " * 12
# Rows summed before each accumulator update (fewer SWAP/POP pairs; 4 overflows the stack).
ROWS_PER_UPDATE = int(os.environ.get("ROWS_PER_UPDATE", "2"))
# Rows per loop round of the int32 pair kernel (two rows per accumulator update).
PAIR_ROUND = int(os.environ.get("PAIR_ROUND", "32"))
# Rows per loop round (the loop test and pointer bumps are paid once per round).
ROUND = int(os.environ.get("ROUND", "32"))


def tree(terms: list[str]) -> str:
    """A balanced sum of terms."""
    while len(terms) > 1:
        terms = [f"add({terms[i]}, {terms[i + 1]})" if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
    return terms[0]


def masked(word: str, shift: int) -> str:
    shifted = word if shift == 0 else "shr(%d, %s)" % (shift, word)
    return f"and({shifted}, mask)"


def at(base: str, offset: int) -> str:
    return base if offset == 0 else f"add({base}, 0x{offset:x})"


def kernel(name: str, shifts: list[int], rows_per_update: int) -> str:
    """One block, ``len(shifts)`` accumulators; ROUND rows per loop round, accumulators updated every
    ``rows_per_update`` rows (fewer stack moves)."""
    accumulators = [f"a{g}" for g in range(len(shifts))]

    def body(rows: int, base: int) -> list[str]:
        lines = ["{"]
        for i in range(rows):
            lines.append(f"    let x{i} := calldataload({at('q', base + 32 * i)})")
            lines.append(f"    let w{i} := mload({at('p', base + 32 * i)})")
        for g, shift in enumerate(shifts):
            products = ["mul(x%d, %s)" % (i, masked("w%d" % i, shift)) for i in range(rows)]
            lines.append(f"    a{g} := add({tree(products)}, a{g})")
        lines.append("}")
        return lines

    span = ROUND // rows_per_update * rows_per_update  # rows per round
    round_lines = [line for r in range(span // rows_per_update) for line in body(rows_per_update, 32 * rows_per_update * r)]
    stores = len(shifts) > 4  # too many to return on the stack: they go to memory at `s`
    header = (f"function {name}(p, q, end, mask, s) {{\n    let {', '.join(accumulators)}" if stores
              else f"function {name}(p, q, end, mask) -> {', '.join(accumulators)} {{")
    out = [header,
           f"    for {{}} lt(add(p, 0x{32 * span - 32:x}), end) {{ p := add(p, 0x{32 * span:x}) q := add(q, 0x{32 * span:x}) }} {{"]
    out += ["        " + line for line in round_lines]
    out += ["    }", "    for {} lt(p, end) { p := add(p, 0x20) q := add(q, 0x20) } {"]
    out += ["        " + line for line in body(1, 0)]
    out += ["    }"]
    if stores:
        out += [f"    mstore({at('s', 32 * g)}, a{g})" for g in range(len(shifts))]
    out += ["}"]
    return "\n".join(out)


def pair_kernel() -> str:
    """int32 in 64-bit slots, two blocks at once (the second at `p2`, walked alongside `p`): each
    input load feeds 16 MACs; two rows per accumulator update."""
    def rows(offset: int) -> list[str]:
        return ["{",
                f"    let x0 := calldataload({at('q', offset)})",
                f"    let x1 := calldataload({at('q', offset + 32)})",
                f"    let w0 := mload({at('p', offset)})",
                f"    let w1 := mload({at('p', offset + 32)})",
                "    a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)",
                "    a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)",
                f"    w0 := mload({at('p2', offset)})",
                f"    w1 := mload({at('p2', offset + 32)})",
                "    a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)",
                "    a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)",
                "}"]

    def row(offset: int) -> list[str]:
        return ["{", f"    let x := calldataload({at('q', offset)})", f"    let w := mload({at('p', offset)})",
                "    a0 := add(mul(x, and(w, mask)), a0)", "    a1 := add(mul(x, and(shr(32, w), mask)), a1)",
                f"    w := mload({at('p2', offset)})",
                "    a2 := add(mul(x, and(w, mask)), a2)", "    a3 := add(mul(x, and(shr(32, w), mask)), a3)", "}"]

    body = [line for offset in range(0, 32 * PAIR_ROUND, 64) for line in rows(offset)]
    out = ["function mac32pair(p, q, end, mask, p2) -> a0, a1, a2, a3 {",
           f"    for {{}} lt(add(p, 0x{32 * PAIR_ROUND - 32:x}), end) {{ p := add(p, 0x{32 * PAIR_ROUND:x}) p2 := add(p2, 0x{32 * PAIR_ROUND:x}) q := add(q, 0x{32 * PAIR_ROUND:x}) }} {{"]
    out += ["        " + line for line in body]
    # Row runs (long inputs) end anywhere: the leftover rows go by four, by two, then one.
    for step in (4, 2):
        out += ["    }", f"    for {{}} lt(add(p, 0x{32 * step - 32:x}), end) {{ p := add(p, 0x{32 * step:x}) p2 := add(p2, 0x{32 * step:x}) q := add(q, 0x{32 * step:x}) }} {{"]
        out += ["        " + line for offset in range(0, 32 * step, 64) for line in rows(offset)]
    out += ["    }", "    for {} lt(p, end) { p := add(p, 0x20) p2 := add(p2, 0x20) q := add(q, 0x20) } {"]
    out += ["        " + line for line in row(0)]
    out += ["    }", "}"]
    return "\n".join(out)


# (L, S) -> passes of up to 4 groups, each a kernel name and its literal shifts.
PLANS = {
    (32, 64): [("mac32x64", [0, 32])],
    (32, 128): [("mac32x128", [0, 32, 64, 96])],
    (16, 64): [("mac16x64", [0, 16, 32, 48])],
    (16, 128): [("mac16x128a", [0, 16, 32, 48]), ("mac16x128b", [64, 80, 96, 112])],
    # One 8-accumulator pass (kernel stores to memory) measured no better than two passes.
    (8, 64): [("mac8x64a", [0, 8, 16, 24]), ("mac8x64b", [32, 40, 48, 56])],
    (8, 128): [(f"mac8x128{c}", [s + 8 * i for i in range(4)]) for c, s in zip("abcd", (0, 32, 64, 96))],
}


def dispatch() -> str:
    """``sweep(p, q, end, mask, key, out, last)``: every pass of one block (``key`` = more << 16 |
    L << 8 | S; ``more`` = 1 adds to ``out`` instead of storing), spilled into ``out`` from lane
    ``last`` down."""
    lines = ["function sweep(p, q, end, mask, key, out, last) {",
             "    switch and(key, 0xffff) // L << 8 | S"]
    for (bits, slot), passes in PLANS.items():
        lines.append(f"    case 0x{(bits << 8) | slot:x} {{")
        for pass_index, (name, shifts) in enumerate(passes):
            names = [f"a{g}" for g in range(len(shifts))]
            lines.append("        {")
            if len(shifts) > 4:
                lines.append("            let s := add(mload(0x40), 0x200) // scratch past the job record")
                lines.append(f"            {name}(p, q, end, mask, s)")
            else:
                lines.append(f"            let {', '.join(names)} := {name}(p, q, end, mask)")
            for g in range(len(shifts)):
                group = pass_index * len(passes[0][1]) + g
                value = f"mload({at('s', 32 * g)})" if len(shifts) > 4 else f"a{g}"
                lines.append(f"            spill({value}, sub(last, {group}), key, out)")
            lines.append("        }")
        lines.append("    }")
    lines.append("}")
    return "\n".join(lines)


def generate() -> str:
    parts = []
    seen = set()
    for passes in PLANS.values():
        for name, shifts in passes:
            if name not in seen:
                seen.add(name)
                parts.append(kernel(name, shifts, ROWS_PER_UPDATE if len(shifts) <= 4 else 1))
    parts.append(pair_kernel())
    parts.append(dispatch())
    text = "\n".join(parts)
    return "\n".join(INDENT + line if line else line for line in text.splitlines())


def main() -> None:
    source = DENSE.read_text()
    start = source.index(BEGIN)
    start = source.index("\n", start) + 1
    end = source.index(END)
    end = source.rindex("\n", 0, end) + 1
    DENSE.write_text(source[:start] + generate() + "\n" + source[end:])
    print(f"rewrote the kernels in {DENSE}")


if __name__ == "__main__":
    main()
