// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A signed binary fixed-point number. Its scale (fractional bits) travels separately:
///         activations use the graph's `activationFracBits` F, weights their own `fracBits`.
/// @dev Mirrors `python/eternal/fixedpoint.py` and `python/eternal/activations.py` bit for bit.
type Fixed is int256;

using {add as +, sub as -, neg as -, eq as ==, lt as <, gt as >, lte as <=, gte as >=} for Fixed global;
using FixedMath for Fixed global;

/// @notice `exp` of `x` (fixed point, 2^-frac scale) does not fit: `x` is above +128.
error ExpOverflow(int256 x, uint256 frac);
/// @notice The exponential supports 0..64 fractional bits; `frac` is outside.
error FracBitsUnsupported(uint256 frac);

/// @dev round(log2(e) * 2^64). The exponential's constants are file-level so that other
///      libraries' assembly (ExtendedActivations) can name them.
int256 constant LOG2E_Q64 = 26613026195688644983;
/// @dev 2^(f 2^-32) 2^252 ~= P(f) = sum c_i f^i for 0 <= f < 2^32, c_i on the scale
///      2^(252 - 32 i) (bench/fit_exp2.py): c_0 = 2^252 (e^0 = 1 exactly), every c_i > 0 (P
///      increases with f) and P(2^32 - 1) <= 2^253 (e does not step down where k steps up);
///      within a relative 2^-28.75 of 2^(f 2^-32). c_0 is the `shl(252, 1)` in the loops.
uint256 constant EXP2_C1 = 0xb172157b759d945b115cdbd6e84d5752de15c8af4d0d3ac098f62f3;
uint256 constant EXP2_C2 = 0x3d7fae6f1965c0347750e8a073ce216773c08e499c60e6d;
uint256 constant EXP2_C3 = 0xe34359d3eb1e8eb565088ab4004eb0af2b3853;
uint256 constant EXP2_C4 = 0x27a42f49c161dc87828ee442dbf4d6;
uint256 constant EXP2_C5 = 0x518857f550473d336c317;
uint256 constant EXP2_C6 = 0xe3b2ba0e45d8;

/// @notice `a + b`, checked (reverts on int256 overflow).
/// @param a Fixed point, any scale.
/// @param b On the scale of `a`.
function add(Fixed a, Fixed b) pure returns (Fixed) {
    return Fixed.wrap(Fixed.unwrap(a) + Fixed.unwrap(b));
}

/// @notice `a - b`, checked.
/// @param a Fixed point, any scale.
/// @param b On the scale of `a`.
function sub(Fixed a, Fixed b) pure returns (Fixed) {
    return Fixed.wrap(Fixed.unwrap(a) - Fixed.unwrap(b));
}

/// @notice `-a`, checked.
/// @param a Fixed point, any scale.
function neg(Fixed a) pure returns (Fixed) {
    return Fixed.wrap(-Fixed.unwrap(a));
}

function eq(Fixed a, Fixed b) pure returns (bool) {
    return Fixed.unwrap(a) == Fixed.unwrap(b);
}

function lt(Fixed a, Fixed b) pure returns (bool) {
    return Fixed.unwrap(a) < Fixed.unwrap(b);
}

function gt(Fixed a, Fixed b) pure returns (bool) {
    return Fixed.unwrap(a) > Fixed.unwrap(b);
}

function lte(Fixed a, Fixed b) pure returns (bool) {
    return Fixed.unwrap(a) <= Fixed.unwrap(b);
}

function gte(Fixed a, Fixed b) pure returns (bool) {
    return Fixed.unwrap(a) >= Fixed.unwrap(b);
}

