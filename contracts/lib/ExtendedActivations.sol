// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FixedMath, FracBitsUnsupported} from "./FixedMath.sol";

/// @notice An extended activation's input `x` (fixed point 2^-F) is not within +-2^190.
error ActivationInputTooLarge(int256 x);
/// @notice `kind` is no activation code (0..14); the same error as `Activations.UnknownActivation`.
error UnknownActivation(uint256 kind);

/// @title ExtendedActivations
/// @notice The activations after the first six (codes 6..14), over a run of memory words in
///         place, bit for bit with `python/eternal/extended_activations.py` (docs/FORMAT.md).
/// @dev `ActivationLayer` runs them itself; the layers whose own bytecode has no room for them
///      (Dense, the convolutions, pooling) call the `ActivationKernels` contract their
///      implementation created (`Activations.activate`). Inputs must be within +-2^190 (so no
///      product below reaches 2^255); one = 2^F; roundings half up (floor(a / b + 1/2)).
library ExtendedActivations {
    uint256 internal constant RELU6 = 6;
    uint256 internal constant HARD_SIGMOID = 7; // Keras 3: clip(x / 6 + 1/2, 0, 1)
    uint256 internal constant HARD_SIGMOID_TF = 8; // tf_keras 2: clip(0.2 x + 1/2, 0, 1)
    uint256 internal constant HARD_SILU = 9;
    uint256 internal constant SILU = 10;
    uint256 internal constant ELU = 11;
    uint256 internal constant SELU = 12;
    uint256 internal constant EXPONENTIAL = 13;
    uint256 internal constant SOFTSIGN = 14;
    /// @dev Constant multipliers (`quantise_multiplier`: q 2^-30): ELU's alpha 1, SELU's scale
    ///      1.0507009873554805 and scale * alpha 1.7580993408473766 (Keras' constants).
    int256 internal constant ELU_ALPHA_Q = 1073741824;
    int256 internal constant SELU_SCALE_Q = 1128181595;
    int256 internal constant SELU_SCALE_ALPHA_Q = 1887744793;
    uint256 internal constant MULTIPLIER_FRAC = 30;
    /// @dev Inputs must satisfy |x| < 2^190.
    uint256 internal constant INPUT_LIMIT = 1 << 190;

    /// @notice Replaces every word of memory `[at, end)`, fixed point 2^-frac, by activation `kind`
    ///         of it. Reverts `ActivationInputTooLarge` for |x| >= 2^190, `FracBitsUnsupported`
    ///         above 64 fractional bits, `ExpOverflow` for `exponential` above +128.
    /// @param at   Memory address of the first value.
    /// @param end  One past the last value's address.
    /// @param kind An extended activation code (6..14).
    /// @param frac F, at most 64.
    function applyInPlace(uint256 at, uint256 end, uint256 kind, uint256 frac) internal pure {
        if (frac > FixedMath.MAX_FRAC) revert FracBitsUnsupported(frac);
        _checkInputs(at, end);
        if (kind == SILU) return _silu(at, end, frac);
        if (kind == ELU) return _elu(at, end, frac, ELU_ALPHA_Q, 0);
        if (kind == SELU) return _elu(at, end, frac, SELU_SCALE_ALPHA_Q, SELU_SCALE_Q);
        if (kind == EXPONENTIAL) return FixedMath.expInPlace(at, end, frac, FixedMath.MAP_EXP);
        if (kind < RELU6 || kind > SOFTSIGN) revert UnknownActivation(kind);
        _piecewise(at, end, kind, frac);
    }

    /// @dev Reverts `ActivationInputTooLarge` unless every word of `[at, end)` is within +-2^190.
    function _checkInputs(uint256 at, uint256 end) private pure {
        // Equivalent to `if (!(-2^190 < x && x < 2^190)) revert` for each word x:
        // x + (2^190 - 1) (mod 2^256) is below 2^191 - 1 exactly for those x.
        uint256 bad;
        assembly ("memory-safe") {
            let shiftUp := sub(INPUT_LIMIT, 1)
            let span := sub(shl(1, INPUT_LIMIT), 1)
            for {} lt(at, end) { at := add(at, 0x20) } {
                if iszero(lt(add(mload(at), shiftUp), span)) {
                    bad := at
                    break
                }
            }
        }
        if (bad != 0) {
            int256 x;
            assembly ("memory-safe") {
                x := mload(bad)
            }
            revert ActivationInputTooLarge(x);
        }
    }

    // solhint-disable function-max-lines
    // One loop over the cheap piecewise functions, kept whole (the kind is tested per value).

    /// @dev relu6, hard_sigmoid, hard_sigmoid_tf, hard_silu and softsign in place.
    /// @dev Equivalent to `x = f(x, frac)` of `eternal.extended_activations` for each word:
    ///      relu6 = min(max(x, 0), 6 one); hard_sigmoid = clip(floor((x + 3 one + 3) / 6), 0, one);
    ///      hard_sigmoid_tf = clip(floor((2x + 5 one + 5) / 10), 0, one) (a negative numerator
    ///      clips to 0, so only non-negative ones are divided); hard_silu = x from 3 one up, 0 from
    ///      -3 one down, else floor((x (x + 3 one) + 3 one) / (6 one)) (|x| < 3 one: no overflow;
    ///      `sdiv` truncates, so a negative quotient with a remainder steps down one);
    ///      softsign = sign(x) floor((2 |x| one + one + |x|) / (2 (one + |x|))) (|x| one < 2^254).
    function _piecewise(uint256 at, uint256 end, uint256 kind, uint256 frac) private pure {
        assembly ("memory-safe") {
            let one := shl(frac, 1)
            let three := mul(3, one)
            let six := mul(6, one)
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                let y := 0
                switch kind
                case 6 {
                    y := x
                    if slt(x, 0) { y := 0 }
                    if sgt(x, six) { y := six }
                }
                case 7 {
                    let n := add(add(x, three), 3)
                    if sgt(n, 0) { y := div(n, 6) }
                    if gt(y, one) { y := one }
                }
                case 8 {
                    let n := add(add(add(x, x), mul(5, one)), 5)
                    if sgt(n, 0) { y := div(n, 10) }
                    if gt(y, one) { y := one }
                }
                case 9 {
                    if sgt(x, sub(0, three)) {
                        y := x
                        if slt(x, three) {
                            let n := add(mul(x, add(x, three)), three)
                            y := sdiv(n, six)
                            if and(slt(n, 0), iszero(iszero(smod(n, six)))) { y := sub(y, 1) }
                        }
                    }
                }
                default {
                    // softsign: m = |x|
                    let m := x
                    if slt(x, 0) { m := sub(0, x) }
                    let b := add(one, m)
                    y := div(add(shl(1, mul(m, one)), b), shl(1, b))
                    if slt(x, 0) { y := sub(0, y) }
                }
                mstore(at, y)
            }
        }
    }

    // solhint-enable function-max-lines

    /// @dev silu in place: e = expQ64(-|x|) for every word (a scratch copy), then
    ///      sign(x) floor((2 |x| m + b) / 2b), b = 2^64 + e, m = 2^64 (x >= 0) or e.
    /// @dev Equivalent to `x = silu(x, frac)` of `eternal.extended_activations` for each word
    ///      (|x| m < 2^254: |x| < 2^190, m <= 2^64).
    function _silu(uint256 at, uint256 end, uint256 frac) private pure {
        uint256 scratch = _scratchOf(at, end, true);
        FixedMath.expInPlace(scratch, scratch + (end - at), frac, FixedMath.MAP_EXP_Q64);
        assembly ("memory-safe") {
            let e := scratch
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                let ex := mload(e)
                let b := add(shl(64, 1), ex)
                let y := 0
                switch slt(x, 0)
                case 0 { y := div(add(shl(65, x), b), shl(1, b)) }
                default { y := sub(0, div(add(shl(1, mul(sub(0, x), ex)), b), shl(1, b))) }
                mstore(at, y)
                e := add(e, 0x20)
            }
        }
    }

    /// @dev elu (`qPos` = 0: x itself above 0) or selu in place: e = expQ64(min(x, 0)) for every
    ///      word (a scratch copy); x > 0: x, or rescale(x qPos, F + 30, F); else
    ///      rescale((e - 2^64) qNeg, 94, F) (d = 94 - F >= 30 > 0, `sar` floors).
    /// @dev Equivalent to `x = elu(x, frac, (qNeg, 30))`, resp. `selu(x, frac)`, of
    ///      `eternal.extended_activations` for each word (|x qPos| < 2^221, |(e - 2^64) qNeg| < 2^95).
    function _elu(uint256 at, uint256 end, uint256 frac, int256 qNeg, int256 qPos) private pure {
        uint256 scratch = _scratchOf(at, end, false);
        FixedMath.expInPlace(scratch, scratch + (end - at), frac, FixedMath.MAP_EXP_Q64);
        assembly ("memory-safe") {
            let d := sub(add(64, MULTIPLIER_FRAC), frac)
            let half := shl(sub(d, 1), 1)
            let halfPos := shl(sub(MULTIPLIER_FRAC, 1), 1)
            let e := scratch
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                switch sgt(x, 0)
                case 0 { mstore(at, sar(d, add(mul(sub(mload(e), shl(64, 1)), qNeg), half))) }
                default {
                    if qPos { mstore(at, sar(MULTIPLIER_FRAC, add(mul(x, qPos), halfPos))) }
                }
                e := add(e, 0x20)
            }
        }
    }

    /// @dev A scratch copy of `[at, end)` past the free memory pointer (not allocated: nothing
    ///      else is allocated while it is used) holding -|x| (`negAbs`) or min(x, 0) per word.
    function _scratchOf(uint256 at, uint256 end, bool negAbs) private pure returns (uint256 scratch) {
        assembly ("memory-safe") {
            scratch := mload(0x40)
            let out := scratch
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                let t := sar(255, x) // all ones if x < 0
                switch negAbs
                case 0 { x := and(x, t) }
                default { x := sub(0, sub(xor(x, t), t)) }
                mstore(out, x)
                out := add(out, 0x20)
            }
        }
    }
}
