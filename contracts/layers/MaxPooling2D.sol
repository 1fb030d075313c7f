// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Pooling2DBase} from "./Pooling2DBase.sol";

/// @title MaxPooling2DLayer
/// @notice Keras MaxPooling2D: the largest value of each window (valid cells only).
contract MaxPooling2DLayer is Pooling2DBase {
    function _pool(int256[] calldata x, Config memory c, Window memory w, uint256 ch)
        internal
        pure
        override
        returns (int256 peak)
    {
        peak = type(int256).min;
        unchecked {
            // Cell indices are inside the input (the window is clipped to it).
            for (uint256 y = w.y0; y < w.y1; ++y) {
                for (uint256 i = (y * c.width + w.x0) * c.channels + ch; i < (y * c.width + w.x1) * c.channels; i += c.channels) {
                    if (x[i] > peak) peak = x[i];
                }
            }
        }
    }
}