/// @title FixedMath
/// @notice Rescaling (the format's one rounding rule: round half up), constant multipliers and
///         the exponential family used by activations.
/// @dev The exponential, as `python/eternal/activations.py` (docs/FORMAT.md): y = floor(x log2(e))
///      with 32 fractional bits, y = k 2^32 + f; 2^(f 2^-32) 2^252 ~= P(f), a degree-6 integer
///      polynomial by Horner's rule, exact (`mapInPlace`); e^x ~= P(f) 2^(k-252), floored to Q64 or
///      rounded half up to 2^-frac. Relative error <= 2^-28.6 (+ 2^-64 in Q64); sigmoid, tanh and
///      softmax round once more (half up), so they are within 2^-(frac+1) + 2^-29 of the real
///      function, and sigmoid and tanh never decrease as x grows.
library FixedMath {
    /// @dev 1.0 in Q64.
    uint256 internal constant ONE_Q64 = 1 << 64;
    /// @dev 2 * LOG2E_Q64: tanh's exponent, e^-2|x| = 2^(-|x| * 2 log2(e)).
    int256 internal constant LOG2E_Q64_TWICE = 53226052391377289966;
    /// @dev |x| bound (real) of exp: below -128 it is 0, above +128 it overflows.
    int256 internal constant EXP_LIMIT = 128;
    /// @dev Largest activation scale the exponential supports (e^128 * 2^64 < 2^255).
    uint256 internal constant MAX_FRAC = 64;
    /// @dev What `expInPlace` (`exp`, `expQ64`) and `mapInPlace` (`sigmoid`, `tanh`) compute.
    uint256 internal constant MAP_EXP = 0;
    uint256 internal constant MAP_EXP_Q64 = 1;
    uint256 internal constant MAP_SIGMOID = 2;
    uint256 internal constant MAP_TANH = 3;

    /// @notice Moves `v` from `fromFrac` to `toFrac` fractional bits: a left shift, or a right
    ///         shift rounding half up (`(v + 2^(d-1)) >> d`, flooring). Valid for |v| < 2^254.
    /// @param v        Fixed point 2^-fromFrac.
    /// @param fromFrac Its frac bits.
    /// @param toFrac   The result's frac bits.
    function rescale(Fixed v, int256 fromFrac, int256 toFrac) internal pure returns (Fixed) {
        return Fixed.wrap(rescaleInt(Fixed.unwrap(v), fromFrac, toFrac));
    }

    /// @notice `rescale` on a raw int256 (for hot loops that keep raw integers).
    /// @param v        Fixed point 2^-fromFrac.
    /// @param fromFrac Its frac bits.
    /// @param toFrac   The result's frac bits.
    function rescaleInt(int256 v, int256 fromFrac, int256 toFrac) internal pure returns (int256) {
        if (toFrac >= fromFrac) return v << uint256(toFrac - fromFrac);
        uint256 d = uint256(fromFrac - toFrac);
        if (d > 254) return 0; // |v| < 2^254 rounds to 0
        return (v + int256(1 << (d - 1))) >> d;
    }

    /// @notice `rescale(v * q, frac + qFrac, frac)`: `v` times the constant `q * 2^-qFrac`.
    /// @param v     Fixed point 2^-frac.
    /// @param q     The constant's multiplier.
    /// @param qFrac The constant's frac bits.
    /// @param frac  The frac bits of `v` and of the result.
    function mulConst(Fixed v, int256 q, int256 qFrac, uint256 frac) internal pure returns (Fixed) {
        return Fixed.wrap(rescaleInt(Fixed.unwrap(v) * q, int256(frac) + qFrac, int256(frac)));
    }

    /// @notice `a / b` rounded half up, for `b > 0`: floor((2a + b) / 2b).
    /// @param a The dividend (checked: 2a + b must fit in 256 bits).
    /// @param b The divisor, not 0.
    function divRound(uint256 a, uint256 b) internal pure returns (uint256) {
        return (2 * a + b) / (2 * b);
    }

    /// @notice e^x on the activation scale, rounded half up; 0 below -128, reverts above +128.
    /// @param x fixed point, 2^-frac scale.
    /// @param frac fractional bits of `x` and of the result, at most 64.
    function exp(Fixed x, uint256 frac) internal pure returns (Fixed) {
        if (frac > MAX_FRAC) revert FracBitsUnsupported(frac);
        return Fixed.wrap(_oneExp(Fixed.unwrap(x), frac, MAP_EXP));
    }

    /// @notice e^x in Q64 for x <= 0, so the result is in [0, 2^64]; 0 below -128.
    /// @param x fixed point, 2^-frac scale, not positive (a positive x is treated as 0).
    /// @param frac fractional bits of `x`, at most 64 (not checked: the callers check it once).
    function expQ64(Fixed x, uint256 frac) internal pure returns (uint256) {
        return uint256(_oneExp(Fixed.unwrap(x), frac, MAP_EXP_Q64));
    }

    /// @notice The logistic function 1 / (1 + e^-x): q = divRound(2^(64+frac), 2^64 + expQ64(-|x|)) for
    ///         x >= 0, 2^frac - q below; within 2^-(frac+1) + 2^-29 of the real value, and never
    ///         smaller for a larger x (expQ64 does not decrease with its argument, see `mapInPlace`).
    /// @param x    Fixed point 2^-frac.
    /// @param frac The frac bits of `x` and of the result, at most 64.
    function sigmoid(Fixed x, uint256 frac) internal pure returns (Fixed) {
        if (frac > MAX_FRAC) revert FracBitsUnsupported(frac);
        return Fixed.wrap(_one(Fixed.unwrap(x), frac, MAP_SIGMOID));
    }

    /// @notice tanh(x) = 2 / (1 + e^-2|x|) - 1 with the sign of x: divRound(2^(65+frac), 2^64 + e) -
    ///         2^frac, e = expQ64(-2 min(|x|, 128)); within 2^-(frac+1) + 2^-29 of the real value,
    ///         and never smaller for a larger x.
    /// @param x    Fixed point 2^-frac.
    /// @param frac The frac bits of `x` and of the result, at most 64.
    function tanh(Fixed x, uint256 frac) internal pure returns (Fixed) {
        if (frac > MAX_FRAC) revert FracBitsUnsupported(frac);
        return Fixed.wrap(_one(Fixed.unwrap(x), frac, MAP_TANH));
    }

    // solhint-disable function-max-lines
    // One assembly kernel kept whole: a loop per kind around one polynomial, written out in each
    // loop; as Yul functions, every value would pay their jumps and stack shuffles
    // (bench/gas_activations.js).

    /// @notice Replaces every word of memory `[at, end)`, a fixed-point value 2^-frac, by its
    ///         `exp` (`kind` = `MAP_EXP`) or `expQ64` (`MAP_EXP_Q64`), bit for bit with
    ///         `python/eternal/activations.py`. Reverts `ExpOverflow` for `MAP_EXP` above +128.
    /// @dev Equivalent to `x = exp(x, frac)`, resp. `exp_q64(x, frac)`, of `eternal.activations` for
    ///      each word. For -128 <= z <= 128 (2^-frac scale): y = sar(frac + 32, z * LOG2E_Q64)
    ///      (|z LOG2E_Q64| < 2^138), k = sar(32, y) (-185..184), f = y & (2^32 - 1), and P(f) by
    ///      Horner's rule, exactly (each partial sum below 2^(252 - 32 i + 1): no product reaches 2^256).
    /// @param at   Memory address of the first value (an array's data).
    /// @param end  One past the last value's address.
    /// @param frac F, at most 64 (not checked: the callers check it once).
    /// @param kind MAP_EXP or MAP_EXP_Q64.
    function expInPlace(uint256 at, uint256 end, uint256 frac, uint256 kind) internal pure {
        assembly ("memory-safe") {
            let shift := add(frac, 32) // y = x log2(e) with 32 fractional bits
            let limit := shl(frac, EXP_LIMIT) // 128, the exponent's bound
            let low := sub(0, limit)
            switch kind
            case 0 {
                // MAP_EXP: 0 below -128, ExpOverflow above +128, else rescaleInt(P, 252 - k, frac):
                // right by d = 252 - frac - k >= 4, half up (P + 2^(d-1) < 2^256; 2^(d-1) is 0 past 2^255).
                for {} lt(at, end) { at := add(at, 0x20) } {
                    let x := mload(at)
                    if sgt(x, limit) {
                        mstore(0, shl(224, 0x5227ffc1)) // ExpOverflow(int256,uint256)
                        mstore(4, x)
                        mstore(0x24, frac)
                        revert(0, 0x44)
                    }
                    let e := 0
                    if iszero(slt(x, low)) {
                        let y := sar(shift, mul(LOG2E_Q64, x))
                        let f := and(0xffffffff, y)
                        let p := add(mul(add(mul(add(mul(EXP2_C6, f), EXP2_C5), f), EXP2_C4), f), EXP2_C3)
                        p := add(mul(add(mul(add(mul(p, f), EXP2_C2), f), EXP2_C1), f), shl(252, 1))
                        let d := sub(sub(252, frac), sar(32, y))
                        e := shr(d, add(p, shl(sub(d, 1), 1)))
                    }
                    mstore(at, e)
                }
            }
            default {
                // MAP_EXP_Q64: 2^64 for x >= 0; else P >> (188 - k), floored (188 = 252 - 64: P 2^(k-252)
                // in Q64; 0 from k < -68 on).
                for {} lt(at, end) { at := add(at, 0x20) } {
                    let x := mload(at)
                    let e := ONE_Q64
                    if slt(x, 0) {
                        if slt(x, low) { x := low }
                        let y := sar(shift, mul(LOG2E_Q64, x))
                        let f := and(0xffffffff, y)
                        let p := add(mul(add(mul(add(mul(EXP2_C6, f), EXP2_C5), f), EXP2_C4), f), EXP2_C3)
                        p := add(mul(add(mul(add(mul(p, f), EXP2_C2), f), EXP2_C1), f), shl(252, 1))
                        e := shr(sub(188, sar(32, y)), p)
                    }
                    mstore(at, e)
                }
            }
        }
    }

    /// @notice Replaces every word of memory `[at, end)`, a fixed-point value 2^-frac, by its
    ///         `sigmoid` (`kind` = `MAP_SIGMOID`) or `tanh` (`MAP_TANH`), bit for bit with
    ///         `python/eternal/activations.py`. One loop for a whole tensor (bench/gas_activations.js
    ///         measures it in a layer).
    /// @dev Equivalent to `x = sigmoid(x, frac)`, resp. `tanh(x, frac)`, of `eternal.activations` for
    ///      each word: e = expQ64(-c min(|x|, 128)) as in `expInPlace` (c = 1, or 2 for tanh, in
    ///      `log2e`); q = divRound(a, 2^64 + e) = (2a + b) / 2b (below 2^132); w = q - u, and for
    ///      x < 0, v - w. Sigmoid: a = 2^(64+F), u = 0, v = 2^F; tanh: a = 2^(65+F), u = v = 2^F.
    ///      Monotone: y never increases as |x| grows; P increases with f (every c_i > 0); where k
    ///      steps down by one, P(2^32 - 1) <= 2^253 = 2 P(0); floors keep order. So e never
    ///      increases and q never decreases as |x| grows, and w (x >= 0) or v - w (x < 0) never
    ///      decreases as x grows (x = 0: e = 2^64, q = a / 2^65 exactly: 2^(F-1), or 0 for tanh,
    ///      from both sides).
    /// @param at   Memory address of the first value (an array's data).
    /// @param end  One past the last value's address.
    /// @param frac F, at most 64 (not checked: the callers check it once).
    /// @param kind MAP_SIGMOID or MAP_TANH.
    function mapInPlace(uint256 at, uint256 end, uint256 frac, uint256 kind) internal pure {
        assembly ("memory-safe") {
            let shift := add(frac, 32) // y = x log2(e) with 32 fractional bits
            let low := sub(0, shl(frac, EXP_LIMIT)) // -128, the exponent's bound
            let log2e := LOG2E_Q64
            let twiceA := shl(add(frac, 65), 1)
            let u := 0
            let v := shl(frac, 1)
            let one := shl(252, 1) // c_0, kept on the stack (cheaper than re-making it per value)
            if eq(kind, MAP_TANH) {
                log2e := LOG2E_Q64_TWICE
                twiceA := shl(1, twiceA)
                u := v
                v := 0
            }
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                let t := not(sar(255, x)) // 0 if x < 0, else all ones
                let z := sub(xor(x, t), t) // -|x|
                if slt(z, low) { z := low }
                let y := sar(shift, mul(log2e, z))
                let f := and(0xffffffff, y)
                let p := add(mul(add(mul(add(mul(EXP2_C6, f), EXP2_C5), f), EXP2_C4), f), EXP2_C3)
                p := add(mul(add(mul(add(mul(p, f), EXP2_C2), f), EXP2_C1), f), one)
                let b := add(ONE_Q64, shr(sub(188, sar(32, y)), p)) // 188 = 252 - 64: P 2^(k-252) in Q64
                let w := sub(div(add(twiceA, b), shl(1, b)), u)
                if iszero(t) { w := sub(v, w) }
                mstore(at, w)
            }
        }
    }

    /// @notice Softmax over each run of `width` bytes (`axis` words) of memory `[at, end)`, in
    ///         place: `divRound(e_i << frac, sum e_j)` with `e_i = expQ64(x_i - max)`, bit for bit
    ///         with `python/eternal/activations.py` `softmax`. `width` must divide `end - at`.
    /// @dev Equivalent to `run = softmax(run, frac)` of `eternal.activations` for each run.
    ///      Three passes over a run (by fours after axis mod 4 single steps; the second by twos
    ///      after axis mod 2): the peak; e_i (as in `MAP_EXP_Q64`, of x_i - peak, which is
    ///      <= 0: one below int256's range wraps to a positive word and, like any d < -128, is
    ///      taken as -128, whose e is 0) and their total (>= 2^64: the peak's e is 2^64; at most
    ///      width / 32 * 2^64); then the divisions ((e_i << frac) * 2 + total) / (2 * total).
    /// @param at    Memory address of the first value (an array's data), fixed point 2^-frac.
    /// @param end   One past the last value's address.
    /// @param frac  F, at most 64 (not checked: the callers check it once).
    /// @param width Bytes of one run: 32 times the last axis, not 0.
    function softmaxInPlace(uint256 at, uint256 end, uint256 frac, uint256 width) internal pure {
        assembly ("memory-safe") {
            // e_i as in `expInPlace`'s MAP_EXP_Q64 (188 = 252 - 64: P 2^(k-252) in Q64); e_i << frac
            // is below 2^129 and total below 2^(64 + 32) for any run that fits in memory.
            let shift := add(frac, 32) // y = x log2(e) with 32 fractional bits
            let limit := shl(frac, EXP_LIMIT)
            let low := sub(0, limit)
            let lead := and(width, 0x60) // (axis mod 4) words, then groups of four
            let up := add(frac, 1)
            let one := shl(252, 1) // c_0, kept on the stack
            for {} lt(at, end) { at := add(at, width) } {
                let runEnd := add(at, width)
                let split := add(at, lead)
                let peak := mload(at)
                for { let p := add(at, 0x20) } lt(p, split) { p := add(p, 0x20) } {
                    let v := mload(p)
                    if sgt(v, peak) { peak := v }
                }
                for { let p := split } lt(p, runEnd) { p := add(p, 0x80) } {
                    let v := mload(p)
                    if sgt(v, peak) { peak := v }
                    v := mload(add(p, 0x20))
                    if sgt(v, peak) { peak := v }
                    v := mload(add(p, 0x40))
                    if sgt(v, peak) { peak := v }
                    v := mload(add(p, 0x60))
                    if sgt(v, peak) { peak := v }
                }
                let total := 0
                let ep := at
                if and(width, 0x20) {
                    let z := sub(mload(ep), peak)
                    if gt(sub(z, low), limit) { z := low } // outside [-128, 0]: below -128
                    let y := sar(shift, mul(LOG2E_Q64, z))
                    let f := and(0xffffffff, y)
                    let e := add(mul(add(mul(add(mul(EXP2_C6, f), EXP2_C5), f), EXP2_C4), f), EXP2_C3)
                    e := add(mul(add(mul(add(mul(e, f), EXP2_C2), f), EXP2_C1), f), one)
                    e := shr(sub(188, sar(32, y)), e)
                    total := add(total, e)
                    mstore(ep, e)
                    ep := add(ep, 0x20)
                }
                for {} lt(ep, runEnd) { ep := add(ep, 0x40) } {
                    {
                        let z := sub(mload(ep), peak)
                        if gt(sub(z, low), limit) { z := low } // outside [-128, 0]: below -128
                        let y := sar(shift, mul(LOG2E_Q64, z))
                        let f := and(0xffffffff, y)
                        let e := add(mul(add(mul(add(mul(EXP2_C6, f), EXP2_C5), f), EXP2_C4), f), EXP2_C3)
                        e := add(mul(add(mul(add(mul(e, f), EXP2_C2), f), EXP2_C1), f), one)
                        e := shr(sub(188, sar(32, y)), e)
                        total := add(total, e)
                        mstore(ep, e)
                    }
                    let z := sub(mload(add(ep, 0x20)), peak)
                    if gt(sub(z, low), limit) { z := low } // outside [-128, 0]: below -128
                    let y := sar(shift, mul(LOG2E_Q64, z))
                    let f := and(0xffffffff, y)
                    let e := add(mul(add(mul(add(mul(EXP2_C6, f), EXP2_C5), f), EXP2_C4), f), EXP2_C3)
                    e := add(mul(add(mul(add(mul(e, f), EXP2_C2), f), EXP2_C1), f), one)
                    e := shr(sub(188, sar(32, y)), e)
                    total := add(total, e)
                    mstore(add(ep, 0x20), e)
                }
                let twice := shl(1, total)
                for { let p := at } lt(p, split) { p := add(p, 0x20) } {
                    mstore(p, div(add(shl(up, mload(p)), total), twice))
                }
                for { let p := split } lt(p, runEnd) { p := add(p, 0x80) } {
                    mstore(p, div(add(shl(up, mload(p)), total), twice))
                    let q := add(p, 0x20)
                    mstore(q, div(add(shl(up, mload(q)), total), twice))
                    q := add(p, 0x40)
                    mstore(q, div(add(shl(up, mload(q)), total), twice))
                    q := add(p, 0x60)
                    mstore(q, div(add(shl(up, mload(q)), total), twice))
                }
            }
        }
    }

    // solhint-enable function-max-lines

    /// @dev `mapInPlace` of one value, in the scratch word at 0.
    function _one(int256 x, uint256 frac, uint256 kind) private pure returns (int256 y) {
        assembly ("memory-safe") {
            mstore(0, x)
        }
        mapInPlace(0, 0x20, frac, kind);
        assembly ("memory-safe") {
            y := mload(0)
        }
    }

    /// @dev `expInPlace` of one value, in the scratch word at 0.
    function _oneExp(int256 x, uint256 frac, uint256 kind) private pure returns (int256 y) {
        assembly ("memory-safe") {
            mstore(0, x)
        }
        expInPlace(0, 0x20, frac, kind);
        assembly ("memory-safe") {
            y := mload(0)
        }
    }
}
