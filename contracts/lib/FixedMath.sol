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
///      y = x * log2(e) (Q64, half up); y = k + f; r = f * ln 2 (floor); 2^f = e^r by Taylor terms
///      t_n = floor(floor(t_(n-1) * r / 2^64) / n) until a term is 0; e^x = sum * 2^(k-64).
///      Relative error of the Q64 value <= 2^-56; sigmoid, tanh and softmax round once more
///      (half up), so they are within 2^-frac + 2^-56 of the real function (one unit at F = 24).
library FixedMath {
    /// @dev 1.0 in Q64.
    uint256 internal constant ONE_Q64 = 1 << 64;
    /// @dev round(log2(e) * 2^64).
    int256 internal constant LOG2E_Q64 = 26613026195688644983;
    /// @dev round(ln(2) * 2^64).
    uint256 internal constant LN2_Q64 = 12786308645202655660;
    /// @dev |x| bound (real) of exp: below -128 it is 0, above +128 it overflows.
    int256 internal constant EXP_LIMIT = 128;
    /// @dev Largest activation scale the exponential supports (e^128 * 2^64 < 2^255).
    uint256 internal constant MAX_FRAC = 64;

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
        int256 raw = Fixed.unwrap(x);
        int256 limit = EXP_LIMIT << frac;
        if (raw < -limit) return Fixed.wrap(0);
        if (raw > limit) revert ExpOverflow(raw, frac);
        (uint256 total, int256 k) = _expParts(raw, frac);
        return Fixed.wrap(rescaleInt(int256(total), 64 - k, int256(frac)));
    }

    /// @notice e^x in Q64 for x <= 0, so the result is in [0, 2^64]; 0 below -128.
    /// @param x fixed point, 2^-frac scale, not positive (a positive x is treated as 0).
    /// @param frac fractional bits of `x`.
    function expQ64(Fixed x, uint256 frac) internal pure returns (uint256) {
        int256 raw = Fixed.unwrap(x);
        if (raw >= 0) return ONE_Q64;
        if (raw < -(EXP_LIMIT << frac)) return 0;
        (uint256 total, int256 k) = _expParts(raw, frac);
        // k <= 0 here and k >= -185, so the shift is below 255 and total < 2^65.
        return uint256(rescaleInt(int256(total), 64 - k, 64));
    }

    /// @notice The logistic function 1 / (1 + e^-x), within 2^-frac of the real value.
    /// @param x    Fixed point 2^-frac.
    /// @param frac The frac bits of `x` and of the result, at most 64.
    function sigmoid(Fixed x, uint256 frac) internal pure returns (Fixed) {
        if (frac > MAX_FRAC) revert FracBitsUnsupported(frac);
        if (Fixed.unwrap(x) >= 0) {
            uint256 e = expQ64(-x, frac);
            return Fixed.wrap(int256(divRound(ONE_Q64 << frac, ONE_Q64 + e)));
        }
        uint256 em = expQ64(x, frac);
        return Fixed.wrap(int256(divRound(em << frac, ONE_Q64 + em)));
    }

    /// @notice tanh(x) = (1 - e^-2|x|) / (1 + e^-2|x|) with the sign of x; within 2^-frac.
    /// @param x    Fixed point 2^-frac.
    /// @param frac The frac bits of `x` and of the result, at most 64.
    function tanh(Fixed x, uint256 frac) internal pure returns (Fixed) {
        if (frac > MAX_FRAC) revert FracBitsUnsupported(frac);
        int256 raw = Fixed.unwrap(x);
        bool negative = raw < 0;
        // |x| is capped at the exp limit, where e^-2|x| is 0 anyway: no overflow for any x.
        int256 cap = EXP_LIMIT << frac;
        int256 magnitude = negative ? (raw < -cap ? cap : -raw) : (raw > cap ? cap : raw);
        uint256 e = expQ64(Fixed.wrap(-2 * magnitude), frac);
        int256 t = int256(divRound((ONE_Q64 - e) << frac, ONE_Q64 + e));
        return Fixed.wrap(negative ? -t : t);
    }

    /// @dev (total, k) with e^(x 2^-frac) ~= total * 2^(k-64), 2^64 <= total < 2^65.
    ///      Requires |x| <= 128 * 2^frac and frac <= 64.
    function _expParts(int256 x, uint256 frac) private pure returns (uint256 total, int256 k) {
        unchecked {
            // |x| <= 2^(7+64) and LOG2E_Q64 < 2^65: the product is below 2^136.
            int256 y = x * LOG2E_Q64;
            if (frac > 0) y = (y + int256(1 << (frac - 1))) >> frac; // to Q64, half up
            k = y >> 64; // floor
            uint256 f = uint256(y - (k << 64)); // in [0, 2^64)
            uint256 r = (f * LN2_Q64) >> 64; // f * ln 2 < 0.7 * 2^64
            // term <= 2^64 and r < 2^64: term * r < 2^128; terms shrink by r/n < 0.7, so the
            // loop ends within ~25 rounds and total < 2 * 2^64.
            // Equivalent to: total = term = 2^64; for n = 1, 2, ...: term = ((term * r) >> 64) / n;
            // stop when term == 0; total += term.
            assembly ("memory-safe") {
                total := ONE_Q64
                let term := div(shr(64, mul(ONE_Q64, r)), 1)
                for { let n := 2 } term { n := add(n, 1) } {
                    total := add(total, term)
                    term := div(shr(64, mul(term, r)), n)
                }
            }
        }
    }
}
