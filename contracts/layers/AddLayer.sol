// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./base/LayerBase.sol";
import {ILayer} from "../interfaces/ILayer.sol";

/// @title AddLayer
/// @notice Keras `Add`: the elementwise sum of two or more inputs of one shape (exact, checked).
/// @dev Config: `abi.encode(F, bits, size)`; every input has `size` values.
contract AddLayer is LayerBase {
    /// @inheritdoc ILayer
    function forward(int256[][] calldata inputs, address[] calldata)
        external
        view
        override
        returns (int256[] memory output)
    {
        (,, uint256 size) = abi.decode(_config(), (uint256, uint256, uint256));
        if (inputs.length < 2) revert WrongLayerInputCount(2, inputs.length);
        for (uint256 k; k < inputs.length; ++k) {
            _expectSize(inputs, k, size);
        }
        output = inputs[0];
        for (uint256 k = 1; k < inputs.length; ++k) {
            int256[] calldata x = inputs[k];
            for (uint256 i; i < size; ++i) {
                output[i] += x[i];
            }
        }
    }
}
