// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GlobalPooling2DBase} from "./base/GlobalPooling2DBase.sol";
import {PoolKernels} from "../lib/PoolKernels.sol";

/// @title GlobalAveragePooling2DLayer
/// @notice Keras GlobalAveragePooling2D: the mean of each channel, rounded to nearest, ties up
///         (`SpatialMath.divRoundHalfUp`); an int256 overflow reverts (`Panic(0x11)`) rather than
///         differ from the emulator.
contract GlobalAveragePooling2DLayer is GlobalPooling2DBase {
    function _pool(uint256 cells, uint256 cellsEnd, uint256 out, uint256 count) internal pure override {
        PoolKernels.meanInto(cells, cellsEnd, out, count);
    }
}
