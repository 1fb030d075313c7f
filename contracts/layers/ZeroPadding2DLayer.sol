// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";

/// @title ZeroPadding2DLayer
/// @notice Keras ZeroPadding2D: `top`/`bottom` rows and `left`/`right` columns of zeros.
/// @dev The output is runs of zeros between the input's rows: each output element is written
///      once, by a calldata copy (a row's values) or a copy from past the calldata's end (zeros).
contract ZeroPadding2DLayer is SlicedLayerBase {
    /// @notice The layer config (`abi_config` in python/eternal/layers/zero_padding2d.py).
    struct Config {
        uint256 fracBits;
        uint256 weightBits;
        uint256 height;
        uint256 width;
        uint256 channels;
        uint256 top;
        uint256 bottom;
        uint256 left;
        uint256 right;
    }

    /// @dev Output (height + top + bottom, width + left + right, channels), flattened, 2^-F.
    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        Config memory c = abi.decode(_config(), (Config));
        _expectInputs(xs, 1);
        _expectSize(xs, 0, c.height * c.width * c.channels);
        size = (c.top + c.height + c.bottom) * _rowValues(c);
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        (uint256 first, uint256 last) = _rows(from, to, c);
        _need(xs, 0, first * c.width * c.channels, last * c.width * c.channels); // whole input rows
        output = _allocate(to - from);
        _fill(_at(xs, 0, 0), _dataAt(output), from, to, c);
    }

    /// @dev Output elements [from, to) into memory `dst` (element `from`): for each input row
    ///      whose run meets the range, the zeros before it and its values; then the zeros after.
    function _fill(uint256 src, uint256 dst, uint256 from, uint256 to, Config memory c) private pure {
        uint256 at = from; // output elements below `at` are written
        (uint256 first, uint256 last) = _rows(from, to, c);
        uint256 run = c.width * c.channels;
        for (uint256 y = first; y < last; ++y) {
            uint256 runStart = (c.top + y) * _rowValues(c) + c.left * c.channels; // output element
            (uint256 lo, uint256 hi) = (runStart < from ? from : runStart, runStart + run > to ? to : runStart + run);
            if (lo >= hi) continue;
            _zero(dst + (at - from) * 32, lo - at);
            uint256 row;
            unchecked {
                // `src` may have wrapped (`Input`): modulo 2^256 it lands inside the window.
                row = src + (y * run + lo - runStart) * 32;
            }
            _copy(row, dst + (lo - from) * 32, hi - lo);
            at = hi;
        }
        _zero(dst + (at - from) * 32, to - at);
    }

    /// @dev The input rows `[first, last)` whose output run can meet [from, to): output row r
    ///      holds input row r - top.
    function _rows(uint256 from, uint256 to, Config memory c) private pure returns (uint256 first, uint256 last) {
        if (from == to) return (0, 0);
        uint256 rowValues = _rowValues(c);
        (first, last) = (from / rowValues, (to - 1) / rowValues + 1);
        first = first > c.top ? first - c.top : 0;
        last = last > c.top ? last - c.top : 0;
        if (last > c.height) last = c.height;
    }

    /// @dev Values of one output row.
    function _rowValues(Config memory c) private pure returns (uint256) {
        return (c.left + c.width + c.right) * c.channels;
    }

    /// @dev Copies `count` values from calldata offset `src` to memory `dst`.
    function _copy(uint256 src, uint256 dst, uint256 count) private pure {
        // Equivalent to `out[j] = x[j]` for j < count.
        assembly ("memory-safe") {
            calldatacopy(dst, src, shl(5, count))
        }
    }

    /// @dev Writes `count` zeros at memory `dst`.
    function _zero(uint256 dst, uint256 count) private pure {
        // Equivalent to `out[j] = 0` for j < count: calldata reads past its end are zeros.
        assembly ("memory-safe") {
            calldatacopy(dst, calldatasize(), shl(5, count))
        }
    }
}
