// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Pooling2DBase} from "./base/Pooling2DBase.sol";
import {PoolKernels} from "../lib/PoolKernels.sol";

/// @title AveragePooling2DLayer
/// @notice Keras AveragePooling2D: the mean of each window's valid cells (with 'same' padding
///         the padded cells are not counted), rounded to nearest, ties up
///         (`SpatialMath.divRoundHalfUp`); an int256 overflow reverts (`Panic(0x11)`) rather than
///         differ from the emulator.
contract AveragePooling2DLayer is Pooling2DBase {
    function _pool(uint256 cells, uint256 cellsEnd, uint256 out, uint256 count) internal pure override {
        PoolKernels.meanInto(cells, cellsEnd, out, count);
    }
}
