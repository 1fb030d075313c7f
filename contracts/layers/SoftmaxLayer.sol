// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./base/LayerBase.sol";
import {ILayer} from "../interfaces/ILayer.sol";
import {Activations} from "../lib/Activations.sol";

/// @title SoftmaxLayer
/// @notice Keras `Softmax` over the last axis (see `Activations.softmax` for the rounding).
/// @dev Config: `abi.encode(F, bits, axis)`; `axis` = length of the last axis.
contract SoftmaxLayer is LayerBase {
    /// @inheritdoc ILayer
    function forward(int256[][] calldata inputs, address[] calldata)
        external
        view
        override
        returns (int256[] memory output)
    {
        (uint256 frac,, uint256 axis) = abi.decode(_config(), (uint256, uint256, uint256));
        _expectInputs(inputs, 1);
        output = inputs[0];
        Activations.softmax(output, frac, axis);
    }
}
