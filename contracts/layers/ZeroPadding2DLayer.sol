// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";

/// @title ZeroPadding2DLayer
/// @notice A window copy: Keras ZeroPadding2D and Cropping2D (and their 1D twins, height 1).
///         Output pixel (y, x) is input pixel (y - top, x - left), or 0 outside the input; a
///         positive edge (`top`, `bottom`, `left`, `right`) adds rows or columns of zeros, a
///         negative one crops them.
/// @dev The output is runs of zeros between the input rows' kept parts: each output element is
///      written once, by a calldata copy (a row's values) or a copy from past the calldata's end
///      (zeros).
contract ZeroPadding2DLayer is SlicedLayerBase {
    /// @notice The layer config (`abi_config` in python/eternal/layers/zero_padding2d.py).
    struct Config {
        uint256 fracBits;
        uint256 weightBits;
        uint256 height;
        uint256 width;
        uint256 channels;
        int256 top;
        int256 bottom;
        int256 left;
        int256 right;
    }

    /// @dev Where each input row's kept values go: input row y (`rowIn` values) is output row
    ///      y + top (`rowValues` values); its kept run of `run` values starts `skip` values into
    ///      the input row and `lead` values into the output row. A slice reads input rows
    ///      `[first, last)`.
    struct Rows {
        uint256 rowIn;
        uint256 rowValues;
        uint256 run;
        uint256 skip;
        uint256 lead;
        int256 top;
        uint256 first;
        uint256 last;
    }

    /// @dev Output (height + top + bottom, width + left + right, channels), flattened, 2^-F.
    ///      Reverts `SafeCastOverflowedIntToUint` when the edges crop more than the input holds.
    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        Config memory c = abi.decode(_config(), (Config));
        _expectInputs(xs, 1);
        _expectSize(xs, 0, c.height * c.width * c.channels);
        Rows memory r = _layout(c);
        size = SafeCast.toUint256(SafeCast.toInt256(c.height) + c.top + c.bottom) * r.rowValues;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        (r.first, r.last) = _rows(from, to, c, r);
        _need(xs, 0, r.first * r.rowIn, r.last * r.rowIn); // whole input rows
        output = _allocate(to - from);
        _fill(_at(xs, 0, 0), _dataAt(output), from, to, r);
    }

    /// @dev The row layout of the config's edges.
    function _layout(Config memory c) private pure returns (Rows memory r) {
        int256 width = SafeCast.toInt256(c.width);
        r.rowIn = c.width * c.channels;
        r.top = c.top;
        r.rowValues = SafeCast.toUint256(width + c.left + c.right) * c.channels;
        uint256 cropLeft = c.left < 0 ? uint256(-c.left) : 0;
        uint256 cropRight = c.right < 0 ? uint256(-c.right) : 0;
        r.run = SafeCast.toUint256(width - int256(cropLeft + cropRight)) * c.channels;
        r.skip = cropLeft * c.channels;
        r.lead = c.left > 0 ? uint256(c.left) * c.channels : 0;
    }

    /// @dev Output elements [from, to) into memory `dst` (element `from`): for each input row
    ///      whose run meets the range, the zeros before it and its kept values; then the zeros after.
    function _fill(uint256 src, uint256 dst, uint256 from, uint256 to, Rows memory r) private pure {
        uint256 at = from; // output elements below `at` are written
        for (uint256 y = r.first; y < r.last; ++y) {
            // Output row y + top (>= 0: `_rows` starts at the first input row that has one).
            uint256 runStart = uint256(int256(y) + r.top) * r.rowValues + r.lead; // output element
            (uint256 lo, uint256 hi) = (runStart < from ? from : runStart, runStart + r.run > to ? to : runStart + r.run);
            if (lo >= hi) continue;
            _zero(dst + (at - from) * 32, lo - at);
            uint256 row;
            unchecked {
                // `src` may have wrapped (`Input`): modulo 2^256 it lands inside the window.
                row = src + (y * r.rowIn + r.skip + lo - runStart) * 32;
            }
            _copy(row, dst + (lo - from) * 32, hi - lo);
            at = hi;
        }
        _zero(dst + (at - from) * 32, to - at);
    }

    /// @dev The input rows `[first, last)` whose output run can meet [from, to): output row o
    ///      holds input row o - top, clamped to the input's rows.
    function _rows(uint256 from, uint256 to, Config memory c, Rows memory r)
        private
        pure
        returns (uint256 first, uint256 last)
    {
        if (from == to) return (0, 0);
        first = _clampRow(int256(from / r.rowValues) - c.top, c.height);
        last = _clampRow(int256((to - 1) / r.rowValues + 1) - c.top, c.height);
    }

    /// @dev `row` clamped to [0, height].
    function _clampRow(int256 row, uint256 height) private pure returns (uint256) {
        if (row < 0) return 0;
        return uint256(row) < height ? uint256(row) : height;
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
