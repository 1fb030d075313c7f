// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./base/LayerBase.sol";
import {ILayer} from "../interfaces/ILayer.sol";

/// @title ConcatenateLayer
/// @notice Keras `Concatenate(axis)` on C-order tensors: for each of the `outer` index tuples
///         before the axis, input k contributes its next run of `inner[k]` values.
/// @dev Config: `abi.encode(F, bits, outer, uint256[] inner)`; input k has `outer * inner[k]` values.
contract ConcatenateLayer is LayerBase {
    /// @inheritdoc ILayer
    function forward(int256[][] calldata inputs, address[] calldata)
        external
        view
        override
        returns (int256[] memory output)
    {
        (,, uint256 outer, uint256[] memory inner) = abi.decode(_config(), (uint256, uint256, uint256, uint256[]));
        _expectInputs(inputs, inner.length);
        uint256 total;
        for (uint256 k; k < inner.length; ++k) {
            _expectSize(inputs, k, outer * inner[k]);
            total += inner[k];
        }
        output = new int256[](outer * total);
        uint256 at;
        for (uint256 o; o < outer; ++o) {
            for (uint256 k; k < inner.length; ++k) {
                uint256 run = inner[k];
                int256[] calldata x = inputs[k];
                for (uint256 i = o * run; i < (o + 1) * run; ++i) {
                    output[at++] = x[i];
                }
            }
        }
    }
}
