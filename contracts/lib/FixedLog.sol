// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// solhint-disable no-unused-import
// (the exponential's constants are named in assembly only, which solhint does not see)
import {
    EXP2_C1 as C1,
    EXP2_C2 as C2,
    EXP2_C3 as C3,
    EXP2_C4 as C4,
    EXP2_C5 as C5,
    EXP2_C6 as C6,
    FixedMath,
    LOG2E_Q64
} from "./FixedMath.sol";
// solhint-enable no-unused-import

/// @title FixedLog
/// @notice The natural logarithm in Q64 and the two activations built on it, softplus and
///         log_softmax, bit for bit with `ln_q64`, `softplus` and `log_softmax` of
///         `python/eternal/activations.py` and `python/eternal/extended_activations.py`.
/// @dev Inputs of the activations must be within +-2^190 (`ExtendedActivations` checks them first).
library FixedLog {
    /// @dev round(ln(2) 2^64) and floor(sqrt(2) 2^64).
    uint256 internal constant LN2_Q64 = 12786308645202655660;
    uint256 internal constant SQRT2_Q64 = 26087635650665564424;
    /// @dev atanh(s) / s = sum_i s^(2i) / (2i + 1), i = 0..5, as round(2^64 / (2i + 1)).
    uint256 private constant A0 = 18446744073709551616;
    uint256 private constant A1 = 6148914691236517205;
    uint256 private constant A2 = 3689348814741910323;
    uint256 private constant A3 = 2635249153387078802;
    uint256 private constant A4 = 2049638230412172402;
    uint256 private constant A5 = 1676976733973595601;

    /// @notice ln(u 2^-64) in Q64 (signed), for u >= 2^64 (a value of at least 1); within 2^-35.
    /// @dev k = bitlen(u) - 65, m = floor(u / 2^k) in [2^64, 2^65); c = 2^65 and k + 1 above
    ///      sqrt(2) (m > SQRT2_Q64), else c = 2^64; s = floor(|m - c| 2^64 / (m + c)) (< 0.18 2^64),
    ///      w = floor(s^2 / 2^64), p by Horner's rule (p = floor(p w / 2^64) + a_i), t = floor(s p /
    ///      2^63) = 2 atanh(s), floored; the result k LN2_Q64 + t, or - t when m < c.
    /// @param u Q64, at least 2^64 (not checked: the callers' sums of exponentials are).
    /// @return r ln(u 2^-64), Q64, floored as stated.
    function lnQ64(uint256 u) internal pure returns (int256 r) {
        assembly ("memory-safe") {
            // k = bitlen(u) - 65 (u >= 2^64), one shift a bit: k is at most log2 of a row's length here
            let k := 0
            let v := shr(65, u)
            for {} v {} {
                k := add(k, 1)
                v := shr(1, v)
            }
            let m := shr(k, u)
            let c := shl(64, 1)
            if gt(m, SQRT2_Q64) {
                c := shl(65, 1)
                k := add(k, 1)
            }
            let n := sub(m, c)
            if lt(m, c) { n := sub(c, m) }
            let s := div(shl(64, n), add(m, c))
            let w := shr(64, mul(s, s))
            let p := add(shr(64, mul(A5, w)), A4)
            p := add(shr(64, mul(p, w)), A3)
            p := add(shr(64, mul(p, w)), A2)
            p := add(shr(64, mul(p, w)), A1)
            p := add(shr(64, mul(p, w)), A0)
            let t := shr(63, mul(s, p))
            if lt(m, c) { t := sub(0, t) }
            r := add(mul(k, LN2_Q64), t)
        }
    }

    /// @notice softplus in place: x = max(x, 0) + rescale(lnQ64(2^64 + expQ64(-|x|)), 64, F).
    /// @dev The exponential as `FixedMath.expInPlace` computes MAP_EXP_Q64 (-|x| below -128 taken
    ///      as -128, whose e is 0), written out here as in `ExtendedActivations._silu`.
    /// @param at   Memory address of the first value (fixed point 2^-frac, within +-2^190).
    /// @param end  One past the last value's address.
    /// @param frac F, at most 64 (checked by the caller).
    function softplusInPlace(uint256 at, uint256 end, uint256 frac) internal pure {
        uint256 down = 64 - frac; // rescale(., 64, F): + 2^(down - 1), then floor by 2^down
        uint256 half = down == 0 ? 0 : 1 << (down - 1);
        // Unchecked: `at` steps by 32 up to `end`, a memory address.
        unchecked {
            for (; at < end; at += 32) {
                int256 x;
                uint256 u;
                assembly ("memory-safe") {
                    x := mload(at)
                    let t := not(sar(255, x)) // 0 if x < 0, else all ones
                    let z := sub(xor(x, t), t) // -|x|
                    if slt(z, sub(0, shl(frac, 128))) { z := sub(0, shl(frac, 128)) }
                    let y := sar(add(frac, 32), mul(LOG2E_Q64, z)) // z log2(e), 32 fractional bits
                    let f := and(0xffffffff, y)
                    let p := add(mul(add(mul(add(mul(C6, f), C5), f), C4), f), C3)
                    p := add(mul(add(mul(add(mul(p, f), C2), f), C1), f), shl(252, 1)) // c_0 = 2^252
                    u := add(shl(64, 1), shr(sub(188, sar(32, y)), p)) // 2^64 + P 2^(k-252) in Q64
                }
                int256 r = lnQ64(u);
                assembly ("memory-safe") {
                    r := sar(down, add(r, half))
                    if sgt(x, 0) { r := add(r, x) }
                    mstore(at, r)
                }
            }
        }
    }

    /// @notice log_softmax over each run of `width` bytes (the last axis) in place:
    ///         x_i - peak - rescale(lnQ64(sum_j expQ64(x_j - peak)), 64, F).
    /// @dev The exponentials as in `softplusInPlace` (x_j - peak <= 0; below -128 taken as -128).
    /// @param at    Memory address of the first value (fixed point 2^-frac, within +-2^190).
    /// @param end   One past the last value's address; `end - at` a multiple of `width`.
    /// @param frac  F, at most 64 (checked by the caller).
    /// @param width The run's length in bytes (32 per value), not 0.
    function logSoftmaxInPlace(uint256 at, uint256 end, uint256 frac, uint256 width) internal pure {
        int256 fromFrac = 64;
        for (; at < end; at += width) {
            int256 peak;
            uint256 total;
            assembly ("memory-safe") {
                let last := add(at, width)
                peak := mload(at)
                for { let i := add(at, 0x20) } lt(i, last) { i := add(i, 0x20) } {
                    if sgt(mload(i), peak) { peak := mload(i) }
                }
                let low := sub(0, shl(frac, 128))
                for { let i := at } lt(i, last) { i := add(i, 0x20) } {
                    let z := sub(mload(i), peak)
                    if slt(z, low) { z := low }
                    let y := sar(add(frac, 32), mul(LOG2E_Q64, z))
                    let f := and(0xffffffff, y)
                    let p := add(mul(add(mul(add(mul(C6, f), C5), f), C4), f), C3)
                    p := add(mul(add(mul(add(mul(p, f), C2), f), C1), f), shl(252, 1))
                    total := add(total, shr(sub(188, sar(32, y)), p))
                }
            }
            int256 shift = peak + FixedMath.rescaleInt(lnQ64(total), fromFrac, int256(frac));
            // Equivalent to `x_i -= shift` for each value of the run (|x_i|, |shift| < 2^192).
            assembly ("memory-safe") {
                for { let i := at } lt(i, add(at, width)) { i := add(i, 0x20) } { mstore(i, sub(mload(i), shift)) }
            }
        }
    }
}
