// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixed, FixedMath, FracBitsUnsupported} from "./FixedMath.sol";

/// @title Activations
/// @notice Applies an activation function to a tensor in place (fixed point, 2^-frac scale).
/// @dev Codes match `python/eternal/activations.py` `CODES`; results are bit-exact with it. Codes 6
///      and up (`ExtendedActivations`) run in the `ActivationKernels` contract the calling layer's
///      implementation created (`CreatesActivationKernels`): a static call, so the layers that
///      inline this library do not carry them.
library Activations {
    uint256 internal constant LINEAR = 0;
    uint256 internal constant RELU = 1;
    uint256 internal constant SIGMOID = 2;
    uint256 internal constant TANH = 3;
    uint256 internal constant SOFTMAX = 4;
    uint256 internal constant LEAKY_RELU = 5;
    /// @dev `ExtendedActivations.LOG_SOFTMAX`: over the last axis like softmax (the kernels get
    ///      `axis` above the frac word's low 128 bits).
    uint256 internal constant LOG_SOFTMAX = 21;

    /// @dev Keras' default slope 0.2 of the `leaky_relu` activation as a 32-bit multiplier:
    ///      round(0.2 * 2^33) with 33 fractional bits (`quantise_multiplier(0.2)`).
    int256 internal constant LEAKY_SLOPE_Q = 1717986918;
    int256 internal constant LEAKY_SLOPE_FRAC = 33;

    /// @notice `kind` is not an activation code (0..5).
    error UnknownActivation(uint256 kind);
    /// @notice The layer's implementation has no `ActivationKernels` at `kernels` (it did not create one).
    error ActivationKernelsMissing(address kernels);
    /// @notice Softmax over groups of `axis` values does not divide the tensor of `length`.
    error SoftmaxAxisMismatch(uint256 length, uint256 axis);

    /// @notice Applies activation `kind` to `x` in place.
    /// @param x fixed point, 2^-frac scale.
    /// @param kind LINEAR, RELU, SIGMOID, TANH, SOFTMAX or LEAKY_RELU, or an `ExtendedActivations` code.
    /// @param frac fractional bits F of the activations.
    /// @param axis length of the last axis (softmax and log_softmax run over each run of `axis` values).
    function activate(int256[] memory x, uint256 kind, uint256 frac, uint256 axis) internal view {
        if (kind == LINEAR) return;
        if (kind == RELU) return relu(x);
        if (kind == SIGMOID) return sigmoid(x, frac);
        if (kind == TANH) return tanh(x, frac);
        if (kind == SOFTMAX) return softmax(x, frac, axis);
        if (kind == LEAKY_RELU) return leakyRelu(x, LEAKY_SLOPE_Q, LEAKY_SLOPE_FRAC, frac);
        extended(x, kind, frac | (axis << 128));
    }

    /// @notice Applies an extended activation (code 6 and up) to `x` in place, in the calling
    ///         implementation's `ActivationKernels`; reverts with its error (`UnknownActivation`
    ///         for a code it does not know), or `ActivationKernelsMissing` when there is none.
    /// @param x    Fixed point 2^-frac, replaced by the result.
    /// @param kind An `ExtendedActivations` code.
    /// @param frac F in the low 128 bits, the last axis's length (log_softmax's runs) above.
    function extended(int256[] memory x, uint256 kind, uint256 frac) internal view {
        if (x.length == 0) return;
        address kernels = _kernels();
        bool answered;
        // Equivalent to `x = abi.decode(kernels.staticcall(abi.encodePacked(kind, frac, x)))`
        // without copying x: the two words before its data (the word below x and its length)
        // carry the header during the call and are restored after it.
        assembly ("memory-safe") {
            let size := shl(5, mload(x))
            let below := sub(x, 0x20)
            let saved := mload(below)
            mstore(below, kind)
            mstore(x, frac)
            let ok := staticcall(gas(), kernels, below, add(size, 0x40), add(x, 0x20), size)
            mstore(below, saved)
            mstore(x, shr(5, size))
            if iszero(ok) {
                let p := mload(0x40)
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            answered := eq(returndatasize(), size)
        }
        if (!answered) revert ActivationKernelsMissing(kernels);
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

    /// @dev The `ActivationKernels` of the running implementation: the address its first creation
    ///      got, keccak256(rlp([implementation, 1]))[12:]. The implementation is `address(this)`,
    ///      or, through a Solady clone (its code starts with the 10-byte proxy prefix), the address
    ///      in the clone's code after that prefix.
    function _kernels() private view returns (address kernels) {
        assembly ("memory-safe") {
            let implementation := address()
            mstore(0, 0)
            extcodecopy(implementation, 22, 0, 10) // the code's first 10 bytes, at the word's end
            if eq(mload(0), 0x363d3d373d3d3d363d73) {
                // a clone: the implementation's 20 bytes follow the prefix
                extcodecopy(implementation, 12, 10, 20)
                implementation := mload(0)
            }
            // rlp([implementation, 1]) = 0xd6 0x94 <20 bytes> 0x01: 23 bytes from word 0's start
            mstore(0, or(or(shl(248, 0xd6), shl(240, 0x94)), or(shl(80, implementation), shl(72, 1))))
            kernels := and(keccak256(0, 23), 0xffffffffffffffffffffffffffffffffffffffff)
        }
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
