// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./base/LayerBase.sol";
import {ILayer} from "../interfaces/ILayer.sol";
import {FixedMath} from "../lib/FixedMath.sol";

/// @title ReLULayer
/// @notice Keras `ReLU(max_value, negative_slope, threshold)`:
///         `min(max(x > t ? x : 0, 0), maxValue) - (x < t ? rescale((t - x) * q, F + qFrac, F) : 0)`.
/// @dev Config: `abi.encode(F, bits, int256 q, int256 qFrac, int256 threshold, uint256 hasMax,
///      int256 maxValue)`; threshold and maxValue on the activation scale 2^-F.
contract ReLULayer is LayerBase {
    /// @inheritdoc ILayer
    function forward(int256[][] calldata inputs, address[] calldata)
        external
        view
        override
        returns (int256[] memory output)
    {
        (uint256 frac,, int256 q, int256 qFrac, int256 threshold, uint256 hasMax, int256 maxValue) =
            abi.decode(_config(), (uint256, uint256, int256, int256, int256, uint256, int256));
        _expectInputs(inputs, 1);
        output = inputs[0];
        int256 productFrac = int256(frac) + qFrac;
        for (uint256 i; i < output.length; ++i) {
            int256 x = output[i];
            int256 y = x > threshold ? x : int256(0);
            if (y < 0) y = 0;
            if (hasMax != 0 && y > maxValue) y = maxValue;
            if (x < threshold && q != 0) y -= FixedMath.rescaleInt((threshold - x) * q, productFrac, int256(frac));
            output[i] = y;
        }
    }
}
