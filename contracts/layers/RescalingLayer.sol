// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./base/LayerBase.sol";
import {ILayer} from "../interfaces/ILayer.sol";
import {FixedMath} from "../lib/FixedMath.sol";

/// @title RescalingLayer
/// @notice Keras `Rescaling(scale, offset)`: `rescale(x * q, F + qFrac, F) + offset`.
/// @dev Config: `abi.encode(F, bits, int256 q, int256 qFrac, int256 offset)`: `scale = q * 2^-qFrac`
///      (a 32-bit multiplier), `offset` on the activation scale 2^-F.
contract RescalingLayer is LayerBase {
    /// @inheritdoc ILayer
    function forward(int256[][] calldata inputs, address[] calldata)
        external
        view
        override
        returns (int256[] memory output)
    {
        (uint256 frac,, int256 q, int256 qFrac, int256 offset) =
            abi.decode(_config(), (uint256, uint256, int256, int256, int256));
        _expectInputs(inputs, 1);
        output = inputs[0];
        int256 productFrac = int256(frac) + qFrac;
        for (uint256 i; i < output.length; ++i) {
            output[i] = FixedMath.rescaleInt(output[i] * q, productFrac, int256(frac)) + offset;
        }
    }
}
