// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GlobalPooling2DBase} from "./base/GlobalPooling2DBase.sol";
import {PoolKernels} from "../lib/PoolKernels.sol";

/// @title GlobalMaxPooling2DLayer
/// @notice Keras GlobalMaxPooling2D: the largest value of each channel.
contract GlobalMaxPooling2DLayer is GlobalPooling2DBase {
    function _pool(uint256 cells, uint256 cellsEnd, uint256 out, uint256 count) internal pure override {
        PoolKernels.maxInto(cells, cellsEnd, out, count);
    }
}
