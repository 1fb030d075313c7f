// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Pooling2DBase} from "./base/Pooling2DBase.sol";
import {PoolKernels} from "../lib/PoolKernels.sol";

/// @title MaxPooling2DLayer
/// @notice Keras MaxPooling2D: the largest value of each window (valid cells only).
contract MaxPooling2DLayer is Pooling2DBase {
    function _pool(uint256 cells, uint256 cellsEnd, uint256 out, uint256 count) internal pure override {
        PoolKernels.maxInto(cells, cellsEnd, out, count);
    }

    function _poolRun(uint256 p, uint256 out, uint256 n, Config memory c) internal pure override returns (bool) {
        PoolKernels.maxRun(p, out, n, c.channels, c.strideX * c.channels * 32, c.width * c.channels * 32, c.poolHeight, c.poolWidth);
        return true;
    }
}
