// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixed, FixedMath, FracBitsUnsupported} from "./FixedMath.sol";

/// @title Activations
/// @notice Applies an activation function to a tensor in place (fixed point, 2^-frac scale).
/// @dev Codes match `python/eternal/activations.py` `CODES`; results are bit-exact with it.
library Activations {
    uint256 internal constant LINEAR = 0;
    uint256 internal constant RELU = 1;
    uint256 internal constant SIGMOID = 2;
    uint256 internal constant TANH = 3;
    uint256 internal constant SOFTMAX = 4;
    uint256 internal constant LEAKY_RELU = 5;

    /// @dev Keras' default slope 0.2 of the `leaky_relu` activation as a 32-bit multiplier:
    ///      round(0.2 * 2^33) with 33 fractional bits (`quantise_multiplier(0.2)`).
    int256 internal constant LEAKY_SLOPE_Q = 1717986918;
    int256 internal constant LEAKY_SLOPE_FRAC = 33;

    /// @notice `kind` is not an activation code (0..5).
    error UnknownActivation(uint256 kind);
    /// @notice Softmax over groups of `axis` values does not divide the tensor of `length`.
    error SoftmaxAxisMismatch(uint256 length, uint256 axis);

    /// @notice Applies activation `kind` to `x` in place.
    /// @param x fixed point, 2^-frac scale.
    /// @param kind LINEAR, RELU, SIGMOID, TANH, SOFTMAX or LEAKY_RELU.
    /// @param frac fractional bits F of the activations.
    /// @param axis length of the last axis (softmax runs over each run of `axis` values).
    function activate(int256[] memory x, uint256 kind, uint256 frac, uint256 axis) internal pure {
        if (kind == LINEAR) return;
        if (kind == RELU) return relu(x);
        if (kind == SIGMOID) return sigmoid(x, frac);
        if (kind == TANH) return tanh(x, frac);
        if (kind == SOFTMAX) return softmax(x, frac, axis);
        if (kind == LEAKY_RELU) return leakyRelu(x, LEAKY_SLOPE_Q, LEAKY_SLOPE_FRAC, frac);
        revert UnknownActivation(kind);
    }

    /// @notice `max(x, 0)` in place.
    /// @param x Values on any fixed-point scale, replaced by the result.
    function relu(int256[] memory x) internal pure {
        for (uint256 i; i < x.length; ++i) {
            if (x[i] < 0) x[i] = 0;
        }
    }

    /// @notice `x` if `x >= 0`, else `rescale(x * q, frac + qFrac, frac)`, in place.
    /// @param x     Fixed point 2^-frac, replaced by the result.
    /// @param q     The negative slope's multiplier: the slope is `q * 2^-qFrac`.
    /// @param qFrac The multiplier's frac bits.
    /// @param frac  F.
    function leakyRelu(int256[] memory x, int256 q, int256 qFrac, uint256 frac) internal pure {
        for (uint256 i; i < x.length; ++i) {
            if (x[i] < 0) x[i] = Fixed.unwrap(Fixed.wrap(x[i]).mulConst(q, qFrac, frac));
        }
    }

    /// @notice The logistic function in place (see `FixedMath.sigmoid`).
    /// @param x    Fixed point 2^-frac, replaced by the result.
    /// @param frac F, at most 64.
    function sigmoid(int256[] memory x, uint256 frac) internal pure {
        _map(x, frac, FixedMath.MAP_SIGMOID);
    }

    /// @notice tanh in place (see `FixedMath.tanh`).
    /// @param x    Fixed point 2^-frac, replaced by the result.
    /// @param frac F, at most 64.
    function tanh(int256[] memory x, uint256 frac) internal pure {
        _map(x, frac, FixedMath.MAP_TANH);
    }

    /// @notice Softmax over each run of `axis` consecutive values, in place:
    ///         `divRound(e_i << frac, sum e_j)` with `e_i = expQ64(x_i - max)`.
    /// @param x    Fixed point 2^-frac, replaced by the result.
    /// @param frac F, at most 64.
    /// @param axis Length of each run (the last axis); must divide `x.length`.
    function softmax(int256[] memory x, uint256 frac, uint256 axis) internal pure {
        if (axis == 0 || x.length % axis != 0) revert SoftmaxAxisMismatch(x.length, axis);
        if (frac > FixedMath.MAX_FRAC) revert FracBitsUnsupported(frac);
        uint256 first;
        assembly ("memory-safe") {
            first := add(x, 0x20)
        }
        FixedMath.softmaxInPlace(first, first + x.length * 32, frac, axis * 32);
    }

    /// @dev `FixedMath.mapInPlace` over all of `x`, after checking `frac`.
    function _map(int256[] memory x, uint256 frac, uint256 kind) private pure {
        if (frac > FixedMath.MAX_FRAC) revert FracBitsUnsupported(frac);
        uint256 at;
        assembly ("memory-safe") {
            at := add(x, 0x20)
        }
        FixedMath.mapInPlace(at, at + x.length * 32, frac, kind);
    }
}
