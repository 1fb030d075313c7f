// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GlobalPooling2DBase} from "./base/GlobalPooling2DBase.sol";

/// @title GlobalMaxPooling2DLayer
/// @notice Keras GlobalMaxPooling2D: the largest value of each channel.
contract GlobalMaxPooling2DLayer is GlobalPooling2DBase {
    function _pool(int256[] calldata x, uint256 cells, uint256 channels, uint256 ch)
        internal
        pure
        override
        returns (int256 peak)
    {
        peak = type(int256).min;
        unchecked {
            // i < cells * channels = x.length (checked in `forward`); the step cannot wrap.
            for (uint256 i = ch; i < cells * channels; i += channels) {
                if (x[i] > peak) peak = x[i];
            }
        }
    }
}
