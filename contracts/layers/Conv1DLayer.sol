// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Conv2DLayer} from "./Conv2DLayer.sol";

/// @title Conv1DLayer
/// @notice Keras Conv1D: a Conv2D over an input of height 1. Its config is the Conv2D config
///         with `height = kernelHeight = strideY = outHeight = 1` and `padTop = 0`, and its
///         kernel `(k, cin, cout)` is stored exactly as a `(1, k, cin, cout)` one would be
///         (python/eternal/layers/conv1d.py).
contract Conv1DLayer is Conv2DLayer {} // solhint-disable-line no-empty-blocks
