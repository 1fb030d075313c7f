// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./SlicedLayerBase.sol";

/// @title GlobalPooling2DBase
/// @notice One value per channel over all `cells = H * W` positions (keepdims changes only the
///         shape, not the flat values): one window of every cell.
abstract contract GlobalPooling2DBase is SlicedLayerBase {
    /// @notice The layer config (`abi_config` in python/eternal/layers/global_pooling2d.py).
    struct Config {
        uint256 fracBits;
        uint256 weightBits;
        uint256 cells;
        uint256 channels;
    }

    /// @dev One value per channel, fixed point 2^-F: the channels the range covers.
    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        Config memory c = abi.decode(_config(), (Config));
        _expectInputs(xs, 1);
        _expectSize(xs, 0, c.cells * c.channels);
        size = c.channels;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        output = _allocate(to - from);
        if (from == to) return (output, size);
        // Channels [from, to) of every cell.
        _need(xs, 0, from, c.cells == 0 ? 0 : (c.cells - 1) * c.channels + to);
        (uint256 cells, uint256 cellsEnd) = _cells(_at(xs, 0, from), c);
        _pool(cells, cellsEnd, _dataAt(output), to - from);
    }

    /// @notice Pools `count` consecutive channels over the cells into the values at memory `out`.
    /// @param cells    Memory address of the first cell: its calldata offset of the first channel.
    /// @param cellsEnd One past the last cell.
    /// @param out      Memory address of the first output.
    /// @param count    How many channels.
    function _pool(uint256 cells, uint256 cellsEnd, uint256 out, uint256 count) internal pure virtual;

    /// @dev The calldata offsets of every cell's value of the channel at `first`, in fresh memory.
    function _cells(uint256 first, Config memory c) private pure returns (uint256 cells, uint256 cellsEnd) {
        uint256 stride = c.channels * 32;
        uint256 count = c.cells;
        // Equivalent to `cells[k] = first + k * stride` for k < count (memory not cleared first).
        assembly ("memory-safe") {
            cells := mload(0x40)
            cellsEnd := add(cells, shl(5, count))
            mstore(0x40, cellsEnd)
            for { let k := cells } lt(k, cellsEnd) { k := add(k, 0x20) } {
                mstore(k, first)
                first := add(first, stride)
            }
        }
    }
}
