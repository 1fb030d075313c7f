// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./SlicedLayerBase.sol";
import {CreatesActivationKernels} from "./CreatesActivationKernels.sol";
import {Activations} from "../../lib/Activations.sol";
import {Elementwise} from "../../lib/Elementwise.sol";
import {UnsupportedWeightBits} from "../../lib/LayerErrors.sol";

/// @title SpatialBase
/// @notice What the spatial layers share: window clipping, activation bounds, the SWAR kernel of
///         the convolutions, and bias + rescale + activation over channels-last outputs.
/// @dev SWAR with pre-expanded weights. A blocked weight word holds E = 256/L offset-binary lanes
///      u = q + 2^(L-1); a block of n <= E filters uses the top n lanes (the word's first filter
///      is its top lane), the last block of a layer may leave the low E - n lanes as padding.
///      Once per block, each word is shifted right past its padding, `w' = w >> (E - n) L`, so
///      that lane m of w' (from the least significant end) is filter `first + n - 1 - m`, and
///      expanded into G words ("groups"), G = ceil(n / (256/S)) rounded up to even (the
///      kernel's passes take 4 or 2 groups): slot k of group g holds the signed lane m = g + k G,
///      at the bottom of its own S-bit slot (`_expand`). Only real lanes fill the groups, so a
///      block of few filters costs MULs for its filters only. Then for every output position
///      one MUL `x * expanded_g` adds `x * q` to 256/S outputs at once. An accumulator
///      `a = sum_k S_k 2^(kS) (mod 2^256)` yields every slot sum S_k exactly (sign-extend the
///      lowest slot, subtract, shift) as long as each |S_k| < 2^(S-1): see `_swar`.
abstract contract SpatialBase is SlicedLayerBase, CreatesActivationKernels {
    /// @notice How the SWAR kernel packs a block's weight lanes (see the contract notes).
    struct Swar {
        uint256 slotBits; // S: 64, 128 or 256, for the whole layer (`_swar`)
        uint256 lanes; // n: the block's filters, its words' top n lanes (`_fit`)
        uint256 groups; // G: expanded words per weight word, even for `_accumulate` (`_fit`)
        uint256 passes; // ceil(G / 4) passes of (up to) 4 accumulators (`_fit`)
        uint256 bias; // 0x80: memory address of the block's first filter's folded bias (`_foldBias`)
        uint256 down; // 0xa0: `_scatter` writes sar(down, sum + folded bias): 0 unless folded
        uint256 maxAbs; // a bound on max|x| over the values read (`_swar`)
        uint256 widest; // the layer's slot, for any kernel (`_swar`); a block may take less (`_blockSlot`)
        uint256 pair; // two blocks in one pass (Conv2DLayer: groups 0-1 the first's, 2-3 the second's):
        // bytes from the first block's outputs and folded biases to the second's (32 E); 0: one block
    }

    /// @notice The input image as the convolutions read it: element i at calldata `base + 32 i`
    ///         (modulo 2^256: see `LayerBase.Input`), and the values read, calldata `[readFrom,
    ///         readTo)` (the rows under the positions computed, inside the window).
    struct Image {
        uint256 base;
        uint256 readFrom;
        uint256 readTo;
    }

    /// @notice One position's dot products: accumulators, pointers, and where the sums go.
    struct Run {
        uint256 a0; // 0x00: accumulators of the pass's (up to) 4 groups
        uint256 a1; // 0x20
        uint256 a2; // 0x40
        uint256 a3; // 0x60
        uint256 length; // 0x80: bytes of one run of input rows (32 per value)
        uint256 rowBytes; // 0xa0: bytes of one pixel's channels (C * 32)
        uint256 inputBase; // 0xc0: calldata offset of the input tensor's first value
        uint256 weightBase; // 0xe0: memory address of the expanded block's first word
        uint256 inputStep; // 0x100: bytes from one image row to the next (W C 32)
        uint256 weightStep; // 0x120: expanded bytes from one kernel row to the next (KW C 32 G)
        uint256 outputBase; // 0x140: memory address of output[0]
        uint256 outputRow; // 0x160: memory address of the position's first output value
        uint256 firstFilter; // 0x180: the block's first filter
        uint256 firstPosition; // 0x1a0: the first output position computed (oy * outWidth + ox)
        uint256 endPosition; // 0x1c0: one past the last
        uint256 accBase; // 0x1e0: tap-major path: one output row's accumulators (G words a position); 0: none
        uint256 columnStep; // 0x200: input bytes from one output column's window to the next's (strideX C 32)
        uint256 biasTable; // 0x220: the folded bias of filter 0 (`_foldBias`; `Swar.bias` per block)
        uint256 interior; // 0x240: output positions whose window lies inside the input: rows and columns
        // [y0, y1) x [x0, x1), packed y0 | y1 << 64 | x0 << 128 | x1 << 192 (Conv2DLayer._interior)
        uint256 origin; // 0x260: calldata offset of the input value under the window of output (0, 0), row 0, column 0 (mod 2^256)
    }

    /// @notice An activation of magnitude `maxAbs` could overflow an exact int256 sum over the
    ///         kernel (the largest allowed is `limit`). Unreachable for real models.
    error ActivationsTooLarge(uint256 maxAbs, uint256 limit);

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    /// @dev The part of a window `[start - pad, start - pad + window)` inside `[0, size)`, as
    ///      window offsets `[lo, hi)`, and the window's (signed) first input coordinate.
    function _clip(uint256 start, uint256 pad, uint256 window, uint256 size)
        internal
        pure
        returns (uint256 lo, uint256 hi, int256 first)
    {
        unchecked {
            // All values are small geometry numbers: the casts and differences are exact.
            first = int256(start) - int256(pad);
            lo = first < 0 ? uint256(-first) : 0;
            int256 end = int256(size) - first;
            hi = end < int256(window) ? uint256(end) : window;
        }
    }

    /// @notice The input rows under output rows `from / outWidth` to `(to - 1) / outWidth` (the
    ///         output positions `[from, to)`), as input elements `[lo, hi)` (whole rows of
    ///         `rowValues`), after `_need` of them: input rows `[max(0, oy0 sy - pad),
    ///         min(height, (oy1 - 1) sy - pad + window))`. Nothing for an empty range.
    /// @param xs        The layer's inputs (input 0 is the image).
    /// @param from      First output position (oy * outWidth + ox).
    /// @param to        One past the last.
    /// @param outWidth  Output columns.
    /// @param stride    Vertical stride.
    /// @param pad       Padding rows above the input.
    /// @param window    Kernel (or pool) rows.
    /// @param height    Input rows.
    /// @param rowValues Values of one input row (W C).
    /// @return lo First input element read.
    /// @return hi One past the last.
    function _inputRows(
        Input[] memory xs,
        uint256 from,
        uint256 to,
        uint256 outWidth,
        uint256 stride,
        uint256 pad,
        uint256 window,
        uint256 height,
        uint256 rowValues
    ) internal pure returns (uint256 lo, uint256 hi) {
        if (from < to) {
            unchecked {
                // Geometry values are small (the tensors fit in calldata): the casts are exact.
                int256 y0 = int256(from / outWidth * stride) - int256(pad);
                int256 y1 = int256((to - 1) / outWidth * stride) - int256(pad) + int256(window);
                if (y0 < 0) y0 = 0;
                if (y1 > int256(height)) y1 = int256(height);
                if (y1 < y0) y1 = y0;
                (lo, hi) = (uint256(y0) * rowValues, uint256(y1) * rowValues);
            }
        }
        _need(xs, 0, lo, hi);
    }

    /// @dev The largest |x| of the values at calldata `[from, to)` (type(int256).min counts as
    ///      2^255, which no limit admits).
    function _maxAbs(uint256 from, uint256 to) internal pure returns (uint256 peak) {
        // Equivalent to `for each v in x: peak = max(peak, |v|)`; -min wraps to min = 2^255 unsigned.
        // (Yul locals: the loop keeps its variables at the top of the stack.)
        assembly ("memory-safe") {
            let m := 0
            let end := to
            for { let p := from } lt(p, end) { p := add(p, 0x20) } {
                let v := calldataload(p)
                if slt(v, 0) { v := sub(0, v) }
                if gt(v, m) { m := v }
            }
            peak := m
        }
    }

    /// @notice Picks a SWAR slot in which every sum over `rows` rows of `x` stays exact, for any
    ///         kernel of L-bit weights.
    /// @dev A slot sums S = sum x q over at most `rows` rows with |q| <= 2^(L-1), so
    ///      |S| <= max|x| * rows * 2^(L-1) (`_slotFor`). Decides on `_magnitudeBound` when it
    ///      gives the narrowest slot, else on the exact max|x| (the bound is under 2 max|x|, so
    ///      it can cost a slot width), and refuses on the exact max|x|. Sets `slotBits`, `widest`
    ///      and `maxAbs`: the groups depend on the block (`_fit`), and a block's own kernel may
    ///      allow a narrower slot (`_blockSlot`).
    /// @param weightBits Weight width L in bits (8, 16 or 32).
    /// @param xFrom      Calldata offset of the first input value read, fixed point 2^-F.
    /// @param xTo        One past the last (the values read: the window's rows, not the whole input).
    /// @param rows       The most rows (inputs) one output sums over.
    /// @return s The plan, with `slotBits`, `widest` and `maxAbs` set.
    function _swar(uint256 weightBits, uint256 xFrom, uint256 xTo, uint256 rows) internal pure returns (Swar memory s) {
        if (weightBits != 8 && weightBits != 16 && weightBits != 32) revert UnsupportedWeightBits(weightBits);
        uint256 norm = (rows == 0 ? 1 : rows) << (weightBits - 1); // the largest sum |q| of any kernel
        s.maxAbs = _magnitudeBound(xFrom, xTo);
        s.slotBits = _slotFor(s.maxAbs, norm);
        if (s.slotBits != 64) {
            s.maxAbs = _maxAbs(xFrom, xTo);
            s.slotBits = _slotFor(s.maxAbs, norm);
            if (s.slotBits == 0) revert ActivationsTooLarge(s.maxAbs, _limit(256) / norm);
        }
        s.widest = s.slotBits;
    }

    /// @notice The narrowest slot S (64, 128 or 256 bits) that holds every sum `sum x q` with
    ///         |x| <= maxAbs and sum |q| <= norm: maxAbs * norm <= `_limit(S)`.
    /// @param maxAbs A bound on max |x|.
    /// @param norm   A bound on sum |q| over one output's rows (not 0).
    /// @return The slot's bits, or 0 if no slot holds the sums.
    function _slotFor(uint256 maxAbs, uint256 norm) internal pure returns (uint256) {
        for (uint256 slot = 64; slot <= 256; slot *= 2) {
            if (maxAbs <= _limit(slot) / norm) return slot;
        }
        return 0;
    }

    /// @dev The largest |sum| a slot of `slot` bits holds: 2^(S-1) - 1, and 2^254 - 1 for 256 bits,
    ///      so that rounding `S + 2^(d-1)` (`_foldBias`) cannot overflow either.
    function _limit(uint256 slot) private pure returns (uint256) {
        return (slot == 256 ? 1 << 254 : 1 << (slot - 1)) - 1;
    }

    /// @notice The slot for one block: the narrowest that holds its sums by its own kernel's
    ///         largest sum |q| (`_kernelNorm`), never wider than the layer's (`s.widest`). Real
    ///         kernels sum far below rows * 2^(L-1), so this often halves the MULs of a block.
    /// @dev Only computed when the layer's slot is wider than 64 bits (else nothing to gain).
    /// @param s     The plan from `_swar`.
    /// @param raw   Memory address of the block's first blocked word.
    /// @param rows  Rows (blocked words) in the block.
    /// @param lanes Filters in the block (its words' top lanes).
    /// @param weightBits Weight width L in bits.
    /// @return slot The block's slot bits.
    function _blockSlot(Swar memory s, uint256 raw, uint256 rows, uint256 lanes, uint256 weightBits)
        internal
        pure
        returns (uint256 slot)
    {
        slot = s.widest;
        if (slot == 64) return slot;
        // + 1: an all-zero kernel divides nothing.
        uint256 narrow = _slotFor(s.maxAbs, _kernelNorm(raw, rows, lanes, weightBits) + 1);
        if (narrow != 0 && narrow < slot) slot = narrow;
    }

    /// @notice The largest sum |q| over the rows of one filter of a block: max over its top
    ///         `lanes` lanes of sum_r |lane of word r - 2^(L-1)|.
    /// @dev SWAR: per word, u XOR 2^(L-1) in every lane is q in two's complement, whose absolute
    ///      value (flip the negative lanes, add 1) takes no carry between lanes (|q| <= 2^(L-1)).
    ///      Lane j's |q| adds into accumulator j % 4, in a slot of 4L bits (bit (j / 4) 4L), which
    ///      holds rows * 2^(L-1) for any `rows` that fits memory.
    /// @param raw   Memory address of the block's first blocked word.
    /// @param rows  Rows (blocked words).
    /// @param lanes Filters in the block n: the words' top n lanes.
    /// @param weightBits Weight width L in bits (8, 16 or 32).
    /// @return peak The largest sum |q| of one of the block's filters.
    function _kernelNorm(uint256 raw, uint256 rows, uint256 lanes, uint256 weightBits)
        internal
        pure
        returns (uint256 peak)
    {
        // Equivalent to: max over filters m < n of sum_r |q[r][m]|.
        assembly ("memory-safe") {
            function everyLane(value, width) -> r {
                for { let at := 0 } lt(at, 256) { at := add(at, width) } { r := or(r, shl(at, value)) }
            }
            // Words [p, end) with their low `padding` bits dropped: |q| of lane j added into slot
            // j / 4 of a(j % 4); `quarter` = 2^L - 1 at bits 0, 4L, 8L, ...
            function sums(p, end, padding, bits, quarter) -> a0, a1, a2, a3 {
                let half := everyLane(shl(sub(bits, 1), 1), bits)
                for {} lt(p, end) { p := add(p, 0x20) } {
                    let t := xor(shr(padding, mload(p)), half) // q per lane, two's complement
                    let negative := shr(sub(bits, 1), and(t, half)) // 1 in each negative lane
                    let m := add(xor(t, sub(shl(bits, negative), negative)), negative) // |q| per lane
                    a0 := add(a0, and(m, quarter))
                    a1 := add(a1, and(shr(bits, m), quarter))
                    a2 := add(a2, and(shr(shl(1, bits), m), quarter))
                    a3 := add(a3, and(shr(mul(3, bits), m), quarter))
                }
            }
            let width := shl(2, weightBits) // 4L: one accumulator slot
            let a0, a1, a2, a3 := sums(
                raw,
                add(raw, shl(5, rows)),
                mul(sub(div(256, weightBits), lanes), weightBits), // (E - n) L: the lanes below the block's
                weightBits,
                everyLane(sub(shl(weightBits, 1), 1), width)
            )
            for { let j := 0 } lt(j, lanes) { j := add(j, 1) } {
                let a := a0
                switch and(j, 3)
                case 1 { a := a1 }
                case 2 { a := a2 }
                case 3 { a := a3 }
                let v := and(shr(mul(shr(2, j), width), a), sub(shl(width, 1), 1))
                if gt(v, peak) { peak := v }
            }
        }
    }

    /// @notice Sets the groups of a block of `lanes` filters: as few expanded words as hold its
    ///         lanes at 256/S slots a word, rounded up to even for the position-major kernel
    ///         (it runs passes of 4 groups, the last one of 2 when G is not a multiple of 4: see
    ///         `_accumulate`); the tap-major kernel (`_accumulateTaps`) takes any G.
    /// @dev At most S/L groups (the `_expand` buffer's size): S/L is even, and
    ///      `lanes` <= E = S/L * 256/S.
    /// @param s     The plan from `_swar`; `lanes`, `groups` and `passes` are set here.
    /// @param lanes Filters in the block.
    /// @param even  Round G up to even (`_accumulate`'s passes).
    function _fit(Swar memory s, uint256 lanes, bool even) internal pure {
        uint256 slots = 256 / s.slotBits; // slots per expanded word
        uint256 groups = (lanes + slots - 1) / slots;
        if (even) groups += groups % 2;
        s.lanes = lanes;
        s.groups = groups;
        s.passes = (groups + 3) / 4;
    }

    // solhint-disable function-max-lines
    // Four assembly kernels (`_expand`, `_accumulate`, `_accumulateTaps`, `_scatter`), each kept whole: split into functions,
    // their inner loops would pay jumps and stack shuffles on every step (gas per
    // bench/gas_conv.js).

    /// @notice Expands a block of `rows` blocked words at `raw` into `rows * G` signed-lane words
    ///         at `expanded` (see the contract notes; `s` is `_fit` to the block).
    /// @param raw        Memory address of the block's first blocked word.
    /// @param expanded   Memory address of the expanded words (`rows * G` of them).
    /// @param rows       Rows (blocked words) in the block.
    /// @param s          The plan, fitted to the block.
    /// @param weightBits Weight width L in bits.
    function _expand(uint256 raw, uint256 expanded, uint256 rows, Swar memory s, uint256 weightBits) internal pure {
        // Equivalent to: for row r, group g, slot k: with w' = raw[r] >> (E - n) L (the padding
        // lanes dropped), expanded[r G + g] holds (lane g + k G of w') - 2^(L-1) at bit k S
        // (mod 2^256). Lanes past the block's n read zero bits (q = -2^(L-1)): their slots are
        // never read. They are the top slots of their group (lane g + k G grows with k), and a
        // slot sum that leaves its slot (a slot narrowed by `_blockSlot` bounds the real lanes
        // only) carries only upwards: `_scatter` takes the lowest slot first, exactly, so the
        // real slots below stay exact.
        assembly ("memory-safe") {
            // `value` at the bottom of every `width`-bit slot.
            function everySlot(value, width) -> r {
                for { let at := 0 } lt(at, 256) { at := add(at, width) } { r := or(r, shl(at, value)) }
            }
            // G = S/L: lane g + k G of w' is k S bits above lane g, so one mask (2^L - 1 in every
            // slot) takes every slot of group g; minus 2^(L-1) in every slot: u - 2^(L-1) per
            // slot, borrows between slots are exactly the signed digits. Words [p, end) to
            // `count` = G words each at `out`; `bits` = L, `width` = S, `padding` = (E - n) L.
            function spread(p, end, out, count, bits, width, padding) {
                let mask := everySlot(sub(shl(bits, 1), 1), width)
                let half := everySlot(shl(sub(bits, 1), 1), width)
                for {} lt(p, end) { p := add(p, 0x20) } {
                    let w := shr(padding, mload(p))
                    for { let g := 0 } lt(g, count) { g := add(g, 1) } {
                        mstore(out, sub(and(shr(mul(g, bits), w), mask), half))
                        out := add(out, 0x20)
                    }
                }
            }
            // Fewer groups (G < S/L): lane by lane, slot k of group g takes lane g + k G of w'
            // (bit (g + k G) L; a shift past 256 bits reads zero). Arguments as `spread`.
            function gather(p, end, out, count, bits, width, padding) {
                let laneMask := sub(shl(bits, 1), 1) // 2^L - 1
                let half := everySlot(shl(sub(bits, 1), 1), width)
                for {} lt(p, end) { p := add(p, 0x20) } {
                    let w := shr(padding, mload(p))
                    for { let g := 0 } lt(g, count) { g := add(g, 1) } {
                        let packed := 0
                        let v := shr(mul(g, bits), w) // lane g + k G at the bottom, k = 0, 1, ...
                        for { let at := 0 } lt(at, 256) { at := add(at, width) } {
                            packed := or(packed, shl(at, and(v, laneMask)))
                            v := shr(mul(count, bits), v)
                        }
                        mstore(out, sub(packed, half))
                        out := add(out, 0x20)
                    }
                }
            }
            let slot := mload(s) // s.slotBits
            let groups := mload(add(s, 0x40)) // s.groups
            // (E - n) L: the bits of the padding lanes (s.lanes = n).
            let padding := mul(sub(div(256, weightBits), mload(add(s, 0x20))), weightBits)
            switch eq(mul(groups, weightBits), slot)
            case 1 { spread(raw, add(raw, shl(5, rows)), expanded, groups, weightBits, slot, padding) }
            default { gather(raw, add(raw, shl(5, rows)), expanded, groups, weightBits, slot, padding) }
        }
    }

    /// @notice One pass over the `count` runs of a position (groups 4 pass .. 4 pass + 3, or
    ///         .. 4 pass + 1 in a last pass of 2), then writes their exact sums `sum x q` to the
    ///         position's outputs (`run.outputRow`).
    /// @param run    The position's runs (geometry and accumulators).
    /// @param s      The plan, fitted to the block.
    /// @param xStart calldata offset of the first run's first input value.
    /// @param wStart memory address of the first run's first expanded word of group 4 pass.
    /// @param count  Number of runs.
    /// @param pass   Which pass: groups 4 pass .. 4 pass + 3.
    function _accumulate(Run memory run, Swar memory s, uint256 xStart, uint256 wStart, uint256 count, uint256 pass)
        internal
        pure
    {
        // Equivalent to: for each group g of the pass, a_g = sum over the window's rows r of
        // x[r] * expanded[r G + g] (mod 2^256); then slot k of a_g is the exact sum of lane g + k G.
        assembly ("memory-safe") {
            // Four groups: over all `runs` runs of the window (each `n` input bytes; the next run
            // starts `run.inputStep` and `run.weightStep` further), two input values and their
            // rows' G expanded words (step = 32 G bytes) per round, then the odd last row; the
            // sums go to the first 4 words at `acc`.
            function dot(xp, wp, n, step, acc, runs) {
                let a0 := 0
                let a1 := 0
                let a2 := 0
                let a3 := 0
                let step2 := shl(1, step)
                for {} runs { runs := sub(runs, 1) } {
                    // While two rows are left: xp < end - 32 (`last`; xp is past the ABI head, so
                    // xp + n - 32 cannot wrap below 0 for any n, even 0).
                    let last := add(xp, sub(n, 0x20))
                    for {} lt(xp, last) {
                        xp := add(xp, 0x40)
                        wp := add(wp, step2)
                    } {
                        let x := calldataload(xp)
                        let y := calldataload(add(xp, 0x20))
                        let w := add(wp, step)
                        a0 := add(a0, add(mul(x, mload(wp)), mul(y, mload(w))))
                        a1 := add(a1, add(mul(x, mload(add(wp, 0x20))), mul(y, mload(add(w, 0x20)))))
                        a2 := add(a2, add(mul(x, mload(add(wp, 0x40))), mul(y, mload(add(w, 0x40)))))
                        a3 := add(a3, add(mul(x, mload(add(wp, 0x60))), mul(y, mload(add(w, 0x60)))))
                    }
                    if eq(xp, last) {
                        // The odd last row.
                        let x := calldataload(xp)
                        a0 := add(a0, mul(x, mload(wp)))
                        a1 := add(a1, mul(x, mload(add(wp, 0x20))))
                        a2 := add(a2, mul(x, mload(add(wp, 0x40))))
                        a3 := add(a3, mul(x, mload(add(wp, 0x60))))
                        xp := add(xp, 0x20)
                        wp := add(wp, step)
                    }
                    // Here xp = run start + n and wp = run start + (n / 32) step: on to the next run.
                    xp := add(xp, sub(mload(add(acc, 0x100)), n))
                    wp := add(wp, sub(mload(add(acc, 0x120)), mul(shr(5, n), step)))
                }
                mstore(acc, a0)
                mstore(add(acc, 0x20), a1)
                mstore(add(acc, 0x40), a2)
                mstore(add(acc, 0x60), a3)
            }
            // Two groups (the last pass of an even G that is not a multiple of 4): `dot` with 2
            // accumulators, four rows per round, then the last rows one by one.
            function dot2(xp, wp, n, step, acc, runs) {
                let a0 := 0
                let a1 := 0
                for {} runs { runs := sub(runs, 1) } {
                    let end := add(xp, n)
                    // While four rows are left: xp < end - 96 (`last`; xp is past the ABI head, so
                    // end >= 96).
                    for { let last := sub(end, 0x60) } lt(xp, last) { xp := add(xp, 0x80) } {
                        let x := calldataload(xp)
                        let y := calldataload(add(xp, 0x20))
                        let w := add(wp, step)
                        let b0 := add(mul(x, mload(wp)), mul(y, mload(w)))
                        let b1 := add(mul(x, mload(add(wp, 0x20))), mul(y, mload(add(w, 0x20))))
                        x := calldataload(add(xp, 0x40))
                        y := calldataload(add(xp, 0x60))
                        wp := add(w, step)
                        w := add(wp, step)
                        a0 := add(a0, add(b0, add(mul(x, mload(wp)), mul(y, mload(w)))))
                        a1 := add(a1, add(b1, add(mul(x, mload(add(wp, 0x20))), mul(y, mload(add(w, 0x20))))))
                        wp := add(w, step)
                    }
                    for {} lt(xp, end) {
                        xp := add(xp, 0x20)
                        wp := add(wp, step)
                    } {
                        let x := calldataload(xp)
                        a0 := add(a0, mul(x, mload(wp)))
                        a1 := add(a1, mul(x, mload(add(wp, 0x20))))
                    }
                    // Here xp = run start + n and wp = run start + (n / 32) step: on to the next run.
                    xp := add(xp, sub(mload(add(acc, 0x100)), n))
                    wp := add(wp, sub(mload(add(acc, 0x120)), mul(shr(5, n), step)))
                }
                mstore(acc, a0)
                mstore(add(acc, 0x20), a1)
            }
            {
                let n := mload(add(run, 0x80))
                let step := shl(5, mload(add(s, 0x40))) // 32 G: expanded bytes per row
                switch lt(sub(mload(add(s, 0x40)), shl(2, pass)), 4) // 2 groups left
                case 0 { dot(xStart, wStart, n, step, run, count) }
                default { dot2(xStart, wStart, n, step, run, count) }
            }
        }
        uint256 acc;
        assembly ("memory-safe") {
            acc := run // run.a0 .. run.a3
        }
        unchecked {
            // The block's first output of the position: inside the output.
            if (s.pair == 0) _scatter(acc, run.outputRow + run.firstFilter * 32, s, pass, 1, 0);
            else _scatterPair(acc, run.outputRow + run.firstFilter * 32, s);
        }
    }

    /// @dev `_scatter` of a pass over two blocks (`s.pair`, 4 groups, 2 a block): each block's
    ///      two accumulators under its own plan (2 groups, half the lanes), the second's outputs
    ///      and folded biases `s.pair` bytes on.
    function _scatterPair(uint256 acc, uint256 out, Swar memory s) private pure {
        uint256 step = s.pair;
        (s.groups, s.lanes) = (2, s.lanes / 2);
        _scatter(acc, out, s, 0, 1, 0);
        s.bias += step;
        unchecked {
            // The second block's accumulators (2 words on) and outputs: inside the run and the output.
            _scatter(acc + 64, out + step, s, 0, 1, 0);
        }
        (s.groups, s.lanes, s.bias) = (4, s.lanes * 2, s.bias - step);
    }

    /// @notice Tap-major SWAR: adds `rows` kernel rows' runs of taps (`run.length / 32`
    ///         consecutive taps each, in the input and in the block alike) to `count` output
    ///         positions along an output row, every group: `acc[k][g] += x[tap at k] * expanded[tap][g]`.
    /// @param run   Geometry: `length` (32 taps), `inputStep`, `weightStep`, `columnStep`.
    /// @param s     The plan, fitted to the block (G = s.groups).
    /// @param xp    calldata offset of the first tap's input value at position 0.
    /// @param wp    memory address of the first tap's expanded words (G a tap).
    /// @param ap    memory address of position 0's first accumulator (G words a position).
    /// @param count Positions.
    /// @param rows  Kernel rows (the next row's taps are `run.inputStep`, `run.weightStep` further).
    function _accumulateTaps(Run memory run, Swar memory s, uint256 xp, uint256 wp, uint256 ap, uint256 count, uint256 rows)
        internal
        pure
    {
        // Equivalent to: for row y < rows, tap t < length / 32, position k < count, group g < G:
        // acc[ap + 32 (k G + g)] += calldata[xp + y inputStep + 32 t + k columnStep]
        //                          * mem[wp + y weightStep + 32 (t G + g)]   (mod 2^256).
        // Two taps at a time (their values 32 bytes apart): one read-modify-write of each
        // accumulator per pair.
        assembly ("memory-safe") {
            // Kernels over positions [a, end) (32 G bytes each), input x (`step` bytes a
            // position), weights from memory w (G words a tap). One group, two taps, two
            // positions a round:
            function onePair(x, step, a, end, w) {
                let w0 := mload(w)
                let w1 := mload(add(w, 0x20))
                for { let last := sub(end, 0x20) } lt(a, last) { a := add(a, 0x40) } {
                    mstore(a, add(mload(a), add(mul(calldataload(x), w0), mul(calldataload(add(x, 0x20)), w1))))
                    x := add(x, step)
                    let b := add(a, 0x20)
                    mstore(b, add(mload(b), add(mul(calldataload(x), w0), mul(calldataload(add(x, 0x20)), w1))))
                    x := add(x, step)
                }
                if lt(a, end) {
                    mstore(a, add(mload(a), add(mul(calldataload(x), w0), mul(calldataload(add(x, 0x20)), w1))))
                }
            }
            // Two groups, two taps (tap 0's words w0, w1; tap 1's w2, w3); two positions a round.
            function twoPair(x, step, a, end, w) {
                let w0 := mload(w)
                let w1 := mload(add(w, 0x20))
                let w2 := mload(add(w, 0x40))
                let w3 := mload(add(w, 0x60))
                for { let last := sub(end, 0x40) } lt(a, last) { a := add(a, 0x80) } {
                    let v := calldataload(x)
                    let u := calldataload(add(x, 0x20))
                    mstore(a, add(mload(a), add(mul(v, w0), mul(u, w2))))
                    let b := add(a, 0x20)
                    mstore(b, add(mload(b), add(mul(v, w1), mul(u, w3))))
                    x := add(x, step)
                    v := calldataload(x)
                    u := calldataload(add(x, 0x20))
                    b := add(a, 0x40)
                    mstore(b, add(mload(b), add(mul(v, w0), mul(u, w2))))
                    b := add(a, 0x60)
                    mstore(b, add(mload(b), add(mul(v, w1), mul(u, w3))))
                    x := add(x, step)
                }
                if lt(a, end) {
                    let v := calldataload(x)
                    let u := calldataload(add(x, 0x20))
                    mstore(a, add(mload(a), add(mul(v, w0), mul(u, w2))))
                    let b := add(a, 0x20)
                    mstore(b, add(mload(b), add(mul(v, w1), mul(u, w3))))
                }
            }
            // One group, one tap; two positions a round.
            function one(x, step, a, end, w) {
                let w0 := mload(w)
                for { let last := sub(end, 0x20) } lt(a, last) { a := add(a, 0x40) } {
                    mstore(a, add(mload(a), mul(calldataload(x), w0)))
                    let b := add(a, 0x20)
                    mstore(b, add(mload(b), mul(calldataload(add(x, step)), w0)))
                    x := add(x, shl(1, step))
                }
                if lt(a, end) { mstore(a, add(mload(a), mul(calldataload(x), w0))) }
            }
            // Two groups, one tap; two positions a round.
            function two(x, step, a, end, w) {
                let w0 := mload(w)
                let w1 := mload(add(w, 0x20))
                for { let last := sub(end, 0x40) } lt(a, last) { a := add(a, 0x80) } {
                    let v := calldataload(x)
                    let u := calldataload(add(x, step))
                    mstore(a, add(mload(a), mul(v, w0)))
                    let b := add(a, 0x20)
                    mstore(b, add(mload(b), mul(v, w1)))
                    b := add(a, 0x40)
                    mstore(b, add(mload(b), mul(u, w0)))
                    b := add(a, 0x60)
                    mstore(b, add(mload(b), mul(u, w1)))
                    x := add(x, shl(1, step))
                }
                if lt(a, end) {
                    let v := calldataload(x)
                    mstore(a, add(mload(a), mul(v, w0)))
                    let b := add(a, 0x20)
                    mstore(b, add(mload(b), mul(v, w1)))
                }
            }
            // One tap, any G.
            function single(x, step, a, end, w, size) {
                switch size
                case 0x20 { one(x, step, a, end, w) }
                case 0x40 { two(x, step, a, end, w) }
                default { any(x, step, a, end, w, size) }
            }
            // Any G (`size` = 32 G bytes a position), one tap.
            function any(x, step, a, end, w, size) {
                for {} lt(a, end) { a := add(a, size) } {
                    let v := calldataload(x)
                    x := add(x, step)
                    for { let g := 0 } lt(g, size) { g := add(g, 0x20) } {
                        let b := add(a, g)
                        mstore(b, add(mload(b), mul(v, mload(add(w, g)))))
                    }
                }
            }
            // One kernel row's run: taps at calldata [x, xEnd), their G words from w on.
            function taps(x, xEnd, w, a, end, step, size) {
                for { let last := sub(xEnd, 0x20) } lt(x, last) {
                    x := add(x, 0x40)
                    w := add(w, shl(1, size))
                } {
                    switch size
                    case 0x20 { onePair(x, step, a, end, w) }
                    case 0x40 { twoPair(x, step, a, end, w) }
                    default {
                        any(x, step, a, end, w, size)
                        any(add(x, 0x20), step, a, end, add(w, size), size)
                    }
                }
                if lt(x, xEnd) { single(x, step, a, end, w, size) } // an odd last tap
            }
            let size := shl(5, mload(add(s, 0x40))) // 32 G (s.groups)
            let end := add(ap, mul(count, size))
            for {} rows { rows := sub(rows, 1) } {
                // run.length (32 taps) at 0x80, run.columnStep at 0x200.
                taps(xp, add(xp, mload(add(run, 0x80))), wp, ap, end, mload(add(run, 0x200)), size)
                xp := add(xp, mload(add(run, 0x100))) // run.inputStep
                wp := add(wp, mload(add(run, 0x120))) // run.weightStep
            }
        }
    }

    /// @notice Writes a pass's exact sums from the accumulators of `positions` positions to
    ///         their outputs.
    /// @param acc       Memory address of the first position's pass's first accumulator (up to
    ///                  4 words: groups 4 pass .. 4 pass + 3; the next position's are 32 G bytes
    ///                  further), filled by `_accumulate` or `_accumulateTaps`.
    /// @param out       Memory address of the first position's output of the block's first filter.
    /// @param s         The plan, fitted to the block.
    /// @param pass      Which pass: groups 4 pass .. 4 pass + 3.
    /// @param positions Positions (consecutive in the output).
    /// @param outStep   Output bytes from one position to the next (filters 32).
    function _scatter(uint256 acc, uint256 out, Swar memory s, uint256 pass, uint256 positions, uint256 outStep)
        internal
        pure
    {
        // Equivalent to: for each position, accumulator t (group g = 4 pass + t) and slot k while
        // m = g + k G < n: output[position][first + n - 1 - m] = sar(down, slot k of acc[t] +
        // folded[first + n - 1 - m]) (lane m of w', see `_expand`; `_foldBias`).
        assembly ("memory-safe") {
            // Accumulator `a` of a word whose slots all hold real lanes (64 or 128-bit slots), to
            // outputs o, o - stride, ...: sar(down, slot + the folded bias at output + delta).
            // Unrolled: a loop step costs more than a slot. Each slot is sign-extended and
            // subtracted, which leaves the next one lowest, exactly; the top slot is what the
            // shifts leave. `plan`: the Swar (slotBits at 0x00, down at 0xa0).
            function whole(a, o, stride, delta, plan) {
                let down := mload(add(plan, 0xa0))
                switch mload(plan)
                case 64 {
                    let v := signextend(7, a)
                    a := sar(64, sub(a, v))
                    mstore(o, sar(down, add(v, mload(add(o, delta)))))
                    o := sub(o, stride)
                    v := signextend(7, a)
                    a := sar(64, sub(a, v))
                    mstore(o, sar(down, add(v, mload(add(o, delta)))))
                    o := sub(o, stride)
                    v := signextend(7, a)
                    a := sar(64, sub(a, v))
                    mstore(o, sar(down, add(v, mload(add(o, delta)))))
                    o := sub(o, stride)
                    mstore(o, sar(down, add(a, mload(add(o, delta)))))
                }
                default {
                    let v := signextend(15, a)
                    mstore(o, sar(down, add(v, mload(add(o, delta)))))
                    o := sub(o, stride)
                    mstore(o, sar(down, add(sar(128, sub(a, v)), mload(add(o, delta)))))
                }
            }
            let stride := shl(5, mload(add(s, 0x40))) // 32 G (s.groups): output bytes from lane m to m + G
            let accumulators := sub(mload(add(s, 0x40)), shl(2, pass)) // groups in this pass: min(G - 4 pass, 4)
            if gt(accumulators, 4) { accumulators := 4 }
            // s.slotBits S < 256 and n = G 256/S (s.lanes, s.groups).
            switch and(lt(mload(s), 256), eq(mul(mload(add(s, 0x20)), mload(s)), mul(mload(add(s, 0x40)), 256)))
            case 1 {
                // n = G 256/S: every slot of every group is a real lane (`whole`).
                let words := shl(5, accumulators) // the pass's accumulators' bytes
                // Lane 4 pass is at out - 32 + `span` (lane m < n at out - 32 + 32 (n - m)).
                let span := sub(shl(5, mload(add(s, 0x20))), shl(7, pass)) // 32 n - 128 pass (s.lanes = n)
                for {} positions { positions := sub(positions, 1) } {
                    let delta := sub(mload(add(s, 0x80)), out) // the folded bias of output o is at o + delta
                    let o := add(sub(out, 0x20), span) // accumulator t's first lane is at o - 32 t
                    for {
                        let p := acc
                        let end := add(acc, words)
                    } lt(p, end) { p := add(p, 0x20) } {
                        whole(mload(p), o, stride, delta, s)
                        o := sub(o, 0x20)
                    }
                    acc := add(acc, stride)
                    out := add(out, outStep)
                }
            }
            default {
                let slot := mload(s) // s.slotBits
                let signByte := sub(shr(3, slot), 1) // signextend's byte index of a slot's sign bit
                let down := mload(add(s, 0xa0))
                for {} positions { positions := sub(positions, 1) } {
                    // out - 32: lane m < n is at low + 32 (n - m) > low; lane 4 pass + t at
                    // low + 32 n - 128 pass - 32 t (s.lanes = n).
                    let low := sub(out, 0x20)
                    let delta := sub(mload(add(s, 0x80)), out) // the folded bias of output o is at o + delta
                    for { let t := 0 } lt(t, accumulators) { t := add(t, 1) } {
                        let a := mload(add(acc, shl(5, t)))
                        let first := sub(add(low, shl(5, mload(add(s, 0x20)))), add(shl(7, pass), shl(5, t)))
                        // Signed compare: stepping past lane n - 1 may wrap o below 0 (if low < stride).
                        for { let o := first } sgt(o, low) { o := sub(o, stride) } {
                            let v := signextend(signByte, a)
                            a := sar(slot, sub(a, v)) // drop the slot: exact, it was the lowest
                            mstore(o, sar(down, add(v, mload(add(o, delta)))))
                        }
                    }
                    acc := add(acc, stride)
                    out := add(out, outStep)
                }
            }
        }
    }

    // solhint-enable function-max-lines

    /// @notice The bias folded into `_scatter`: `folded[j] = 2^(d-1) + (bias[j] << d)` with
    ///         d = kernelFrac, so that `sar(d, sum + folded[j])` is `rescale(sum, F + d, F) +
    ///         bias[j]` exactly (floor((S + h)/2^d) + b = floor((S + h + b 2^d)/2^d)); then the
    ///         sums need no pass of `_rescaleAddBias`. Only for 0 <= d <= 252 and |bias| <
    ///         2^(252 - d): |sum| < 2^254 (`_swar`) and |folded| < 2^253 keep every step inside
    ///         int256, and no bias addition can overflow. Otherwise (`folded` false) it is zeros
    ///         and d = 0: `_scatter` writes the exact sums, and `_finishSums` rescales them.
    /// @param bias       One value per filter, fixed point 2^-F (`_readRescaled`; zeros: none).
    /// @param kernelFrac The kernel's frac bits.
    /// @return table  Memory address of the first folded value (one word per filter).
    /// @return down   The right shift `_scatter` applies (d, or 0).
    /// @return folded Whether the bias and the rescale are folded in.
    function _foldBias(int256[] memory bias, int256 kernelFrac)
        internal
        pure
        returns (uint256 table, uint256 down, bool folded)
    {
        folded = kernelFrac >= 0 && kernelFrac <= 252;
        uint256 d = folded ? uint256(kernelFrac) : 0;
        int256 limit = folded ? int256(1 << (252 - d)) : int256(0);
        for (uint256 j; folded && j < bias.length; ++j) {
            folded = bias[j] < limit && bias[j] > -limit;
        }
        int256[] memory values = new int256[](bias.length); // zeros when not folded
        if (folded) {
            int256 half = d == 0 ? int256(0) : int256(1 << (d - 1));
            for (uint256 j; j < bias.length; ++j) {
                values[j] = half + (bias[j] << d);
            }
            down = d;
        }
        assembly ("memory-safe") {
            table := add(values, 0x20)
        }
    }

    /// @notice Turns exact sums `sum x q` (2^-(F + kernelFrac)) into the layer's output, in place:
    ///         `activation(rescale(sum, F + kernelFrac, F) + bias)`.
    /// @param output     The exact sums, turned into the layer's output in place.
    /// @param frac       F.
    /// @param kernelFrac The kernel's frac bits.
    /// @param bias       One value per channel, fixed point 2^-F (`_readRescaled`: zeros without a bias).
    /// @param channels Output channels: the bias repeats every `channels` values, softmax runs
    ///        over each run of `channels`.
    /// @param activation An `Activations` code.
    function _finishSums(
        int256[] memory output,
        uint256 frac,
        int256 kernelFrac,
        int256[] memory bias,
        uint256 channels,
        uint256 activation
    ) internal view {
        int256 f = int256(frac);
        _rescaleAddBias(output, f + kernelFrac, f, bias);
        Activations.activate(output, activation, frac, channels);
    }

    /// @notice The layers fused into a convolution's epilogue (`python/eternal/fusion.py`): a
    ///         BatchNormalization that is the convolution's only reader, then a ReLU that is the
    ///         BatchNormalization's. The deployer gives them no contract (the walk passes the
    ///         convolution's output on under their ids) and appends this to the convolution's
    ///         config; the convolution applies them to its output exactly as their own layers
    ///         would (`Elementwise.affineInPlace`, `Elementwise.reluInPlace`: the same integers).
    struct Post {
        WeightTensor scale; // the BatchNormalization's (size 0: none)
        WeightTensor offset;
        uint256 relu; // 1: then a ReLU (no negative slope)
        int256 threshold; // the ReLU's, fixed point 2^-F
        uint256 hasMax;
        int256 maxValue; // fixed point 2^-F
    }

    /// @dev Bytes of a Conv2D or DepthwiseConv2D config (21 words) before its `Post`, if any.
    uint256 internal constant SPATIAL_CONFIG_BYTES = 21 * 32;

    /// @notice Applies the fused epilogue of the config's `Post` (none: nothing) to whole
    ///         positions of the layer's output, in place, after its own activation.
    /// @param config The layer's config (`_config()`), clobbered: its last base word is overwritten.
    /// @param pages  Every weight page of the model.
    /// @param output Whole positions (element 0 is channel 0), fixed point 2^-frac.
    /// @param frac   F.
    /// @param bits   Weight width in bits.
    /// @param channels Values per position.
    function _applyPost(
        bytes memory config,
        address[] calldata pages,
        int256[] memory output,
        uint256 frac,
        uint256 bits,
        uint256 channels
    ) internal view {
        if (config.length <= SPATIAL_CONFIG_BYTES) return;
        bytes memory tail;
        assembly ("memory-safe") {
            // Equivalent to `tail = config[SPATIAL_CONFIG_BYTES:]` in place: the word before the
            // tail (the base config's last, decoded already) becomes its length.
            tail := add(config, SPATIAL_CONFIG_BYTES)
            mstore(tail, sub(mload(config), SPATIAL_CONFIG_BYTES))
        }
        Post memory post = abi.decode(tail, (Post));
        Elementwise.Relu memory relu = Elementwise.rectifier(post.relu != 0, post.threshold, post.hasMax != 0, post.maxValue);
        if (post.scale.size != 0) {
            Elementwise.Affine memory map;
            map.scales = _readPlain(pages, post.scale, bits, channels);
            map.offsets = _readRescaled(pages, post.offset, bits, channels, int256(frac), 0);
            (map.scaleFrac, map.frac) = (post.scale.fracBits, frac);
            Elementwise.affineInPlace(output, map, relu); // and the ReLU, in the same pass
        } else {
            Elementwise.reluInPlace(output, relu);
        }
    }

    /// @notice `output[i] = rescale(output[i], from, to) + bias[i % bias.length]`, in place.
    ///         Requires `output.length` to be a multiple of `bias.length` (one bias per channel).
    /// @param output Values fixed point 2^-from, rescaled in place to 2^-to.
    /// @param from   Their frac bits.
    /// @param to     The frac bits to rescale to.
    /// @param bias   One value per channel, fixed point 2^-to.
    /// @dev Equivalent to `FixedMath.rescaleInt(v, from, to) + bias[j]` (left shift, or
    ///      `(v + 2^(d-1)) >> d` rounding half up; 0 past d = 254), with the bias addition
    ///      checked (Panic 0x11 on overflow, as Solidity's checked `+`). `v + 2^(d-1)` cannot
    ///      overflow: every exact sum is below 2^254 in magnitude (see `_swar`).
    function _rescaleAddBias(int256[] memory output, int256 from, int256 to, int256[] memory bias) internal pure {
        assembly ("memory-safe") {
            // One formula for every case, `v = ((v << up) + half) >> d` (arithmetic shift):
            // up = to - from, d = half = 0 (from <= to); or up = 0, d = from - to, half = 2^(d-1);
            // or past d = 254, up = 256 (every v becomes 0) and d = half = 0.
            let up := 0
            let d := 0
            let half := 0
            switch sgt(from, to)
            case 0 { up := sub(to, from) }
            default {
                d := sub(from, to)
                half := shl(sub(d, 1), 1)
                if gt(d, 254) {
                    up := 256
                    d := 0
                    half := 0
                }
            }
            let p := add(output, 0x20)
            let end := add(p, shl(5, mload(output)))
            let first := add(bias, 0x20)
            let last := add(first, shl(5, mload(bias)))
            // One run of bias.length outputs (a position's channels) per round.
            for {} lt(p, end) {} {
                for { let q := first } lt(q, last) { q := add(q, 0x20) } {
                    let v := sar(d, add(shl(up, mload(p)), half))
                    let c := mload(q)
                    let r := add(v, c)
                    // Signed overflow iff (r < v) differs from (c < 0).
                    if iszero(eq(slt(r, v), slt(c, 0))) {
                        mstore(0, shl(224, 0x4e487b71)) // Panic(uint256)
                        mstore(4, 0x11) // arithmetic overflow
                        revert(0, 0x24)
                    }
                    mstore(p, r)
                    p := add(p, 0x20)
                }
            }
        }
    }
}
