// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./base/LayerBase.sol";
import {ILayer} from "../interfaces/ILayer.sol";
import {Activations} from "../lib/Activations.sol";

/// @title LeakyReLULayer
/// @notice Keras `LeakyReLU`: `x` if `x >= 0`, else `rescale(x * q, F + qFrac, F)`.
/// @dev Config: `abi.encode(F, bits, int256 q, int256 qFrac)`: the slope `q * 2^-qFrac`, a 32-bit
///      multiplier (`quantise_multiplier` in python/eternal/activations.py).
contract LeakyReLULayer is LayerBase {
    /// @inheritdoc ILayer
    function forward(int256[][] calldata inputs, address[] calldata)
        external
        view
        override
        returns (int256[] memory output)
    {
        (uint256 frac,, int256 q, int256 qFrac) = abi.decode(_config(), (uint256, uint256, int256, int256));
        _expectInputs(inputs, 1);
        output = inputs[0];
        Activations.leakyRelu(output, q, qFrac, frac);
    }
}
