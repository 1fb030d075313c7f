// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";
import {Elementwise} from "../lib/Elementwise.sol";

/// @title LeakyReLULayer
/// @notice Keras `LeakyReLU`: `x` if `x >= 0`, else `rescale(x * q, F + qFrac, F)`.
/// @dev Config: `abi.encode(F, bits, int256 q, int256 qFrac)`: the slope `q * 2^-qFrac`, a 32-bit
///      multiplier (`quantise_multiplier` in python/eternal/activations.py).
contract LeakyReLULayer is SlicedLayerBase {
    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        (uint256 frac,, int256 q, int256 qFrac) = abi.decode(_config(), (uint256, uint256, int256, int256));
        _expectInputs(xs, 1);
        size = xs[0].size;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        _need(xs, 0, from, to);
        output = _allocate(to - from);
        Elementwise.leakyRelu(_at(xs, 0, from), _dataAt(output), to - from, q, qFrac, frac);
    }
}
