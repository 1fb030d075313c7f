// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./SlicedLayerBase.sol";
import {CreatesActivationKernels} from "./CreatesActivationKernels.sol";
import {Activations} from "../../lib/Activations.sol";

/// @title Pooling2DBase
/// @notice What MaxPooling2D, AveragePooling2D and MaxPooling1D share: windows of
///         `poolHeight x poolWidth` cells every `strideY, strideX`, clipped to the input
///         (with 'same' padding the padded cells are skipped, as Keras does).
abstract contract Pooling2DBase is SlicedLayerBase, CreatesActivationKernels {
    /// @notice The layer config (`abi_config` in python/eternal/layers/pooling2d_base.py).
    struct Config {
        uint256 fracBits;
        uint256 weightBits;
        uint256 height;
        uint256 width;
        uint256 channels;
        uint256 poolHeight;
        uint256 poolWidth;
        uint256 strideY;
        uint256 strideX;
        uint256 padTop;
        uint256 padLeft;
        uint256 outHeight;
        uint256 outWidth;
    }

    /// @dev Bytes of a pooling config (13 words) before its deferred activation, if any.
    uint256 internal constant POOLING_CONFIG_BYTES = 13 * 32;

    /// @dev Output (outHeight, outWidth, channels), flattened, fixed point 2^-F: the output
    ///      positions the range covers, each over the channels of it in the range. A config one
    ///      word longer carries a deferred activation (`Activations` code): the activation of the
    ///      layer before, which the deployment plan moves past a max pooling that is its only
    ///      reader (`python/eternal/fusion.py`). It is applied to the pooled values: for an
    ///      activation that never decreases, max then activation gives the same integers as
    ///      activation then max, on a quarter of the values for 2x2 windows.
    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        bytes memory raw = _config();
        Config memory c = abi.decode(raw, (Config));
        _expectInputs(xs, 1);
        _expectSize(xs, 0, c.height * c.width * c.channels);
        size = c.outHeight * c.outWidth * c.channels;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        if (from < to) _needRows(xs, from / c.channels / c.outWidth, (to - 1) / c.channels / c.outWidth + 1, c);
        output = _allocate(to - from);
        _poolRange(_at(xs, 0, 0), _dataAt(output), from, to, c);
        if (raw.length >= POOLING_CONFIG_BYTES + 32) Activations.activate(output, _deferred(raw), c.fracBits, 1);
    }

    /// @dev The config's word after the pooling's own: the deferred activation's code.
    function _deferred(bytes memory raw) private pure returns (uint256 kind) {
        // Equivalent to `abi.decode(raw[POOLING_CONFIG_BYTES:], (uint256))`.
        assembly ("memory-safe") {
            kind := mload(add(raw, add(0x20, POOLING_CONFIG_BYTES)))
        }
    }

    /// @dev `_need` of the input rows under output rows `[oy0, oy1)`, whole rows.
    function _needRows(Input[] memory xs, uint256 oy0, uint256 oy1, Config memory c) private pure {
        (uint256 y0,) = _span(oy0, c.strideY, c.padTop, c.poolHeight, c.height);
        (, uint256 y1) = _span(oy1 - 1, c.strideY, c.padTop, c.poolHeight, c.height);
        uint256 row = c.width * c.channels;
        _need(xs, 0, y0 * row, y1 * row);
    }

    /// @notice Pools `count` consecutive channels over a window's cells into the `count` values at
    ///         memory `out`.
    /// @param cells    Memory address of the first cell: per cell, the calldata offset of its
    ///                 value of the first channel pooled (row by row, as Keras orders them).
    /// @param cellsEnd One past the last cell (no cells: an empty window).
    /// @param out      Memory address of the first output.
    /// @param count    How many channels.
    function _pool(uint256 cells, uint256 cellsEnd, uint256 out, uint256 count) internal pure virtual;

    /// @notice `_poolRun(p, out, n, c)` pools `n` whole output positions along a row whose windows
    ///         lie inside the input (see `PoolKernels.maxRun`): `p` is the calldata offset of the
    ///         first position's first cell (channel 0), `out` the memory address of the first
    ///         output. Returns false, pooling nothing, when the layer has no such kernel (this
    ///         default): then `_pool` takes every position.
    function _poolRun(uint256, uint256, uint256, Config memory) internal pure virtual returns (bool) {
        return false;
    }

    /// @dev Output elements [from, to) into memory `out`: runs of whole positions whose windows
    ///      lie inside the input by `_poolRun`, any other position by `_pool` (over its channels
    ///      inside the range).
    function _poolRange(uint256 xBase, uint256 out, uint256 from, uint256 to, Config memory c) private pure {
        uint256 cells = _scratch(c.poolHeight * c.poolWidth);
        unchecked {
            // Positions, channels and byte offsets are below the input's or output's size.
            for (uint256 at = from; at < to;) {
                uint256 n = _insideRun(at, to, c);
                if (n != 0 && _poolRun(xBase + _firstCell(at / c.channels, c), out, n, c)) {
                    out += n * c.channels * 32;
                    at += n * c.channels;
                    continue;
                }
                uint256 c0 = at % c.channels; // the position's first channel in the range
                uint256 count = c.channels - c0 < to - at ? c.channels - c0 : to - at;
                _pool(cells, _cells(at / c.channels, c, xBase + c0 * 32, cells), out, count);
                out += count * 32;
                at += count;
            }
        }
    }

    /// @dev How many whole positions from element `at` on (0 unless `at` starts one), before `to`
    ///      and in the same output row, have windows inside the input.
    function _insideRun(uint256 at, uint256 to, Config memory c) private pure returns (uint256 n) {
        unchecked {
            // Geometry values are small: no product overflows.
            if (at % c.channels != 0) return 0;
            uint256 pos = at / c.channels;
            (uint256 oy, uint256 ox) = (pos / c.outWidth, pos % c.outWidth);
            if (oy * c.strideY < c.padTop || oy * c.strideY - c.padTop + c.poolHeight > c.height) return 0;
            if (ox * c.strideX < c.padLeft) return 0;
            // Output columns whose window ends inside: ox * strideX - padLeft + poolWidth <= width.
            uint256 inside = c.width + c.padLeft < c.poolWidth ? 0 : (c.width + c.padLeft - c.poolWidth) / c.strideX + 1;
            uint256 last = inside < c.outWidth ? inside : c.outWidth; // one past the last such column
            n = last > ox ? last - ox : 0;
            uint256 whole = (to - at) / c.channels;
            if (whole < n) n = whole;
        }
    }

    /// @dev Byte offset, from the input's first value, of the first cell of position `pos`'s window,
    ///      which lies inside the input (`_insideRun`).
    function _firstCell(uint256 pos, Config memory c) private pure returns (uint256) {
        unchecked {
            uint256 y = (pos / c.outWidth) * c.strideY - c.padTop;
            uint256 x = (pos % c.outWidth) * c.strideX - c.padLeft;
            return (y * c.width + x) * c.channels * 32;
        }
    }

    /// @dev Writes the calldata offsets of the cells of output position `pos`'s window (row-major
    ///      over outHeight x outWidth, clipped to the input), channel at `base`, from memory
    ///      `cells` on; returns one past the last.
    function _cells(uint256 pos, Config memory c, uint256 base, uint256 cells) private pure returns (uint256 end) {
        (uint256 y0, uint256 y1) = _span(pos / c.outWidth, c.strideY, c.padTop, c.poolHeight, c.height);
        (uint256 x0, uint256 x1) = _span(pos % c.outWidth, c.strideX, c.padLeft, c.poolWidth, c.width);
        uint256 pixelBytes;
        uint256 rowBytes;
        unchecked {
            // Byte sizes of a pixel and a row of the input, whose size was checked: far from 2^256.
            pixelBytes = c.channels * 32;
            rowBytes = c.width * pixelBytes;
        }
        // Equivalent to: for y in [y0, y1): for x in [x0, x1): cells[k++] = base + (y W + x) C 32.
        assembly ("memory-safe") {
            end := cells
            x0 := mul(x0, pixelBytes)
            x1 := mul(x1, pixelBytes)
            for { let y := y0 } lt(y, y1) { y := add(y, 1) } {
                let row := add(base, mul(y, rowBytes))
                for { let x := x0 } lt(x, x1) { x := add(x, pixelBytes) } {
                    mstore(end, add(row, x))
                    end := add(end, 0x20)
                }
            }
        }
    }

    /// @dev The input rows (or columns) `[lo, hi)` of output row `o`'s window: from
    ///      `o * stride - pad`, `pool` long, clipped to `[0, size)`.
    function _span(uint256 o, uint256 stride, uint256 pad, uint256 pool, uint256 size)
        private
        pure
        returns (uint256 lo, uint256 hi)
    {
        unchecked {
            // Geometry values are small: the int256 casts are exact.
            int256 start = int256(o * stride) - int256(pad);
            int256 stop = start + int256(pool);
            lo = start < 0 ? 0 : uint256(start);
            hi = stop <= 0 ? 0 : (uint256(stop) < size ? uint256(stop) : size); // hi <= lo: no cells
        }
    }

    /// @dev `words` words of fresh memory, not cleared.
    function _scratch(uint256 words) private pure returns (uint256 at) {
        // Equivalent to `new uint256[](words)` without its length word or zeroing.
        assembly ("memory-safe") {
            at := mload(0x40)
            mstore(0x40, add(at, shl(5, words)))
        }
    }
}
