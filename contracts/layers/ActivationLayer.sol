// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./base/LayerBase.sol";
import {ILayer} from "../interfaces/ILayer.sol";
import {Activations} from "../lib/Activations.sol";

/// @title ActivationLayer
/// @notice Keras `Activation`: one activation function over the tensor (softmax over the last axis).
/// @dev Config: `abi.encode(F, bits, activation, axis)`; `axis` = length of the last axis.
contract ActivationLayer is LayerBase {
    /// @inheritdoc ILayer
    function forward(int256[][] calldata inputs, address[] calldata)
        external
        view
        override
        returns (int256[] memory output)
    {
        (uint256 frac,, uint256 activation, uint256 axis) =
            abi.decode(_config(), (uint256, uint256, uint256, uint256));
        _expectInputs(inputs, 1);
        output = inputs[0];
        Activations.activate(output, activation, frac, axis);
    }
}
