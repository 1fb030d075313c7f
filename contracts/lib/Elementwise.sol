// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LibBit} from "solady/src/utils/LibBit.sol";
import {FixedMath} from "./FixedMath.sol";

/// @title Elementwise
/// @notice The loops of the elementwise layers (ReLU, LeakyReLU, Activation, Rescaling,
///         BatchNormalization), from a calldata tensor into a memory one, bit for bit the
///         arithmetic of docs/FORMAT.md.
/// @dev A product `rescale(x * s, F + sFrac, F) (+ o)` runs unchecked in one `mul`, `add`, `sar`
///      while every `|x|` is below a bound under which nothing can overflow (`_plan`); the bound
///      is checked once for the whole range (each `x + 2^k` OR-ed together: all `x` are in
///      `[-2^k, 2^k)` iff the result is below `2^(k+1)`). A range that breaks it, or a constant
///      out of the plan's reach, runs the checked reference loop instead, so results and reverts
///      are those of the checked arithmetic for any input.
library Elementwise {
    /// @dev How a product `x * s`, rescaled from `F + sFrac` to `F` bits, runs unchecked:
    ///      `sar(down, x * mult + half)` for `x` in `[-2^bound, 2^bound)`.
    struct Plan {
        bool fast; // false: run the checked reference
        uint256 up; // left shift folded into the multipliers (sFrac < 0)
        uint256 down; // right shift after the product (sFrac > 0), rounding half up
        int256 half; // 2^(down-1), or 0
        uint256 bound; // log2 of the largest |x| (exclusive) the unchecked loop takes
    }

    /// @notice The constants of `affine`.
    struct Affine {
        int256[] scales; // per channel, the multiplier, fixed point 2^-scaleFrac
        int256[] offsets; // per channel, the offset, fixed point 2^-frac
        int256 scaleFrac; // the multipliers' frac bits
        uint256 frac; // F
    }

    /// @notice A ReLU without a negative slope, fused after another layer's arithmetic
    ///         (`reluInPlace`, `affineInPlace`): `y = x > above ? x : 0`, then `min(y, maxValue)`
    ///         in mode 2. Built from a ReLU layer's constants by `rectifier`.
    struct Relu {
        uint256 mode; // 0x00: 0 none, 1 a ReLU, 2 a ReLU and its cap
        int256 above; // 0x20: the threshold, at least 0
        int256 maxValue; // 0x40: the cap (mode 2)
    }

    /// @notice The `Relu` of a ReLU layer's constants (no negative slope): `above` = max(threshold,
    ///         0), as `relu` takes it; mode 0 when `on` is false.
    /// @param on        Whether there is a ReLU.
    /// @param threshold Its threshold, fixed point 2^-F (any sign).
    /// @param hasMax    Whether it caps its output.
    /// @param maxValue  The cap, fixed point 2^-F.
    /// @return r The ReLU, or none.
    function rectifier(bool on, int256 threshold, bool hasMax, int256 maxValue) internal pure returns (Relu memory r) {
        if (on) r = Relu(hasMax ? 2 : 1, threshold > 0 ? threshold : int256(0), maxValue);
    }

    /// @dev One pass of `affine`'s unchecked loop over a range: calldata offsets up to `end`,
    ///      `stride` bytes apart (a channel's values), the output of the value at offset p at
    ///      memory p + delta (modulo 2^256), and the plan's shift and bound.
    struct Run {
        uint256 end;
        uint256 stride;
        uint256 delta;
        uint256 down;
        uint256 bound;
    }

    /// @notice `max(x, 0)`-style ReLU without a negative slope: `y = x > above ? x : 0`, then
    ///         `min(y, maxValue)` if `hasMax`; cannot overflow.
    /// @dev With `above = max(threshold, 0)` this is Keras ReLU's `max(x > t ? x : 0, 0)`.
    /// @param src      Calldata offset of the first input value.
    /// @param dst      Memory address of the first output value.
    /// @param count    How many values.
    /// @param above    Values not above it give 0 (fixed point 2^-F).
    /// @param hasMax   Whether to cap at `maxValue`.
    /// @param maxValue The cap (fixed point 2^-F).
    function relu(uint256 src, uint256 dst, uint256 count, int256 above, bool hasMax, int256 maxValue) internal pure {
        if (hasMax) return _reluCapped(src, dst, count, above, maxValue);
        // Equivalent to: for i < count: x = x_i; out_i = x > above ? x : 0. Unrolled by 4.
        assembly ("memory-safe") {
            let end := add(src, shl(5, count))
            let delta := sub(dst, src) // out_i lives at (calldata offset of x_i) + delta
            let end4 := sub(end, and(shl(5, count), 0x60)) // whole groups of 4
            for {} lt(src, end4) { src := add(src, 0x80) } {
                let x := calldataload(src)
                mstore(add(src, delta), mul(x, sgt(x, above)))
                x := calldataload(add(src, 0x20))
                mstore(add(src, add(delta, 0x20)), mul(x, sgt(x, above)))
                x := calldataload(add(src, 0x40))
                mstore(add(src, add(delta, 0x40)), mul(x, sgt(x, above)))
                x := calldataload(add(src, 0x60))
                mstore(add(src, add(delta, 0x60)), mul(x, sgt(x, above)))
            }
            for {} lt(src, end) { src := add(src, 0x20) } {
                let x := calldataload(src)
                mstore(add(src, delta), mul(x, sgt(x, above)))
            }
        }
    }

    /// @dev `relu` with a cap: `y = x > above ? x : 0; out = y > maxValue ? maxValue : y`.
    function _reluCapped(uint256 src, uint256 dst, uint256 count, int256 above, int256 maxValue) private pure {
        // Equivalent to: for i < count: y = x_i > above ? x_i : 0; out_i = min(y, maxValue), the
        // min as `y ^ ((y ^ max) * (y > max))`. Unrolled by 4.
        assembly ("memory-safe") {
            let end := add(src, shl(5, count))
            let delta := sub(dst, src) // out_i lives at (calldata offset of x_i) + delta
            let end4 := sub(end, and(shl(5, count), 0x60)) // whole groups of 4
            for {} lt(src, end4) { src := add(src, 0x80) } {
                let y := calldataload(src)
                y := mul(y, sgt(y, above))
                mstore(add(src, delta), xor(y, mul(xor(y, maxValue), sgt(y, maxValue))))
                y := calldataload(add(src, 0x20))
                y := mul(y, sgt(y, above))
                mstore(add(src, add(delta, 0x20)), xor(y, mul(xor(y, maxValue), sgt(y, maxValue))))
                y := calldataload(add(src, 0x40))
                y := mul(y, sgt(y, above))
                mstore(add(src, add(delta, 0x40)), xor(y, mul(xor(y, maxValue), sgt(y, maxValue))))
                y := calldataload(add(src, 0x60))
                y := mul(y, sgt(y, above))
                mstore(add(src, add(delta, 0x60)), xor(y, mul(xor(y, maxValue), sgt(y, maxValue))))
            }
            for {} lt(src, end) { src := add(src, 0x20) } {
                let y := calldataload(src)
                y := mul(y, sgt(y, above))
                mstore(add(src, delta), xor(y, mul(xor(y, maxValue), sgt(y, maxValue))))
            }
        }
    }

    /// @notice LeakyReLU: `x` if `x >= 0`, else `rescale(x * q, F + qFrac, F)` (round half up).
    /// @param src   Calldata offset of the first input value.
    /// @param dst   Memory address of the first output value.
    /// @param count How many values.
    /// @param q     The slope's multiplier: the slope is `q * 2^-qFrac`.
    /// @param qFrac The multiplier's frac bits.
    /// @param frac  F.
    function leakyRelu(uint256 src, uint256 dst, uint256 count, int256 q, int256 qFrac, uint256 frac) internal pure {
        int256[] memory slope = new int256[](1);
        slope[0] = q;
        Plan memory plan = _plan(_magnitudeBits(slope), qFrac, frac);
        bool fits;
        if (plan.fast) {
            unchecked {
                // Calldata offsets and memory addresses: far from 2^256; the difference may wrap,
                // it is only ever added back modulo 2^256.
                fits = _leakyLoop(src, src + count * 32, dst - src, q << plan.up, plan);
            }
        }
        if (!fits) {
            for (uint256 i; i < count; ++i) {
                int256 x = _at(src, i);
                _put(dst, i, x < 0 ? FixedMath.rescaleInt(x * q, int256(frac) + qFrac, int256(frac)) : x);
            }
        }
    }

    /// @dev The unchecked loop of `leakyRelu`: `out_i = x_i < 0 ? sar(down, x_i * mult + half) : x_i`,
    ///      whether every negative `x_i` was inside the plan's bound. Unrolled by 4.
    function _leakyLoop(uint256 src, uint256 end, uint256 delta, int256 mult, Plan memory plan)
        private
        pure
        returns (bool fits)
    {
        (uint256 down, int256 half) = (plan.down, plan.half);
        uint256 offset = 1 << plan.bound;
        uint256 seen;
        // Equivalent to: for x at src, src + 32, ... < end: out = x < 0 ? (x * mult + half) >> down : x
        // at (x's offset) + delta; seen |= x + 2^bound for every negative x.
        assembly ("memory-safe") {
            let end4 := sub(end, and(sub(end, src), 0x60)) // whole groups of 4
            for {} lt(src, end4) { src := add(src, 0x80) } {
                let x := calldataload(src)
                if slt(x, 0) {
                    seen := or(seen, add(x, offset))
                    x := sar(down, add(mul(x, mult), half))
                }
                mstore(add(src, delta), x)
                x := calldataload(add(src, 0x20))
                if slt(x, 0) {
                    seen := or(seen, add(x, offset))
                    x := sar(down, add(mul(x, mult), half))
                }
                mstore(add(src, add(delta, 0x20)), x)
                x := calldataload(add(src, 0x40))
                if slt(x, 0) {
                    seen := or(seen, add(x, offset))
                    x := sar(down, add(mul(x, mult), half))
                }
                mstore(add(src, add(delta, 0x40)), x)
                x := calldataload(add(src, 0x60))
                if slt(x, 0) {
                    seen := or(seen, add(x, offset))
                    x := sar(down, add(mul(x, mult), half))
                }
                mstore(add(src, add(delta, 0x60)), x)
            }
            for {} lt(src, end) { src := add(src, 0x20) } {
                let x := calldataload(src)
                if slt(x, 0) {
                    seen := or(seen, add(x, offset))
                    x := sar(down, add(mul(x, mult), half))
                }
                mstore(add(src, delta), x)
            }
        }
        fits = seen >> (plan.bound + 1) == 0;
    }

    /// @notice Per-channel affine map (BatchNormalization; Rescaling with one channel): element i
    ///         of the tensor, channel `c = i % channels`, gives
    ///         `rescale(x_i * map.scales[c], F + map.scaleFrac, F) + map.offsets[c]`, checked.
    /// @dev Loops channel by channel, so a channel's constants stay on the stack.
    /// @param src  Calldata offset of the tensor's first value (element 0, not `from`).
    /// @param dst  Memory address of the first output value (element `from`).
    /// @param from First element to compute.
    /// @param to   One past the last.
    /// @param map  The per-channel constants.
    function affine(uint256 src, uint256 dst, uint256 from, uint256 to, Affine memory map) internal pure {
        int256 productFrac = int256(map.frac) + map.scaleFrac; // checked, as the reference always did
        (Plan memory plan, bool fits) = _affinePlan(map);
        if (fits) {
            Run memory run;
            uint256 channels = map.scales.length;
            unchecked {
                // Calldata and memory positions: far from 2^256; `delta` may wrap, it is only
                // ever added back modulo 2^256.
                (run.end, run.stride, run.delta) = (src + to * 32, channels * 32, dst - src - from * 32);
            }
            (run.down, run.bound) = (plan.down, plan.bound);
            fits = _affineLoop(src, from, _fold(map, plan), run);
        }
        if (!fits) _affineChecked(src, dst, from, to, map, productFrac);
    }

    /// @dev The unchecked loop's constants, per channel c the pair `table[2c] = scales[c] << up`,
    ///      `table[2c + 1] = half + (offsets[c] << down)` (no overflow within the plan).
    function _fold(Affine memory map, Plan memory plan) private pure returns (uint256 table) {
        int256[] memory scales = map.scales;
        int256[] memory offsets = map.offsets;
        (uint256 up, uint256 down, int256 half) = (plan.up, plan.down, plan.half);
        // Equivalent to the loop above, into fresh memory.
        assembly ("memory-safe") {
            table := mload(0x40)
            let count := mload(scales)
            mstore(0x40, add(table, shl(6, count)))
            for { let c := 0 } lt(c, count) { c := add(c, 1) } {
                let at := shl(5, add(c, 1))
                mstore(add(table, shl(6, c)), shl(up, mload(add(scales, at))))
                mstore(add(table, add(shl(6, c), 0x20)), add(half, shl(down, mload(add(offsets, at)))))
            }
        }
    }

    /// @dev The unchecked loop of `affine`, channel by channel: `out_i = sar(down, x_i * mult_c +
    ///      add_c)` (the offset folded in: `((v + h) >> d) + o == (v + h + (o << d)) >> d`),
    ///      whether every `x_i` was inside the plan's bound.
    function _affineLoop(uint256 src, uint256 from, uint256 table, Run memory run) private pure returns (bool fits) {
        uint256 seen;
        unchecked {
            // Calldata offsets and memory addresses: far from 2^256. Element from + j (j below the
            // channel count and inside the range) starts the run of channel (from + j) % channels.
            uint256 channels = run.stride / 32;
            uint256 runs = (run.end - src) / 32 - from; // values in the range
            if (runs > channels) runs = channels;
            uint256 tableEnd = table + channels * 64;
            uint256 pair = table + (from % channels) * 64;
            for (uint256 j; j < runs; ++j) {
                seen |= _affineRun(src + (from + j) * 32, pair, run);
                pair += 64;
                if (pair == tableEnd) pair = table;
            }
        }
        fits = seen >> (run.bound + 1) == 0;
    }

    /// @dev One channel of `_affineLoop`, from calldata offset `p`: returns every `x + 2^bound`
    ///      OR-ed together. Unrolled by 4.
    function _affineRun(uint256 p, uint256 pair, Run memory run) private pure returns (uint256 seen) {
        // Equivalent to: for each x at p, p + stride, ... < end: out = (x * mult + addend) >> down,
        // (mult, addend) the two words at `pair`.
        assembly ("memory-safe") {
            let mult := mload(pair)
            let addend := mload(add(pair, 0x20))
            let end := mload(run)
            let stride := mload(add(run, 0x20))
            let delta := mload(add(run, 0x40))
            let down := mload(add(run, 0x60))
            let offset := shl(mload(add(run, 0x80)), 1) // 2^bound
            // `count` values at p, p + stride, ... < end; the groups of 4 end at p + (count - count % 4)
            // stride (counted up from p: `end` less a few strides could wrap below zero when p is
            // the first value of a window in calldata, `forwardWindow`).
            let count := 0
            if lt(p, end) { count := div(add(sub(end, p), sub(stride, 1)), stride) }
            let end4 := add(p, mul(sub(count, and(count, 3)), stride))
            for {} lt(p, end4) { p := add(p, shl(2, stride)) } {
                let x := calldataload(p)
                seen := or(seen, add(x, offset))
                mstore(add(p, delta), sar(down, add(mul(x, mult), addend)))
                let q := add(p, stride)
                x := calldataload(q)
                seen := or(seen, add(x, offset))
                mstore(add(q, delta), sar(down, add(mul(x, mult), addend)))
                q := add(q, stride)
                x := calldataload(q)
                seen := or(seen, add(x, offset))
                mstore(add(q, delta), sar(down, add(mul(x, mult), addend)))
                q := add(q, stride)
                x := calldataload(q)
                seen := or(seen, add(x, offset))
                mstore(add(q, delta), sar(down, add(mul(x, mult), addend)))
            }
            for {} lt(p, end) { p := add(p, stride) } {
                let x := calldataload(p)
                seen := or(seen, add(x, offset))
                mstore(add(p, delta), sar(down, add(mul(x, mult), addend)))
            }
        }
    }

    /// @dev The checked reference of `affine` (the arithmetic of docs/FORMAT.md, reverting on
    ///      any int256 overflow), for inputs or constants outside the plan.
    function _affineChecked(uint256 src, uint256 dst, uint256 from, uint256 to, Affine memory map, int256 productFrac)
        private
        pure
    {
        for (uint256 i = from; i < to; ++i) {
            _put(dst, i - from, _affineOne(_at(src, i), i % map.scales.length, map, productFrac));
        }
    }

    /// @notice `affine` in place, on values in memory (a layer's own output, a fused epilogue):
    ///         `values[i] = rescale(values[i] * map.scales[c], F + map.scaleFrac, F) + map.offsets[c]`,
    ///         `c = i % channels`, checked; then the ReLU `fused` (mode 0: none). The same integers as
    ///         `affine` then `reluInPlace` on the same values, in one pass when the unchecked plan fits.
    /// @param values Whole runs of `channels` values (element 0 is channel 0), replaced by the result.
    /// @param map    The per-channel constants.
    /// @param fused  The ReLU after it (mode 0: none).
    function affineInPlace(int256[] memory values, Affine memory map, Relu memory fused) internal pure {
        int256 productFrac = int256(map.frac) + map.scaleFrac; // checked, as `affine`
        (Plan memory plan, bool fits) = _affinePlan(map);
        if (fits) {
            // The unchecked pass writes only once every value is known to be inside the plan's
            // bound: a value outside it leaves `values` untouched for the checked pass.
            fits = _magnitudeBits(values) < plan.bound + 1;
            if (fits) return _affineMemory(values, _fold(map, plan), map.scales.length, plan.down, fused);
        }
        for (uint256 i; i < values.length; ++i) {
            values[i] = _affineOne(values[i], i % map.scales.length, map, productFrac);
        }
        reluInPlace(values, fused);
    }

    /// @dev The plan of `affine`'s unchecked loop for `map`, and whether it may run at all:
    ///      |offset| <= 2^bits and bits + down <= 251 keep |offset << down| below 2^252.
    function _affinePlan(Affine memory map) private pure returns (Plan memory plan, bool fast) {
        plan = _plan(_magnitudeBits(map.scales), map.scaleFrac, map.frac);
        fast = plan.fast && _magnitudeBits(map.offsets) + plan.down <= 251;
    }

    /// @dev The checked reference of `affine` for one value `x` of channel `c`.
    function _affineOne(int256 x, uint256 c, Affine memory map, int256 productFrac) private pure returns (int256) {
        return FixedMath.rescaleInt(x * map.scales[c], productFrac, int256(map.frac)) + map.offsets[c];
    }

    /// @dev `values[i] = sar(down, values[i] * mult_c + add_c)` with `(mult_c, add_c)` the pair
    ///      at `table + 64 c` (`_fold`), `c = i % channels`: every value inside the plan's bound;
    ///      then the ReLU `fused` on it in the same pass.
    function _affineMemory(int256[] memory values, uint256 table, uint256 channels, uint256 down, Relu memory fused)
        private
        pure
    {
        // Equivalent to: for c < channels: for i = c, c + channels, ...: v = (v * mult_c + add_c) >> down,
        // then (mode 1, 2) v = v > above ? v : 0, then (mode 2) v = min(v, maxValue).
        assembly ("memory-safe") {
            let first := add(values, 0x20)
            let end := add(first, shl(5, mload(values)))
            let stride := shl(5, channels)
            let mode := mload(fused)
            let above := mload(add(fused, 0x20))
            for { let c := 0 } lt(c, channels) { c := add(c, 1) } {
                let mult := mload(add(table, shl(6, c)))
                let addend := mload(add(table, add(shl(6, c), 0x20)))
                let p := add(first, shl(5, c))
                switch mode
                case 0 {
                    for {} lt(p, end) { p := add(p, stride) } { mstore(p, sar(down, add(mul(mload(p), mult), addend))) }
                }
                case 1 {
                    for {} lt(p, end) { p := add(p, stride) } {
                        let y := sar(down, add(mul(mload(p), mult), addend))
                        mstore(p, mul(y, sgt(y, above)))
                    }
                }
                default {
                    let cap := mload(add(fused, 0x40))
                    for {} lt(p, end) { p := add(p, stride) } {
                        let y := sar(down, add(mul(mload(p), mult), addend))
                        y := mul(y, sgt(y, above))
                        mstore(p, xor(y, mul(xor(y, cap), sgt(y, cap))))
                    }
                }
            }
        }
    }

    /// @notice `relu` in place, on values in memory: `y = x > above ? x : 0`, then
    ///         `min(y, maxValue)` in mode 2; nothing in mode 0. The same integers as `relu`.
    /// @param values Replaced by the result.
    /// @param r      The ReLU (`rectifier`).
    function reluInPlace(int256[] memory values, Relu memory r) internal pure {
        if (r.mode == 0) return;
        (int256 above, int256 maxValue) = (r.above, r.maxValue);
        bool hasMax = r.mode == 2;
        // Equivalent to `relu(values, values)`; the cap as `y ^ ((y ^ max) * (y > max))`.
        assembly ("memory-safe") {
            let p := add(values, 0x20)
            let end := add(p, shl(5, mload(values)))
            switch hasMax
            case 0 {
                for {} lt(p, end) { p := add(p, 0x20) } {
                    let x := mload(p)
                    mstore(p, mul(x, sgt(x, above)))
                }
            }
            default {
                for {} lt(p, end) { p := add(p, 0x20) } {
                    let y := mload(p)
                    y := mul(y, sgt(y, above))
                    mstore(p, xor(y, mul(xor(y, maxValue), sgt(y, maxValue))))
                }
            }
        }
    }

    /// @dev The unchecked plan of `rescale(x * s, F + sFrac, F)` for multipliers with |s| <= 2^bits:
    ///      fast only when `F + sFrac` cannot overflow (F < 2^128), the right shift is at most 254
    ///      (`rescaleInt` returns 0 past it) and the left one keeps |mult| = |s| << up <= 2^250;
    ///      then |x| < 2^bound keeps |x * mult| below 2^252.
    function _plan(uint256 bits, int256 sFrac, uint256 frac) private pure returns (Plan memory plan) {
        if (frac >= 1 << 128 || sFrac > 254 || sFrac < -250) return plan;
        if (sFrac < 0) plan.up = uint256(-sFrac);
        else plan.down = uint256(sFrac);
        if (bits + plan.up > 250) return plan;
        plan.half = plan.down == 0 ? int256(0) : int256(1 << (plan.down - 1));
        plan.bound = 252 - bits - plan.up;
        plan.fast = true;
    }

    /// @dev The least b with every value in [-2^b, 2^b) (so |value| <= 2^b): the bit length of
    ///      the values' magnitudes OR-ed together, `v ^ (v >> 255)` (|v| - 1 for a negative v).
    function _magnitudeBits(int256[] memory values) private pure returns (uint256 bits) {
        uint256 seen;
        // Equivalent to: for each v: seen |= v < 0 ? ~v : v; four values a round.
        assembly ("memory-safe") {
            let at := add(values, 0x20)
            let end := add(at, shl(5, mload(values)))
            for { let end4 := sub(end, and(shl(5, mload(values)), 0x60)) } lt(at, end4) { at := add(at, 0x80) } {
                let v := mload(at)
                let u := mload(add(at, 0x20))
                let w := mload(add(at, 0x40))
                let z := mload(add(at, 0x60))
                v := or(xor(v, sar(255, v)), xor(u, sar(255, u)))
                seen := or(seen, or(v, or(xor(w, sar(255, w)), xor(z, sar(255, z)))))
            }
            for {} lt(at, end) { at := add(at, 0x20) } {
                let v := mload(at)
                seen := or(seen, xor(v, sar(255, v)))
            }
        }
        bits = 256 - LibBit.clz(seen); // 0 for 0
    }

    /// @dev The int256 at calldata offset `src + 32 i`.
    function _at(uint256 src, uint256 i) private pure returns (int256 x) {
        assembly ("memory-safe") {
            x := calldataload(add(src, shl(5, i)))
        }
    }

    /// @dev Writes `v` at memory address `dst + 32 i`.
    function _put(uint256 dst, uint256 i, int256 v) private pure {
        assembly ("memory-safe") {
            mstore(add(dst, shl(5, i)), v)
        }
    }
}
