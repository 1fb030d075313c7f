// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MaxPooling2DLayer} from "./MaxPooling2DLayer.sol";

/// @title MaxPooling1DLayer
/// @notice Keras MaxPooling1D: MaxPooling2D over an input of height 1 (config with
///         `height = poolHeight = strideY = outHeight = 1`, python/eternal/layers/max_pooling1d.py).
contract MaxPooling1DLayer is MaxPooling2DLayer {} // solhint-disable-line no-empty-blocks
