"""Generates ``contracts/layers/generated/DenseKernels.sol``, the multiply-accumulate kernels of
``DenseLayer``, as a whole file.

The SWAR loops are unrolled with literal shifts per (weight width L, slot width S), which
the legacy code generator turns into far fewer stack moves than a generic loop. Run
``python3 scripts/gen_dense_kernels.py`` and it rewrites DenseKernels.sol (``--check``: exit
non-zero if the file differs from what it would write, changing nothing). Everything in that
file comes from here: the unrolled kernels and their dispatch are generated, the rest (the
library around them, accumulator spilling and the walk over row runs) is the template below.

For group g of a word, ``a_g += x * ((w >> shift_g) & mask)`` where ``mask`` holds
``2^L - 1`` at the bottom of every S-bit slot; slot s of group g is lane
``E - 1 - (s * S/L + g)`` of the word (lane 0 = the most significant).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
KERNELS = Path(os.environ.get("DENSE_KERNELS_SOL") or ROOT / "contracts" / "layers" / "generated" / "DenseKernels.sol")
INDENT = " " * 12
# Rows summed before each accumulator update (fewer SWAP/POP pairs; 4 overflows the stack).
ROWS_PER_UPDATE = int(os.environ.get("ROWS_PER_UPDATE", "2"))
# Rows per loop round of the int32 pair kernel (two rows per accumulator update).
PAIR_ROUND = int(os.environ.get("PAIR_ROUND", "32"))
# Comments around the unrolled kernels (bench/profile_dense.js sums their lines into one row).
KERNELS_BEGIN = "// The unrolled kernels and their dispatch (`sweep`)."
KERNELS_END = "// Spilling and the row runs (template)."


def tree(terms: list[str]) -> str:
    """A balanced sum of terms."""
    while len(terms) > 1:
        terms = [f"add({terms[i]}, {terms[i + 1]})" if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
    return terms[0]


def masked(word: str, shift: int, mask: str = "mask") -> str:
    shifted = word if shift == 0 else "shr(%d, %s)" % (shift, word)
    return f"and({shifted}, {mask})"


def at(base: str, offset: int) -> str:
    return base if offset == 0 else f"add({base}, 0x{offset:x})"


def kernel(name: str, shifts: list[int], rows_per_update: int, round_rows: int, masks: list[str] | None = None,
           load_shift: int = 0, derive: int = 0) -> str:
    """One block, ``len(shifts)`` accumulators; ``round_rows`` rows per loop round, accumulators
    updated every ``rows_per_update`` rows (fewer stack moves). Accumulator g adds
    ``x * ((w >> shifts[g]) & masks[g])`` (``mask`` for all when ``masks`` is None); ``load_shift``
    shifts each weight word right once as it is loaded; with ``derive``, ``v = w >> derive`` is
    computed once per row and serves the accumulators shifted by ``derive``."""
    accumulators = [f"a{g}" for g in range(len(shifts))]
    mask_names = masks or ["mask"] * len(shifts)

    def load(i: int, offset: int) -> str:
        word = f"mload({at('p', offset)})"
        return word if load_shift == 0 else f"shr({load_shift}, {word})"

    def operand(i: int, shift: int, mask: str) -> str:
        return f"and(v{i}, {mask})" if derive and shift == derive else masked(f"w{i}", shift, mask)

    def body(rows: int, base: int) -> list[str]:
        lines = ["{"]
        for i in range(rows):
            lines.append(f"    let x{i} := calldataload({at('q', base + 32 * i)})")
            lines.append(f"    let w{i} := {load(i, base + 32 * i)}")
            if derive:
                lines.append(f"    let v{i} := shr({derive}, w{i})")
        for g, shift in enumerate(shifts):
            products = ["mul(x%d, %s)" % (i, operand(i, shift, mask_names[g])) for i in range(rows)]
            lines.append(f"    a{g} := add({tree(products)}, a{g})")
        lines.append("}")
        return lines

    span = round_rows // rows_per_update * rows_per_update  # rows per round
    round_lines = [line for r in range(span // rows_per_update) for line in body(rows_per_update, 32 * rows_per_update * r)]
    distinct = list(dict.fromkeys(mask_names))
    # With several masks on the stack, `end` waits in scratch memory (read once per round).
    end = "end" if len(distinct) == 1 else "mload(0)"
    params = ", ".join(["p", "q"] + (["end"] if end == "end" else []) + distinct)
    header = f"function {name}({params}) -> {', '.join(accumulators)} {{"
    out = [header,
           f"    for {{}} lt(add(p, 0x{32 * span - 32:x}), {end}) {{ p := add(p, 0x{32 * span:x}) q := add(q, 0x{32 * span:x}) }} {{"]
    out += ["        " + line for line in round_lines]
    # Row runs (long inputs) end anywhere: the leftover rows go by 8 and by 2 (as far as a round
    # is longer), then one by one.
    for step in (8, 2):
        if step < span and step % rows_per_update == 0:
            out += ["    }", f"    for {{}} lt(add(p, 0x{32 * step - 32:x}), {end}) {{ p := add(p, 0x{32 * step:x}) q := add(q, 0x{32 * step:x}) }} {{"]
            out += ["        " + line for r in range(step // rows_per_update) for line in body(rows_per_update, 32 * rows_per_update * r)]
    out += ["    }", f"    for {{}} lt(p, {end}) {{ p := add(p, 0x20) q := add(q, 0x20) }} {{"]
    out += ["        " + line for line in body(1, 0)]
    out += ["    }"]
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


class Pass(NamedTuple):
    """One kernel call of a sweep (at most 4 accumulators: they return on the stack): their
    shifts and masks (``mN``: the mask moved up N lanes, so that accumulator's sums sit N lanes
    up: ``pre`` in ``spill``), the right shift applied to each weight word as it is loaded, the
    first lane group it covers, its rows per round, and ``derive`` (see ``kernel``)."""

    name: str
    shifts: list[int]
    masks: list[str] | None
    load_shift: int
    group: int
    round_rows: int
    derive: int = 0


def plain(name: str, shifts: list[int], group: int, round_rows: int) -> Pass:
    return Pass(name, shifts, None, 0, group, round_rows)


# Mode key (masked << 17 | L << 8 | S) -> the passes of one block. Hot kernels (64-bit slots)
# unroll 16 or 32 rows per round, int32's 128-bit one 4 (the contract must stay under 24,576
# bytes). int8/int16 in 128-bit slots (sum|x| >= 2^47, no real model) take `mac128`, one group
# per call, not unrolled.
# Masked modes skip the per-group shift: accumulator g ANDs the word with the mask moved up by
# `pre` bits, so its slots sit `pre` bits up and the top slot keeps 64 - pre bits.
PLANS = {
    (0, 32, 64): [plain("mac32x64", [0, 32], 0, 16)],
    (0, 32, 128): [plain("mac32x128", [0, 32, 64, 96], 0, 4)],
    (0, 16, 64): [plain("mac16x64", [0, 16, 32, 48], 0, 16)],
    # int8 in 64-bit slots ANDs with the mask and the mask moved up one lane, of the word and of
    # the word shifted down two lanes (`derive`): its slots sit 0 or 8 bits up, the top one keeps
    # 56 bits. One 8-accumulator pass (kernel stores to memory) measured no better than two passes.
    (0, 8, 64): [Pass("mac8x64a", [0, 0, 16, 16], ["mask", "m1", "mask", "m1"], 0, 0, 32, 16),
                 Pass("mac8x64b", [0, 0, 16, 16], ["mask", "m1", "mask", "m1"], 32, 4, 32, 16)],
    (1, 8, 64): [Pass("mac8x64ma", [0, 0, 0, 0], ["mask", "m1", "m2", "m3"], 0, 0, 32),
                 Pass("mac8x64mb", [0, 0, 0, 0], ["mask", "m1", "m2", "m3"], 32, 4, 32)],
}


def dispatch() -> str:
    """``sweep(p, q, end, mask, key, out, last)``: every pass of one block (``key`` = pre << 24 |
    masked << 17 | more << 16 | L << 8 | S; ``more`` = 1 adds to ``out`` instead of storing),
    spilled into ``out`` from lane ``last`` down."""
    lines = ["function sweep(p, q, end, mask, key, out, last) {",
             "    switch and(key, 0x2ffff) // masked << 17 | L << 8 | S"]
    for (masked_mode, bits, slot), passes in PLANS.items():
        lines.append(f"    case 0x{(masked_mode << 17) | (bits << 8) | slot:x} {{")
        for p in passes:
            names = [f"a{g}" for g in range(len(p.shifts))]
            distinct = list(dict.fromkeys(p.masks or ["mask"]))
            # m1, m2, ...: the mask moved up by 1, 2, ... lanes (computed per call: the stack is full).
            moved = [m if m == "mask" else f"shl({int(m[1:]) * bits}, mask)" for m in distinct]
            args = ", ".join(["p", "q"] + (["end"] if len(distinct) == 1 else []) + moved)
            lines.append("        {")
            if len(distinct) > 1:
                lines.append("            mstore(0, end) // scratch: the kernel reads its end from memory")
            lines.append(f"            let {', '.join(names)} := {p.name}({args})")
            for g in range(len(p.shifts)):
                mask = p.masks[g] if p.masks else "mask"
                pre = 0 if mask == "mask" else int(mask[1:]) * bits
                key = "key" if pre == 0 else f"or(key, 0x{pre << 24:x})"
                lines.append(f"            spill(a{g}, sub(last, {p.group + g}), {key}, out)")
            lines.append("        }")
        lines.append("    }")
    lines += ["    default { // int8/int16 in 128-bit slots: G = 128 / L groups, one per call",
              "        let lane := and(shr(8, key), 0xff)",
              "        for { let g := 0 } lt(g, div(128, lane)) { g := add(g, 1) } {",
              "            spill(mac128(p, q, end, mask, mul(g, lane)), sub(last, g), key, out)",
              "        }",
              "    }",
              "}"]
    return "\n".join(lines)


def generic_kernel() -> str:
    """``mac128(p, q, end, mask, shift) -> a``: one group, ``a += x * ((w >> shift) & mask)``."""
    return "\n".join([
        "function mac128(p, q, end, mask, shift) -> a {",
        "    for {} lt(p, end) { p := add(p, 0x20) q := add(q, 0x20) } {",
        "        a := add(mul(calldataload(q), and(shr(shift, mload(p)), mask)), a)",
        "    }",
        "}"])


def generate() -> str:
    """The unrolled kernels, ``mac128`` and ``sweep``, indented for the assembly block."""
    parts = []
    seen = set()
    for passes in PLANS.values():
        for p in passes:
            if p.name not in seen:
                seen.add(p.name)
                parts.append(kernel(p.name, p.shifts, ROWS_PER_UPDATE, p.round_rows,
                                    p.masks, p.load_shift, p.derive))
    parts.append(pair_kernel())
    parts.append(generic_kernel())
    parts.append(dispatch())
    return indent("\n".join(parts))


def indent(text: str) -> str:
    return "\n".join(INDENT + line if line else line for line in text.splitlines())


HEADER = """\
// SPDX-License-Identifier: MIT
// Generated by scripts/gen_dense_kernels.py — do not edit.
// Regenerate with `python3 scripts/gen_dense_kernels.py` (`--check` fails when this file is stale).
// solhint-disable function-max-lines
// `blockSums` holds every unrolled kernel in one function on purpose (docs/CONTRACTS.md, "Lint").
pragma solidity ^0.8.28;

