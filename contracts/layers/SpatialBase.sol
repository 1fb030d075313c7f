// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./LayerBase.sol";
import {FixedMath} from "../lib/Fixed.sol";
import {Activations} from "../lib/Activations.sol";

/// @title SpatialBase
/// @notice What the spatial layers share: window clipping, activation bounds, the SWAR kernel of
///         the convolutions, and bias + rescale + activation over channels-last outputs.
/// @dev SWAR with pre-expanded weights. A blocked weight word holds E = 256/L offset-binary lanes
///      u = q + 2^(L-1). Once per block, each word is expanded into G = S/L words ("groups"):
///      group g holds the signed lanes g, g + G, g + 2G, ... (lane 0 = least significant), each
///      at the bottom of its own S-bit slot: `expanded_g = ((w >> gL) & M) - C` (mod 2^256),
///      M = 2^L - 1 and C = 2^(L-1) in every slot. Then for every output position one MUL
///      `x * expanded_g` adds `x * q` to 256/S outputs at once. An accumulator
///      `a = sum_n S_n 2^(nS) (mod 2^256)` yields every slot sum S_n exactly (sign-extend the
///      lowest slot, subtract, shift) as long as each |S_n| < 2^(S-1): see `_swar`.
abstract contract SpatialBase is LayerBase {
    /// @notice How the SWAR kernel packs the lanes of a weight word (see the contract notes).
    struct Swar {
        uint256 slotBits; // S: 64, 128 or 256
        uint256 groups; // G = S / L expanded words per weight word
        uint256 groupShift; // log2(G): expanded offset = row offset << groupShift
        uint256 passes; // G / 4 passes of 4 accumulators
    }

    /// @notice One position's dot products: accumulators, pointers, and where the sums go.
    struct Run {
        uint256 a0; // 0x00: accumulators of the pass's 4 groups
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
        uint256 filters; // 0x1a0: filters of the layer (lanes past it are padding)
    }

    /// @notice The kernel at `offset` has `actual` stored bytes; the layer's shape needs `expected`.
    error KernelSizeMismatch(uint256 offset, uint256 expected, uint256 actual);
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

    /// @dev The largest |x| of a tensor (type(int256).min counts as 2^255, which no limit admits).
    function _maxAbs(int256[] calldata x) internal pure returns (uint256 peak) {
        // Equivalent to `for each v in x: peak = max(peak, |v|)`; -min wraps to min = 2^255 unsigned.
        assembly ("memory-safe") {
            let end := add(x.offset, shl(5, x.length))
            for { let p := x.offset } lt(p, end) { p := add(p, 0x20) } {
                let v := calldataload(p)
                if slt(v, 0) { v := sub(0, v) }
                if gt(v, peak) { peak := v }
            }
        }
    }

    /// @notice Picks the narrowest SWAR slot in which every sum over `rows` rows stays exact.
    /// @dev A slot sums S = sum x q over at most `rows` rows with |q| <= 2^(L-1), so
    ///      |S| <= rows * maxAbs * 2^(L-1); exact while that is at most 2^(S-1) - 1. Slots of
    ///      4L bits or more give 4 groups per pass; int32 in 64-bit slots has 2 groups, and the
    ///      kernel uses its 4 accumulators for two rows at a time instead.
    function _swar(uint256 weightBits, uint256 maxAbs, uint256 rows) internal pure returns (Swar memory s) {
        if (weightBits != 8 && weightBits != 16 && weightBits != 32) revert UnsupportedWeightBits(weightBits);
        uint256 limit;
        // int32 may take 64-bit slots (2 groups: the kernel pairs rows, see `_accumulate`).
        for (uint256 slot = 64; slot <= 256; slot *= 2) {
            // 256-bit slots stop at 2^254 so that rounding `S + 2^(d-1)` cannot overflow either.
            limit = ((slot == 256 ? 1 << 254 : 1 << (slot - 1)) - 1) / (1 << (weightBits - 1)) / (rows == 0 ? 1 : rows);
            if (maxAbs <= limit) {
                s.slotBits = slot;
                s.groups = slot / weightBits;
                while ((1 << s.groupShift) < s.groups) ++s.groupShift;
                s.passes = s.groups < 4 ? 1 : s.groups / 4;
                return s;
            }
        }
        revert ActivationsTooLarge(maxAbs, limit);
    }

    /// @notice Expands a block of `rows` blocked words at `raw` into `rows * G` signed-lane words
    ///         at `expanded` (see the contract notes).
    function _expand(uint256 raw, uint256 expanded, uint256 rows, Swar memory s, uint256 weightBits) internal pure {
        uint256 slot = s.slotBits;
        uint256 groups = s.groups;
        // Equivalent to: for row r, group g: expanded[r G + g] = sum over slots n of
        // (q of lane n G + g) << (n S), i.e. the signed lanes each at the bottom of a slot.
        assembly ("memory-safe") {
            let mask := 0 // 2^L - 1 at the bottom of every slot
            let half := 0 // 2^(L-1) at the bottom of every slot (the offset-binary zero)
            for { let at := 0 } lt(at, 256) { at := add(at, slot) } {
                mask := or(mask, shl(at, sub(shl(weightBits, 1), 1)))
                half := or(half, shl(at, shl(sub(weightBits, 1), 1)))
            }
            let end := add(raw, shl(5, rows))
            for {} lt(raw, end) { raw := add(raw, 0x20) } {
                let w := mload(raw)
                for { let g := 0 } lt(g, groups) { g := add(g, 1) } {
                    // u - 2^(L-1) per slot; borrows between slots are exactly the signed digits.
                    mstore(expanded, sub(and(shr(mul(g, weightBits), w), mask), half))
                    expanded := add(expanded, 0x20)
                }
            }
        }
    }

    /// @notice One pass over the `count` runs of a position (groups 4 pass .. 4 pass + 3), then
    ///         writes their exact sums `sum x q` to the position's outputs (`run.outputRow`).
    /// @param xStart calldata offset of the first run's first input value.
    /// @param wStart memory address of the first run's first expanded word of group 4 pass.
    function _accumulate(Run memory run, Swar memory s, uint256 xStart, uint256 wStart, uint256 count, uint256 pass)
        internal
        pure
    {
        // Equivalent to: for each group g of the pass, a_g = sum over the window's rows r of
        // x[r] * expanded[r G + g] (mod 2^256); then slot n of a_g is the exact sum of lane n G + g.
        assembly ("memory-safe") {
            function dot(xp, wp, n, step, acc) {
                let a0 := mload(acc)
                let a1 := mload(add(acc, 0x20))
                let a2 := mload(add(acc, 0x40))
                let a3 := mload(add(acc, 0x60))
                // Two input values and their rows' G expanded words (step = 32 G bytes) per round.
                let end := add(xp, n)
                for {} lt(add(xp, 0x20), end) {
                    xp := add(xp, 0x40)
                    wp := add(wp, shl(1, step))
                } {
                    let x := calldataload(xp)
                    a0 := add(a0, mul(x, mload(wp)))
                    a1 := add(a1, mul(x, mload(add(wp, 0x20))))
                    a2 := add(a2, mul(x, mload(add(wp, 0x40))))
                    a3 := add(a3, mul(x, mload(add(wp, 0x60))))
                    x := calldataload(add(xp, 0x20))
                    let w := add(wp, step)
                    a0 := add(a0, mul(x, mload(w)))
                    a1 := add(a1, mul(x, mload(add(w, 0x20))))
                    a2 := add(a2, mul(x, mload(add(w, 0x40))))
                    a3 := add(a3, mul(x, mload(add(w, 0x60))))
                }
                if lt(xp, end) {
                    // The odd last row.
                    let x := calldataload(xp)
                    a0 := add(a0, mul(x, mload(wp)))
                    a1 := add(a1, mul(x, mload(add(wp, 0x20))))
                    a2 := add(a2, mul(x, mload(add(wp, 0x40))))
                    a3 := add(a3, mul(x, mload(add(wp, 0x60))))
                }
                mstore(acc, a0)
                mstore(add(acc, 0x20), a1)
                mstore(add(acc, 0x40), a2)
                mstore(add(acc, 0x60), a3)
            }
            // Two groups (int32 in 64-bit slots): the 4 words of a row pair, each with its x.
            function dot2(xp, wp, n, acc) {
                let a0 := mload(acc)
                let a1 := mload(add(acc, 0x20))
                let a2 := mload(add(acc, 0x40))
                let a3 := mload(add(acc, 0x60))
                let end := add(xp, n)
                for {} lt(add(xp, 0x20), end) {
                    xp := add(xp, 0x40)
                    wp := add(wp, 0x80)
                } {
                    let x := calldataload(xp)
                    a0 := add(a0, mul(x, mload(wp)))
                    a1 := add(a1, mul(x, mload(add(wp, 0x20))))
                    x := calldataload(add(xp, 0x20))
                    a2 := add(a2, mul(x, mload(add(wp, 0x40))))
                    a3 := add(a3, mul(x, mload(add(wp, 0x60))))
                }
                if lt(xp, end) {
                    // The odd last row.
                    let x := calldataload(xp)
                    a0 := add(a0, mul(x, mload(wp)))
                    a1 := add(a1, mul(x, mload(add(wp, 0x20))))
                }
                mstore(acc, a0)
                mstore(add(acc, 0x20), a1)
                mstore(add(acc, 0x40), a2)
                mstore(add(acc, 0x60), a3)
            }
            mstore(run, 0)
            mstore(add(run, 0x20), 0)
            mstore(add(run, 0x40), 0)
            mstore(add(run, 0x60), 0)
            {
                let n := mload(add(run, 0x80))
                let step := shl(add(5, mload(add(s, 0x40))), 1) // 32 G: expanded bytes per row
                let paired := lt(mload(add(s, 0x20)), 4) // s.groups == 2
                for { let k := 0 } lt(k, count) { k := add(k, 1) } {
                    switch paired
                    case 0 { dot(xStart, wStart, n, step, run) }
                    default { dot2(xStart, wStart, n, run) }
                    xStart := add(xStart, mload(add(run, 0x100))) // next image row
                    wStart := add(wStart, mload(add(run, 0x120))) // next kernel row
                }
                if paired {
                    // Even and odd rows summed apart: group 0 = a0 + a2, group 1 = a1 + a3
                    // (mod 2^256, still exact slot by slot).
                    mstore(run, add(mload(run), mload(add(run, 0x40))))
                    mstore(add(run, 0x20), add(mload(add(run, 0x20)), mload(add(run, 0x60))))
                }
            }
        }
        _scatter(run, s, pass);
    }

    /// @notice Writes the pass's exact sums from the accumulators to the position's outputs.
    function _scatter(Run memory run, Swar memory s, uint256 pass) internal pure {
        assembly ("memory-safe") {
            // Scatter: accumulator t, slot n is lane n G + 4 pass + t (from the least significant
            // end), i.e. filter first + E - 1 - lane (a word's first output is its top lane).
            let slot := mload(s) // s.slotBits
            let signByte := sub(shr(3, slot), 1) // signextend's byte index of a slot's sign bit
            let last := add(mload(add(run, 0x180)), sub(shl(mload(add(s, 0x40)), div(256, slot)), 1)) // first + E - 1
            let row := mload(add(run, 0x160))
            let filters := mload(add(run, 0x1a0))
            let accumulators := mload(add(s, 0x20)) // groups in this pass: min(G, 4)
            if gt(accumulators, 4) { accumulators := 4 }
            for { let t := 0 } lt(t, accumulators) { t := add(t, 1) } {
                let a := mload(add(run, shl(5, t)))
                // Filter of lane n G + 4 pass + t: last - lane; lanes step by G = s.groups.
                for { let f := sub(last, add(shl(2, pass), t)) } 1 {} {
                    let v := signextend(signByte, a)
                    a := sar(slot, sub(a, v)) // drop the slot: exact, it was the lowest
                    if lt(f, filters) { mstore(add(row, shl(5, f)), v) }
                    let g := mload(add(s, 0x20))
                    if lt(sub(f, mload(add(run, 0x180))), g) { break }
                    f := sub(f, g)
                }
            }
        }
    }

    /// @notice Turns exact sums `sum x q` (2^-(F + kernelFrac)) into the layer's output, in place:
    ///         `activation(rescale(sum, F + kernelFrac, F) + rescale(bias, biasFrac, F))`.
    /// @param channels Output channels: the bias repeats every `channels` values, softmax runs
    ///        over each run of `channels`.
    function _finishSums(
        address[] calldata pages,
        int256[] memory output,
        uint256 frac,
        uint256 weightBits,
        int256 kernelFrac,
        WeightTensor memory bias,
        uint256 channels,
        uint256 activation
    ) internal view {
        int256 f = int256(frac);
        int256[] memory b = new int256[](channels);
        if (bias.size != 0) {
            b = _readPlain(pages, bias, weightBits, channels);
            for (uint256 j = 0; j < channels; ++j) {
                b[j] = FixedMath.rescaleInt(b[j], bias.fracBits, f);
            }
        }
        _rescaleAddBias(output, f + kernelFrac, f, b);
        Activations.activate(output, activation, frac, channels);
    }

    /// @notice `output[i] = rescale(output[i], from, to) + bias[i % bias.length]`, in place.
    /// @dev Equivalent to `FixedMath.rescaleInt(v, from, to) + bias[j]` (left shift, or
    ///      `(v + 2^(d-1)) >> d` rounding half up; 0 past d = 254), with the bias addition
    ///      checked (Panic 0x11 on overflow, as Solidity's checked `+`). `v + 2^(d-1)` cannot
    ///      overflow: every exact sum is below 2^254 in magnitude (see `_swar`).
    function _rescaleAddBias(int256[] memory output, int256 from, int256 to, int256[] memory bias) internal pure {
        assembly ("memory-safe") {
            let up := 0 // left shift (from <= to)
            let d := 0 // right shift (from > to)
            if sgt(from, to) { d := sub(from, to) }
            if iszero(d) { up := sub(to, from) }
            let half := 0
            if d { half := shl(sub(d, 1), 1) }
            let p := add(output, 0x20)
            let end := add(p, shl(5, mload(output)))
            let first := add(bias, 0x20)
            let last := add(first, shl(5, mload(bias)))
            let q := first
            for {} lt(p, end) { p := add(p, 0x20) } {
                let v := mload(p)
                switch gt(d, 254)
                case 1 { v := 0 }
                default {
                    switch d
                    case 0 { v := shl(up, v) }
                    default { v := sar(d, add(v, half)) }
                }
                let c := mload(q)
                let r := add(v, c)
                // Signed overflow iff (r < v) differs from (c < 0).
                if iszero(eq(slt(r, v), slt(c, 0))) {
                    mstore(0, shl(224, 0x4e487b71)) // Panic(uint256)
                    mstore(4, 0x11) // arithmetic overflow
                    revert(0, 0x24)
                }
                mstore(p, r)
                q := add(q, 0x20)
                if eq(q, last) { q := first }
            }
        }
    }
}
