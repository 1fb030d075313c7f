// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";
import {Activations} from "../lib/Activations.sol";
import {Elementwise} from "../lib/Elementwise.sol";
import {CreatesActivationKernels} from "./base/CreatesActivationKernels.sol";

/// @title ActivationLayer
/// @notice Keras `Activation`: one activation function over the tensor (softmax over the last axis).
/// @dev Config: `abi.encode(F, bits, activation, axis)`; `axis` = length of the last axis (the Keras
///      `ELU` layer: `activation` = `ELU | alphaFrac << 8 | uint32(alphaQ) << 16`, alpha = alphaQ 2^-alphaFrac). relu and
///      leaky_relu run `Elementwise`; the others `Activations` on a copy of the range (for softmax
///      and log_softmax, of the whole runs of `axis` values that cover it); the extended ones
///      (codes 6 and up) run
///      in its `ActivationKernels`, as in every layer: inlined here, their exponential loops
///      would share blocks with FixedMath's (the optimizer merges identical code) and sigmoid,
///      tanh and softmax would pay ~60 gas a value more for the jumps.
contract ActivationLayer is SlicedLayerBase, CreatesActivationKernels {
    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        (uint256 frac,, uint256 activation, uint256 axis) =
            abi.decode(_config(), (uint256, uint256, uint256, uint256));
        _expectInputs(xs, 1);
        size = xs[0].size;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        uint256 src = _at(xs, 0, from);
        if (activation == Activations.RELU || activation == Activations.LEAKY_RELU) {
            _need(xs, 0, from, to);
            output = _allocate(to - from);
            if (activation == Activations.RELU) {
                Elementwise.relu(src, _dataAt(output), to - from, 0, false, 0);
            } else {
                Elementwise.leakyRelu(src, _dataAt(output), to - from,
                    Activations.LEAKY_SLOPE_Q, Activations.LEAKY_SLOPE_FRAC, frac);
            }
            return (output, size);
        }
        (uint256 low, uint256 high) = (from, to);
        if (activation == Activations.SOFTMAX || activation == Activations.LOG_SOFTMAX) {
            if (axis == 0 || size % axis != 0) revert Activations.SoftmaxAxisMismatch(size, axis);
            (low, high) = (from - from % axis, to + (axis - to % axis) % axis);
        }
        _need(xs, 0, low, high);
        output = _allocate(high - low);
        src = _at(xs, 0, low);
        // Equivalent to `output[i - low] = x[i]` for i in [low, high).
        assembly ("memory-safe") {
            calldatacopy(add(output, 0x20), src, shl(5, sub(high, low)))
        }
        Activations.activate(output, activation, frac, axis);
        output = _trim(output, from - low, to - low);
    }
}