/// @title DenseKernels
/// @notice The multiply-accumulate kernels of `DenseLayer` (contracts/layers/DenseLayer.sol): SWAR
///         loops unrolled per weight width L and slot width S, and the walk over row runs.
library DenseKernels {
    /// @dev For `blockCount` (1 or 2) consecutive blocks of weights at `buffer` (each `blockBytes` long)
    ///      and the input row at calldata `xPtr`, writes `sums[b * E + j] = sum_r x_r * u_rj` for
    ///      lane j of block b (j = 0 is a word's most significant lane). `slot` is a `DenseLayer._plan`
    ///      mode; the rows are summed run by run (`runs`: run ends, the last is the row count), each
    ///      run's slots spilled and added to `sums`.
    function blockSums(
        bytes memory buffer,
        uint256 blockBytes,
        uint256 blockCount,
        uint256 xPtr,
        uint256 bits,
        uint256 slot,
        uint256[] memory runs,
        int256[] memory sums
    ) internal pure {
        // Equivalent to: for each block b, lane j: sums[b*E + j] =
        //   sum_r x[r] * ((word(b, r) >> ((E-1-j) * L)) & (2^L - 1)).
        assembly ("memory-safe") {
"""

# Accumulator spilling, the row-run walk and the job record: hand-written Yul, kept here so that
# the generated file is whole.
WALK = r"""
// Splits an accumulator into its signed slots (key = pre << 24 | masked << 17 | more << 16 |
// L << 8 | S): slot s goes to lane j0 - s * S/L, stored (more = 0, the first run) or
// added (later runs). A masked pass's slots sit `pre` bits up (its low `pre` bits are
// zero), so its top slot keeps 64 - pre bits, enough by the masked plan's bound.
function spill(acc, j0, key, out) {
    let slotBits := and(key, 0xff)
    let step := shl(5, div(slotBits, and(shr(8, key), 0xff))) // bytes between a slot's lanes
    let dst := add(add(out, 0x20), shl(5, j0))
    let more := and(shr(16, key), 1)
    switch slotBits
    case 64 {
        let pre := shr(24, key)
        acc := shr(pre, acc)
        let v0 := signextend(7, acc) // slot 0, sign-extended from 8 bytes
        acc := sar(64, sub(acc, v0))
        let v1 := signextend(7, acc)
        acc := sar(64, sub(acc, v1))
        let v2 := signextend(7, acc)
        let v3 := signextend(sub(7, shr(3, pre)), sar(64, sub(acc, v2))) // 64 - pre bits
        let d1 := sub(dst, step)
        let d2 := sub(d1, step)
        let d3 := sub(d2, step)
        if more {
            v0 := add(v0, mload(dst))
            v1 := add(v1, mload(d1))
            v2 := add(v2, mload(d2))
            v3 := add(v3, mload(d3))
        }
        mstore(dst, v0)
        mstore(d1, v1)
        mstore(d2, v2)
        mstore(d3, v3)
    }
    default {
        let v0 := signextend(15, acc) // 128-bit slots: sign-extended from 16 bytes
        let v1 := signextend(15, sar(128, sub(acc, v0)))
        let d1 := sub(dst, step)
        if more {
            v0 := add(v0, mload(dst))
            v1 := add(v1, mload(d1))
        }
        mstore(dst, v0)
        mstore(d1, v1)
    }
}
// The dispatch reads its inputs from a job record in memory (past the free memory
// pointer, not kept) so its stack frame stays shallow: job = [buffer data, blockBytes,
// blockCount, xPtr, bits, slot = masked << 17 | S, sums, mask, runs, key].
// Rows `from / 32 .. to / 32` (byte offsets) of every block.
function rows(job, from, to) {
    switch and(and(eq(mload(add(job, 0x80)), 32), eq(mload(add(job, 0xa0)), 64)), eq(mload(add(job, 0x40)), 2))
    case 1 {
        let data := mload(job)
        let a0, a1, a2, a3 := mac32pair(add(data, from), add(mload(add(job, 0x60)), from), add(data, to), mload(add(job, 0xe0)), add(add(data, from), mload(add(job, 0x20))))
        let out := mload(add(job, 0xc0))
        let key := mload(add(job, 0x120))
        spill(a0, 7, key, out)
        spill(a1, 6, key, out)
        spill(a2, 15, key, out)
        spill(a3, 14, key, out)
    }
    default {
        for { let b := 0 } lt(b, mload(add(job, 0x40))) { b := add(b, 1) } {
            let p := add(mload(job), mul(b, mload(add(job, 0x20))))
            // Lanes of block b: E * b .. E * (b + 1) - 1, E = 256 / L.
            sweep(add(p, from), add(mload(add(job, 0x60)), from), add(p, to), mload(add(job, 0xe0)), mload(add(job, 0x120)), mload(add(job, 0xc0)), sub(mul(add(b, 1), div(256, mload(add(job, 0x80)))), 1))
        }
    }
}
function run(job) {
    let ends := mload(add(job, 0x100))
    let from := 0
    for { let i := 0 } lt(i, mload(ends)) { i := add(i, 1) } {
        let to := shl(5, mload(add(ends, shl(5, add(i, 1))))) // byte offset of the run's end
        // Later runs add to the sums (more = 1 at bit 16 of the key).
        mstore(add(job, 0x120), or(shl(16, gt(i, 0)), or(shl(8, mload(add(job, 0x80))), mload(add(job, 0xa0)))))
        rows(job, from, to)
        from := to
    }
}

let job := mload(0x40)
mstore(job, add(buffer, 0x20))
mstore(add(job, 0x20), blockBytes)
mstore(add(job, 0x40), blockCount)
mstore(add(job, 0x60), xPtr)
mstore(add(job, 0x80), bits)
mstore(add(job, 0xa0), slot)
mstore(add(job, 0xc0), sums)
// 2^L - 1 at the bottom of every slot: (2^L - 1) * 0x..0001..0001 (one 1 per slot).
let slotBits := and(slot, 0xff)
mstore(add(job, 0xe0), mul(sub(shl(bits, 1), 1), div(not(0), sub(shl(slotBits, 1), 1))))
mstore(add(job, 0x100), runs)
run(job)
"""

FOOTER = """\
        }
    }
}
"""


def render() -> str:
    """The whole of DenseKernels.sol."""
    return (HEADER + INDENT + KERNELS_BEGIN + "\n" + generate() + "\n" + INDENT + KERNELS_END + "\n"
            + indent(WALK.strip("\n")) + "\n" + FOOTER)


def main() -> None:
    text = render()
    if "--check" in sys.argv[1:]:
        if not KERNELS.exists() or KERNELS.read_text() != text:
            sys.exit(f"{KERNELS} differs from what scripts/gen_dense_kernels.py generates: run it to regenerate the file")
        print(f"{KERNELS} is up to date")
        return
    KERNELS.parent.mkdir(parents=True, exist_ok=True)
    KERNELS.write_text(text)
    print(f"wrote {KERNELS}")


if __name__ == "__main__":
    main()
