// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Pooling2DBase} from "./Pooling2DBase.sol";
import {SpatialMath} from "./SpatialMath.sol";

/// @title AveragePooling2DLayer
/// @notice Keras AveragePooling2D: the mean of each window's valid cells (with 'same' padding
///         the padded cells are not counted), rounded to nearest, ties up.
contract AveragePooling2DLayer is Pooling2DBase {
    function _pool(int256[] calldata x, Config memory c, Window memory w, uint256 ch)
        internal
        pure
        override
        returns (int256)
    {
        int256 total;
        for (uint256 y = w.y0; y < w.y1; ++y) {
            for (uint256 i = (y * c.width + w.x0) * c.channels + ch; i < (y * c.width + w.x1) * c.channels; i += c.channels) {
                total += x[i]; // checked: an overflow reverts rather than differ from the emulator
            }
        }
        return SpatialMath.divRoundHalfUp(total, (w.y1 - w.y0) * (w.x1 - w.x0));
    }
}
