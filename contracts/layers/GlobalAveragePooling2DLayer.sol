// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GlobalPooling2DBase} from "./base/GlobalPooling2DBase.sol";
import {SpatialMath} from "../lib/SpatialMath.sol";

/// @title GlobalAveragePooling2DLayer
/// @notice Keras GlobalAveragePooling2D: the mean of each channel, rounded to nearest, ties up.
contract GlobalAveragePooling2DLayer is GlobalPooling2DBase {
    function _pool(int256[] calldata x, uint256 cells, uint256 channels, uint256 ch)
        internal
        pure
        override
        returns (int256)
    {
        int256 total;
        for (uint256 i = ch; i < cells * channels; i += channels) {
            total += x[i]; // checked: an overflow reverts rather than differ from the emulator
        }
        return SpatialMath.divRoundHalfUp(total, cells);
    }
}
