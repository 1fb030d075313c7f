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
/// @dev The exponential works in Q64 (64 fractional bits), see `python/eternal/activations.py`:
///      y = x * log2(e) (Q64, half up); y = k + f; 2^f = P(f), a degree-7 polynomial by Horner's
///      rule, each product floored (`mapInPlace`); e^x = P(f) * 2^(k-64). Relative error of the Q64
///      value <= 2^-34; sigmoid, tanh and softmax round once more (half up), so they are within
///      2^-(frac+1) + 2^-34 of the real function (at most one unit at F = 24).
library FixedMath {
    /// @dev 1.0 in Q64.
    uint256 internal constant ONE_Q64 = 1 << 64;
    /// @dev round(log2(e) * 2^64).
    int256 internal constant LOG2E_Q64 = 26613026195688644983;
    /// @dev 2^f ~= sum c_i f^i on [0, 1), Q64 (bench/fit_exp2.py): c_0 = 1, and the sum of all is
    ///      2 exactly, so 2^64 <= P(f) < 2^65; within a relative 2^-34 of 2^f.
    uint256 internal constant EXP2_C1 = 12786308720413074432;
    uint256 internal constant EXP2_C2 = 4431394889710049280;
    uint256 internal constant EXP2_C3 = 1023887897173531296;
    uint256 internal constant EXP2_C4 = 177349020003411232;
    uint256 internal constant EXP2_C5 = 24759127435325437;
    uint256 internal constant EXP2_C6 = 2647679909694340;
    uint256 internal constant EXP2_C7 = 396739064465599;
    /// @dev |x| bound (real) of exp: below -128 it is 0, above +128 it overflows.
    int256 internal constant EXP_LIMIT = 128;
    /// @dev Largest activation scale the exponential supports (e^128 * 2^64 < 2^255).
    uint256 internal constant MAX_FRAC = 64;
    /// @dev What `mapInPlace` computes: `exp`, `expQ64`, `sigmoid`, `tanh`.
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
        return Fixed.wrap(_one(Fixed.unwrap(x), frac, MAP_EXP));
    }

    /// @notice e^x in Q64 for x <= 0, so the result is in [0, 2^64]; 0 below -128.
    /// @param x fixed point, 2^-frac scale, not positive (a positive x is treated as 0).
    /// @param frac fractional bits of `x`, at most 64 (not checked: the callers check it once).
    function expQ64(Fixed x, uint256 frac) internal pure returns (uint256) {
        return uint256(_one(Fixed.unwrap(x), frac, MAP_EXP_Q64));
    }

    /// @notice The logistic function 1 / (1 + e^-x), within 2^-(frac+1) + 2^-34 of the real value.
    /// @param x    Fixed point 2^-frac.
    /// @param frac The frac bits of `x` and of the result, at most 64.
    function sigmoid(Fixed x, uint256 frac) internal pure returns (Fixed) {
        if (frac > MAX_FRAC) revert FracBitsUnsupported(frac);
        return Fixed.wrap(_one(Fixed.unwrap(x), frac, MAP_SIGMOID));
    }

    /// @notice tanh(x) = (1 - e^-2|x|) / (1 + e^-2|x|) with the sign of x; within
    ///         2^-(frac+1) + 2^-34 of the real value.
    /// @param x    Fixed point 2^-frac.
    /// @param frac The frac bits of `x` and of the result, at most 64.
    function tanh(Fixed x, uint256 frac) internal pure returns (Fixed) {
        if (frac > MAX_FRAC) revert FracBitsUnsupported(frac);
        return Fixed.wrap(_one(Fixed.unwrap(x), frac, MAP_TANH));
    }

    // solhint-disable function-max-lines
    // One assembly kernel kept whole: a loop per kind around one polynomial; split into
    // functions, every value would pay the jumps and stack shuffles (bench/gas_activations.js).

    /// @notice Replaces every word of memory `[at, end)`, a fixed-point value 2^-frac, by
    ///         `kind` of it: `MAP_EXP` (`exp`), `MAP_EXP_Q64` (`expQ64`), `MAP_SIGMOID`
    ///         (`sigmoid`) or `MAP_TANH` (`tanh`), bit for bit. One loop for a whole tensor,
    ///         ~520 gas a value inside an Activation layer (bench/gas_activations.js: the loop,
    ///         a polynomial of degree 7 and a division; the rest of the layer adds ~80).
    /// @dev Reverts `ExpOverflow` for `MAP_EXP` of a value above +128.
    /// @param at   Memory address of the first value (an array's data).
    /// @param end  One past the last value's address.
    /// @param frac F, at most 64 (not checked: the callers check it once).
    /// @param kind MAP_EXP, MAP_EXP_Q64, MAP_SIGMOID or MAP_TANH.
    function mapInPlace(uint256 at, uint256 end, uint256 frac, uint256 kind) internal pure {
        assembly ("memory-safe") {
            // 2^(f 2^-64) in Q64 for 0 <= f < 2^64, in [2^64, 2^65): Horner's rule, each product
            // floored: total = c_7; for i = 6 down to 0: total = c_i + (total * f >> 64) (c_0 = 2^64).
            // total < 2^65 and f < 2^64, so no product reaches 2^129.
            function pow2(f) -> total {
                total := add(EXP2_C6, shr(64, mul(EXP2_C7, f)))
                total := add(EXP2_C5, shr(64, mul(total, f)))
                total := add(EXP2_C4, shr(64, mul(total, f)))
                total := add(EXP2_C3, shr(64, mul(total, f)))
                total := add(EXP2_C2, shr(64, mul(total, f)))
                total := add(EXP2_C1, shr(64, mul(total, f)))
                total := add(ONE_Q64, shr(64, mul(total, f)))
            }
            // e^z in Q64 for -128 <= z <= 0 (2^-frac scale), half up: with y = z log2(e) in Q64
            // (rescaleInt(z * LOG2E_Q64, frac + 64, 64), half up), k = y >> 64 <= 0 and
            // f = y - (k << 64), e = pow2(f) >> -k, half up (rescaleInt(total, 64 - k, 64)).
            function expq64(z, fr, half) -> e {
                let y := sar(fr, add(mul(z, LOG2E_Q64), half))
                let d := sub(0, sar(64, y))
                e := pow2(and(y, 0xffffffffffffffff))
                if d { e := shr(d, add(e, shl(sub(d, 1), 1))) }
            }
            let limit := shl(frac, EXP_LIMIT) // 128, the exponent's bound
            let half := 0 // half a unit of the product's extra frac bits, for rounding half up
            if frac { half := shl(sub(frac, 1), 1) }
            switch kind
            case 0 {
                // MAP_EXP: 0 below -128, ExpOverflow above +128, else rescaleInt(pow2(f), 64 - k,
                // frac): a left shift when k + frac >= 64, else right by 64 - k - frac, half up.
                for {} lt(at, end) { at := add(at, 0x20) } {
                    let x := mload(at)
                    if sgt(x, limit) {
                        mstore(0, shl(224, 0x5227ffc1)) // ExpOverflow(int256,uint256)
                        mstore(4, x)
                        mstore(0x24, frac)
                        revert(0, 0x44)
                    }
                    let e := 0
                    if iszero(slt(x, sub(0, limit))) {
                        let y := sar(frac, add(mul(x, LOG2E_Q64), half))
                        let k := sar(64, y)
                        e := pow2(and(y, 0xffffffffffffffff))
                        switch slt(add(k, frac), 64)
                        case 0 { e := shl(sub(add(k, frac), 64), e) }
                        default {
                            let d := sub(64, add(k, frac))
                            e := shr(d, add(e, shl(sub(d, 1), 1)))
                        }
                    }
                    mstore(at, e)
                }
            }
            case 1 {
                // MAP_EXP_Q64: 2^64 for x >= 0, 0 below -128.
                for {} lt(at, end) { at := add(at, 0x20) } {
                    let x := mload(at)
                    let e := ONE_Q64
                    if slt(x, 0) {
                        e := 0
                        if iszero(slt(x, sub(0, limit))) { e := expq64(x, frac, half) }
                    }
                    mstore(at, e)
                }
            }
            case 2 {
                // MAP_SIGMOID: e = expQ64(-|x|); x >= 0: divRound(2^64 << frac, 2^64 + e),
                // x < 0: divRound(e << frac, 2^64 + e); (2a + b) / 2b, operands below 2^131.
                for {} lt(at, end) { at := add(at, 0x20) } {
                    let x := mload(at)
                    let z := x
                    if sgt(x, 0) { z := sub(0, x) }
                    let e := 0
                    if iszero(slt(z, sub(0, limit))) { e := expq64(z, frac, half) }
                    let a := shl(frac, e)
                    if iszero(slt(x, 0)) { a := shl(frac, ONE_Q64) }
                    let b := add(ONE_Q64, e)
                    mstore(at, div(add(shl(1, a), b), shl(1, b)))
                }
            }
            default {
                // MAP_TANH: m = min(|x|, 128 << frac) (e^-2|x| is 0 past it); e = expQ64(-2m);
                // divRound((2^64 - e) << frac, 2^64 + e), negated for x < 0.
                for {} lt(at, end) { at := add(at, 0x20) } {
                    let x := mload(at)
                    let m := x
                    if slt(x, 0) { m := sub(0, x) }
                    if gt(m, limit) { m := limit }
                    let e := 0
                    if iszero(gt(m, shr(1, limit))) { e := expq64(sub(0, shl(1, m)), frac, half) }
                    let b := add(ONE_Q64, e)
                    let t := div(add(shl(1, shl(frac, sub(ONE_Q64, e))), b), shl(1, b))
                    if slt(x, 0) { t := sub(0, t) }
                    mstore(at, t)
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
}
