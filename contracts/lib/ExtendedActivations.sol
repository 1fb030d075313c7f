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
    FracBitsUnsupported,
    LOG2E_Q64
} from "./FixedMath.sol";
// solhint-enable no-unused-import
import {FixedLog} from "./FixedLog.sol";
import {Activations} from "./Activations.sol";

/// @notice An extended activation's input `x` (fixed point 2^-F) is not within +-2^190.
error ActivationInputTooLarge(int256 x);
/// @notice `kind` is no activation code (0..22); the same error as `Activations.UnknownActivation`.
error UnknownActivation(uint256 kind);

/// @title ExtendedActivations
/// @notice The activations after the first six (codes 6..22), over a run of memory words in
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
    uint256 internal constant MISH = 15;
    uint256 internal constant GELU = 16;
    uint256 internal constant HARD_TANH = 17; // Keras 3: clip(x, -1, 1)
    uint256 internal constant HARD_SHRINK = 18; // Keras 3: x where |x| > 1/2, else 0
    uint256 internal constant SOFT_SHRINK = 19; // Keras 3: x -+ 1/2 where |x| > 1/2, else 0
    uint256 internal constant SOFTPLUS = 20; // log(1 + e^x)
    uint256 internal constant LOG_SOFTMAX = 21; // x - max - log(sum e^(x - max)) over the last axis
    uint256 internal constant GELU_TANH = 22; // keras.ops.gelu's default: gelu's tanh approximation
    /// @dev Constant multipliers (`quantise_multiplier`: q 2^-30): ELU's alpha 1, SELU's scale
    ///      1.0507009873554805 and scale * alpha 1.7580993408473766 (Keras' constants).
    int256 internal constant ELU_ALPHA_Q = 1073741824;
    int256 internal constant SELU_SCALE_Q = 1128181595;
    int256 internal constant SELU_SCALE_ALPHA_Q = 1887744793;
    uint256 internal constant MULTIPLIER_FRAC = 30;
    /// @dev Inputs must satisfy |x| < 2^190: x + (2^190 - 1) (mod 2^256) is below 2^191 - 1
    ///      exactly for those x (`INPUT_SHIFT`, `INPUT_SPAN`).
    uint256 internal constant INPUT_LIMIT = 1 << 190;
    uint256 private constant INPUT_SHIFT = (1 << 190) - 1;
    uint256 private constant INPUT_SPAN = (1 << 191) - 1;
    /// @dev gelu's constants (`eternal.extended_activations`): round(2^64 / sqrt 2), Numerical
    ///      Recipes' erfcc coefficients a_0..a_9 as round(a_i 2^64) (two's complement words), and
    ///      -128 in Q64 (the exponential's bound).
    uint256 private constant INV_SQRT2_Q64 = 0xb504f333f9de6484;
    uint256 private constant ERFC_A0 = 0xfffffffffffffffffffffffffffffffffffffffffffffffebc0763f77643a922;
    uint256 private constant ERFC_A1 = 0x100018d48d3588222;
    uint256 private constant ERFC_A2 = 0x5fc47d9de583a7eb;
    uint256 private constant ERFC_A3 = 0x18c6d917dec3f02f;
    uint256 private constant ERFC_A4 = 0xffffffffffffffffffffffffffffffffffffffffffffffffd04f6cfaaa2ab662;
    uint256 private constant ERFC_A5 = 0x4763e5d88c739650;
    uint256 private constant ERFC_A6 = 0xfffffffffffffffffffffffffffffffffffffffffffffffedd63459f9c68001a;
    uint256 private constant ERFC_A7 = 0x17d0f60453a1bdaa7;
    uint256 private constant ERFC_A8 = 0xffffffffffffffffffffffffffffffffffffffffffffffff2d876e73d1081ad7;
    uint256 private constant ERFC_A9 = 0x2bbe515eed4b477c;
    uint256 private constant MINUS_128_Q64 = 0xffffffffffffffffffffffffffffffffffffffffffffff800000000000000000;
    /// @dev gelu_tanh's v = 2 sqrt(2/pi) (m + 0.044715 m^3) in Q64: round(2 sqrt(2/pi) 2^64) and
    ///      round(0.044715 2 sqrt(2/pi) 2^64) (`eternal.extended_activations`).
    uint256 private constant GELU_TANH_A_Q64 = 29436744586989209809;
    uint256 private constant GELU_TANH_B_Q64 = 1316264034207222517;
    /// @dev The selector of `ActivationInputTooLarge(int256)`.
    uint256 private constant TOO_LARGE_SELECTOR = 0x21a8cc83;


    /// @notice Replaces every word of memory `[at, end)`, fixed point 2^-frac, by activation `kind`
    ///         of it. Reverts `ActivationInputTooLarge` for |x| >= 2^190, `FracBitsUnsupported`
    ///         above 64 fractional bits, `ExpOverflow` for `exponential` above +128.
    /// @param at   Memory address of the first value.
    /// @param end  One past the last value's address.
    /// @param kind An extended activation code (6..22).
    /// @param frac F, at most 64.
    function applyInPlace(uint256 at, uint256 end, uint256 kind, uint256 frac) internal pure {
        if (frac > FixedMath.MAX_FRAC) revert FracBitsUnsupported(frac);
        if (kind == SILU || kind == GELU_TANH) return _silu(at, end, frac, kind == GELU_TANH);
        if (kind == MISH) return _mish(at, end, frac);
        if (kind == GELU) return _gelu(at, end, frac);
        if (kind == ELU) return _elu(at, end, frac, ELU_ALPHA_Q, MULTIPLIER_FRAC, 0);
        if (kind == SELU) return _elu(at, end, frac, SELU_SCALE_ALPHA_Q, MULTIPLIER_FRAC, SELU_SCALE_Q);
        if (kind == HARD_SIGMOID) return _hardSigmoid(at, end, frac, 1, 3, 6);
        if (kind == HARD_SIGMOID_TF) return _hardSigmoid(at, end, frac, 2, 5, 10);
        if (kind == RELU6) return _relu6(at, end, frac);
        if (kind == HARD_SILU) return _hardSilu(at, end, frac);
        if (kind == SOFTSIGN) return _softsign(at, end, frac);
        if (kind >= HARD_TANH && kind <= SOFT_SHRINK) return _piecewise(at, end, frac, kind);
        if (kind != EXPONENTIAL && kind != SOFTPLUS) revert UnknownActivation(kind);
        _checkInputs(at, end);
        if (kind == SOFTPLUS) return FixedLog.softplusInPlace(at, end, frac);
        FixedMath.expInPlace(at, end, frac, FixedMath.MAP_EXP);
    }

    /// @notice `applyInPlace` of a code, log_softmax over runs of `axis` values, or elu with
    ///         alpha = alphaQ 2^-alphaFrac (the Keras `ELU` layer, its config's activation word)
    ///         from the kind word `ELU | alphaFrac << 8 | uint32(alphaQ) << 16` (above 255).
    ///         log_softmax reverts `SoftmaxAxisMismatch` when `axis` is 0 or does not divide the values.
    /// @param at        Memory address of the first value.
    /// @param end       One past the last value's address.
    /// @param kind      A code (6..21) or an elu word.
    /// @param fracWord  F (at most 64) in the low 128 bits, `axis` (the last axis's length) above.
    function applyKindInPlace(uint256 at, uint256 end, uint256 kind, uint256 fracWord) internal pure {
        uint256 frac = fracWord & type(uint128).max;
        if (kind == LOG_SOFTMAX) return _logSoftmax(at, end, frac, fracWord >> 128);
        if (kind < 256) return applyInPlace(at, end, kind, frac);
        if (kind & 0xff != ELU || kind >> 48 != 0) revert UnknownActivation(kind);
        // Equivalent to `int32(uint32(kind >> 16))`: alpha's multiplier, sign-extended.
        int256 alphaQ = int256(int32(uint32(kind >> 16)));
        applyEluInPlace(at, end, frac, alphaQ, (kind >> 8) & 0xff);
    }

    /// @notice elu with alpha = `alphaQ` 2^-`alphaFrac` (the Keras `ELU` layer) over memory
    ///         `[at, end)` in place; reverts as `applyInPlace` does.
    /// @param at        Memory address of the first value.
    /// @param end       One past the last value's address.
    /// @param frac      F, at most 64.
    /// @param alphaQ    alpha's multiplier (`quantise_multiplier`, 32 bits).
    /// @param alphaFrac Its frac bits: 64 + alphaFrac - F must be at least 1 (the exporter
    ///                  refuses an alpha whose multiplier has fewer than 1 fractional bit).
    function applyEluInPlace(uint256 at, uint256 end, uint256 frac, int256 alphaQ, uint256 alphaFrac) internal pure {
        if (frac > FixedMath.MAX_FRAC) revert FracBitsUnsupported(frac);
        _elu(at, end, frac, alphaQ, alphaFrac, 0);
    }

    /// @dev log_softmax over runs of `axis` values, after the checks `applyKindInPlace` states.
    function _logSoftmax(uint256 at, uint256 end, uint256 frac, uint256 axis) private pure {
        uint256 length = (end - at) / 32;
        if (axis == 0 || length % axis != 0) revert Activations.SoftmaxAxisMismatch(length, axis);
        if (frac > FixedMath.MAX_FRAC) revert FracBitsUnsupported(frac);
        _checkInputs(at, end);
        FixedLog.logSoftmaxInPlace(at, end, frac, axis * 32);
    }

    /// @dev Reverts `ActivationInputTooLarge` unless every word of `[at, end)` is within +-2^190
    ///      (the loops below revert it from assembly; this Solidity revert also puts it in the ABI).
    function _checkInputs(uint256 at, uint256 end) private pure {
        uint256 bad;
        assembly ("memory-safe") {
            for {} lt(at, end) { at := add(at, 0x20) } {
                if iszero(lt(add(mload(at), INPUT_SHIFT), INPUT_SPAN)) {
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

    // Each loop below checks its input as `_checkInputs` does (|x| < 2^190, else
    // `ActivationInputTooLarge(x)`), inline: a second pass would cost ~40 gas a value.

    /// @dev relu6 in place. Equivalent to `x = relu6(x, frac)` of `eternal.extended_activations`
    ///      for each word: min(max(x, 0), 6 one).
    function _relu6(uint256 at, uint256 end, uint256 frac) private pure {
        assembly ("memory-safe") {
            let six := mul(6, shl(frac, 1))
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                if iszero(lt(add(x, INPUT_SHIFT), INPUT_SPAN)) {
                    mstore(0, shl(224, TOO_LARGE_SELECTOR))
                    mstore(4, x)
                    revert(0, 0x24)
                }
                if slt(x, 0) { mstore(at, 0) }
                if sgt(x, six) { mstore(at, six) }
            }
        }
    }

    /// @dev hard_tanh, hard_shrink or soft_shrink in place (Keras 3's threshold 1/2, F >= 1).
    ///      Equivalent to `x = hard_tanh(x, frac)`, resp. `hard_shrink`, `soft_shrink`, of
    ///      `eternal.extended_activations` for each word: clip(x, -one, one); x where |x| > one/2,
    ///      else 0; x - one/2 above one/2, x + one/2 below -one/2, else 0. Exact.
    function _piecewise(uint256 at, uint256 end, uint256 frac, uint256 kind) private pure {
        assembly ("memory-safe") {
            let one := shl(frac, 1)
            let half := shr(1, one)
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                if iszero(lt(add(x, INPUT_SHIFT), INPUT_SPAN)) {
                    mstore(0, shl(224, TOO_LARGE_SELECTOR))
                    mstore(4, x)
                    revert(0, 0x24)
                }
                switch kind
                case 17 {
                    if sgt(x, one) { x := one }
                    if slt(x, sub(0, one)) { x := sub(0, one) }
                }
                case 18 { if iszero(or(sgt(x, half), slt(x, sub(0, half)))) { x := 0 } }
                default {
                    switch sgt(x, half)
                    case 1 { x := sub(x, half) }
                    default { switch slt(x, sub(0, half)) case 1 { x := add(x, half) } default { x := 0 } }
                }
                mstore(at, x)
            }
        }
    }

    /// @dev hard_sigmoid (a, b, d = 1, 3, 6) or hard_sigmoid_tf (2, 5, 10) in place. Equivalent to
    ///      `x = hard_sigmoid(x, frac)`, resp. `hard_sigmoid_tf`, of `eternal.extended_activations`
    ///      for each word: clip(floor((a x + b one + b) / d), 0, one) (a negative numerator clips
    ///      to 0, so only non-negative ones are divided).
    function _hardSigmoid(uint256 at, uint256 end, uint256 frac, uint256 a, uint256 b, uint256 d) private pure {
        assembly ("memory-safe") {
            let one := shl(frac, 1)
            let offset := add(mul(b, one), b)
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                if iszero(lt(add(x, INPUT_SHIFT), INPUT_SPAN)) {
                    mstore(0, shl(224, TOO_LARGE_SELECTOR))
                    mstore(4, x)
                    revert(0, 0x24)
                }
                let n := add(mul(a, x), offset)
                let y := 0
                if sgt(n, 0) { y := div(n, d) }
                if gt(y, one) { y := one }
                mstore(at, y)
            }
        }
    }

    /// @dev hard_silu in place. Equivalent to `x = hard_silu(x, frac)` of
    ///      `eternal.extended_activations` for each word: x from 3 one up, 0 from -3 one down, else
    ///      floor((x (x + 3 one) + 3 one) / (6 one)) (|x| < 3 one: no overflow; `sdiv` truncates,
    ///      so a negative quotient with a remainder steps down one).
    function _hardSilu(uint256 at, uint256 end, uint256 frac) private pure {
        assembly ("memory-safe") {
            let three := mul(3, shl(frac, 1))
            let six := shl(1, three)
            let low := sub(0, three)
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                if iszero(lt(add(x, INPUT_SHIFT), INPUT_SPAN)) {
                    mstore(0, shl(224, TOO_LARGE_SELECTOR))
                    mstore(4, x)
                    revert(0, 0x24)
                }
                if slt(x, three) {
                    let y := 0
                    if sgt(x, low) {
                        let n := add(mul(x, add(x, three)), three)
                        y := sdiv(n, six)
                        if and(slt(n, 0), iszero(iszero(smod(n, six)))) { y := sub(y, 1) }
                    }
                    mstore(at, y)
                }
            }
        }
    }

    /// @dev softsign in place. Equivalent to `x = softsign(x, frac)` of
    ///      `eternal.extended_activations` for each word: sign(x) floor((2 |x| one + b) / 2b),
    ///      b = one + |x| (|x| one < 2^254).
    function _softsign(uint256 at, uint256 end, uint256 frac) private pure {
        assembly ("memory-safe") {
            let one := shl(frac, 1)
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                if iszero(lt(add(x, INPUT_SHIFT), INPUT_SPAN)) {
                    mstore(0, shl(224, TOO_LARGE_SELECTOR))
                    mstore(4, x)
                    revert(0, 0x24)
                }
                let t := not(sar(255, x)) // 0 if x < 0, else all ones
                let m := sub(0, sub(xor(x, t), t)) // |x|
                let b := add(one, m)
                let y := div(add(shl(1, mul(m, one)), b), shl(1, b))
                if iszero(t) { y := sub(0, y) }
                mstore(at, y)
            }
        }
    }

    // solhint-disable function-max-lines
    // The exponential's loops, kept whole as FixedMath keeps its own: the polynomial is written
    // out in each (as Yul functions every value would pay their jumps and stack shuffles).

    /// @dev silu, or with `tanhForm` gelu_tanh, in place. Equivalent to `x = silu(x, frac)`
    ///      (`gelu_tanh(x, frac)`) of `eternal.extended_activations` for each word: e = expQ64(-v)
    ///      as `FixedMath.expInPlace` computes it (MAP_EXP_Q64: -v below -128 taken as -128, whose
    ///      e is 0), v = |x| for silu; for gelu_tanh v = floor((m A + c B) / 2^64), m = |x|, c =
    ///      floor(floor(m^2 / 2^F) m / 2^F), and v = 128 one from m >= 16 one (m^2 < 2^136). Then
    ///      b = 2^64 + e, n = 2^64 (x >= 0) or e, and sign(x) floor((2 |x| n + b) / 2b)
    ///      (|x| n < 2^254: |x| < 2^190, n <= 2^64).
    function _silu(uint256 at, uint256 end, uint256 frac, bool tanhForm) private pure {
        assembly ("memory-safe") {
            let shift := add(frac, 32) // y = x log2(e) with 32 fractional bits
            let low := sub(0, shl(frac, 128)) // -128, the exponent's bound
            let one := shl(252, 1) // c_0
            let oneQ64 := shl(64, 1)
            let saturation := shl(frac, 16)
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                if iszero(lt(add(x, INPUT_SHIFT), INPUT_SPAN)) {
                    mstore(0, shl(224, TOO_LARGE_SELECTOR))
                    mstore(4, x)
                    revert(0, 0x24)
                }
                let t := not(sar(255, x)) // 0 if x < 0, else all ones
                let z := sub(xor(x, t), t) // -|x|
                let m := sub(0, z)
                if tanhForm {
                    z := low
                    if lt(m, saturation) {
                        let c := shr(frac, mul(shr(frac, mul(m, m)), m))
                        z := sub(0, shr(64, add(mul(m, GELU_TANH_A_Q64), mul(c, GELU_TANH_B_Q64))))
                    }
                }
                if slt(z, low) { z := low }
                let y := sar(shift, mul(LOG2E_Q64, z))
                let f := and(0xffffffff, y)
                let p := add(mul(add(mul(add(mul(C6, f), C5), f), C4), f), C3)
                p := add(mul(add(mul(add(mul(p, f), C2), f), C1), f), one)
                let e := shr(sub(188, sar(32, y)), p) // 188 = 252 - 64: P 2^(k-252) in Q64
                let b := add(oneQ64, e)
                let n := shl(64, m)
                if iszero(t) { n := mul(m, e) }
                let q := div(add(shl(1, n), b), shl(1, b))
                if iszero(t) { q := sub(0, q) }
                mstore(at, q)
            }
        }
    }

    /// @dev mish in place. Equivalent to `x = mish(x, frac)` of `eternal.extended_activations` for
    ///      each word: e = expQ64(-|x|) as in `_silu`; n = 2^128 + 2^65 e, d = n + 2 e^2 for
    ///      x >= 0, n = e^2 + 2^65 e, d = n + 2^129 below (tanh(softplus(x)) = n / d); r =
    ///      floor(n 2^64 / d) (n < 2^130) and sign(x) floor((|x| r + 2^63) / 2^64) (|x| r < 2^254).
    function _mish(uint256 at, uint256 end, uint256 frac) private pure {
        assembly ("memory-safe") {
            let shift := add(frac, 32)
            let low := sub(0, shl(frac, 128))
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                if iszero(lt(add(x, INPUT_SHIFT), INPUT_SPAN)) {
                    mstore(0, shl(224, TOO_LARGE_SELECTOR))
                    mstore(4, x)
                    revert(0, 0x24)
                }
                let t := not(sar(255, x)) // 0 if x < 0, else all ones
                let z := sub(xor(x, t), t) // -|x|
                let m := sub(0, z)
                if slt(z, low) { z := low }
                let y := sar(shift, mul(LOG2E_Q64, z))
                let f := and(0xffffffff, y)
                let p := add(mul(add(mul(add(mul(C6, f), C5), f), C4), f), C3)
                p := add(mul(add(mul(add(mul(p, f), C2), f), C1), f), shl(252, 1)) // c_0 = 2^252
                let e := shr(sub(188, sar(32, y)), p)
                let n := add(shl(128, 1), shl(65, e))
                let d := add(n, shl(1, mul(e, e)))
                if iszero(t) {
                    n := add(mul(e, e), shl(65, e))
                    d := add(n, shl(129, 1))
                }
                let q := shr(64, add(mul(m, div(shl(64, n), d)), shl(63, 1)))
                if iszero(t) { q := sub(0, q) }
                mstore(at, q)
            }
        }
    }

    /// @dev gelu (erf form) in place. Equivalent to `x = gelu(x, frac)` of
    ///      `eternal.extended_activations` for each word: m = |x|; r = 0 from m >= 16 one, else
    ///      floor((m c + 2^63) / 2^64) with c = erfc(m / sqrt 2) / 2 in Q64 (`halfErfc`: z < 2^68,
    ///      t <= 2^64, |p| < 2^67, so no product reaches 2^140); x - r for x >= 0, -r below.
    function _gelu(uint256 at, uint256 end, uint256 frac) private pure {
        assembly ("memory-safe") {
            function halfErfc(m, f) -> c {
                let z := shr(f, mul(m, INV_SQRT2_Q64))
                let t := div(shl(128, 1), add(shl(64, 1), shr(1, z)))
                let p := add(sar(64, mul(ERFC_A9, t)), ERFC_A8)
                p := add(sar(64, mul(p, t)), ERFC_A7)
                p := add(sar(64, mul(p, t)), ERFC_A6)
                p := add(sar(64, mul(p, t)), ERFC_A5)
                p := add(sar(64, mul(p, t)), ERFC_A4)
                p := add(sar(64, mul(p, t)), ERFC_A3)
                p := add(sar(64, mul(p, t)), ERFC_A2)
                p := add(sar(64, mul(p, t)), ERFC_A1)
                p := add(sar(64, mul(p, t)), ERFC_A0)
                let v := sub(p, shr(64, mul(z, z))) // -z^2 + P(t), Q64
                if sgt(v, 0) { v := 0 }
                if slt(v, MINUS_128_Q64) { v := MINUS_128_Q64 }
                // expQ64(v) at 64 fractional bits, as `_silu` (y = v log2(e) >> 96)
                let y := sar(96, mul(LOG2E_Q64, v))
                let g := and(0xffffffff, y)
                let q := add(mul(add(mul(add(mul(C6, g), C5), g), C4), g), C3)
                q := add(mul(add(mul(add(mul(q, g), C2), g), C1), g), shl(252, 1)) // c_0 = 2^252
                c := shr(65, mul(t, shr(sub(188, sar(32, y)), q))) // floor(floor(t e / 2^64) / 2)
            }
            let saturation := shl(frac, 16)
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                if iszero(lt(add(x, INPUT_SHIFT), INPUT_SPAN)) {
                    mstore(0, shl(224, TOO_LARGE_SELECTOR))
                    mstore(4, x)
                    revert(0, 0x24)
                }
                let t := not(sar(255, x)) // 0 if x < 0, else all ones
                let m := sub(0, sub(xor(x, t), t)) // |x|
                let r := 0
                if lt(m, saturation) { r := shr(64, add(mul(m, halfErfc(m, frac)), shl(63, 1))) }
                switch t
                case 0 { mstore(at, sub(0, r)) }
                default { mstore(at, sub(x, r)) }
            }
        }
    }

    /// @dev elu (`qPos` = 0: x itself above 0) or selu in place. Equivalent to
    ///      `x = elu(x, frac, (qNeg, qNegFrac))`, resp. `selu(x, frac)`, of
    ///      `eternal.extended_activations` for each word: x > 0: x, or rescale(x qPos, F + 30, F)
    ///      (|x qPos| < 2^221); else e = expQ64(x) as in `_silu` and rescale((e - 2^64) qNeg,
    ///      64 + qNegFrac, F) (d = 64 + qNegFrac - F >= 1, |(e - 2^64) qNeg| < 2^96, `sar` floors).
    function _elu(uint256 at, uint256 end, uint256 frac, int256 qNeg, uint256 qNegFrac, int256 qPos) private pure {
        assembly ("memory-safe") {
            let shift := add(frac, 32)
            let low := sub(0, shl(frac, 128))
            let d := sub(add(64, qNegFrac), frac)
            let half := shl(sub(d, 1), 1)
            for {} lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                if iszero(lt(add(x, INPUT_SHIFT), INPUT_SPAN)) {
                    mstore(0, shl(224, TOO_LARGE_SELECTOR))
                    mstore(4, x)
                    revert(0, 0x24)
                }
                switch sgt(x, 0)
                case 0 {
                    if slt(x, low) { x := low }
                    let y := sar(shift, mul(LOG2E_Q64, x))
                    let f := and(0xffffffff, y)
                    let p := add(mul(add(mul(add(mul(C6, f), C5), f), C4), f), C3)
                    p := add(mul(add(mul(add(mul(p, f), C2), f), C1), f), shl(252, 1)) // c_0 = 2^252
                    let e := shr(sub(188, sar(32, y)), p)
                    mstore(at, sar(d, add(mul(sub(e, shl(64, 1)), qNeg), half))) // e - 2^64 <= 0
                }
                default {
                    // rescale(x qPos, F + 30, F): + 2^29, then floor by 2^30
                    if qPos { mstore(at, sar(MULTIPLIER_FRAC, add(mul(x, qPos), shl(29, 1)))) }
                }
            }
        }
    }

    // solhint-enable function-max-lines
}
