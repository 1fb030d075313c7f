// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";

/// @title UpSampling2DLayer
/// @notice Keras UpSampling2D with nearest interpolation (and UpSampling1D, height 1, and
///         RepeatVector(n), a (1, 1, F) input repeated (n, 1)): output pixel (y, x) is input pixel
///         (y / sizeY, x / sizeX), rounded down.
/// @dev An output row is built from its input row (one calldata copy per output pixel, or one
///      for the row when `sizeX` is 1), or copied whole from the output row before it when both
///      come from the same input row.
contract UpSampling2DLayer is SlicedLayerBase {
    /// @notice The layer config (`abi_config` in python/eternal/layers/upsampling.py).
    struct Config {
        uint256 fracBits;
        uint256 weightBits;
        uint256 height;
        uint256 width;
        uint256 channels;
        uint256 sizeY;
        uint256 sizeX;
    }

    /// @dev Output (height * sizeY, width * sizeX, channels), flattened, 2^-F.
    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        Config memory c = abi.decode(_config(), (Config));
        _expectInputs(xs, 1);
        uint256 rowIn = c.width * c.channels;
        _expectSize(xs, 0, c.height * rowIn);
        uint256 rowOut = rowIn * c.sizeX;
        size = c.height * c.sizeY * rowOut;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        output = _allocate(to - from);
        if (from == to) return (output, size);
        (uint256 first, uint256 last) = (from / rowOut, (to - 1) / rowOut + 1); // output rows
        _need(xs, 0, first / c.sizeY * rowIn, ((last - 1) / c.sizeY + 1) * rowIn); // whole input rows
        _fill(_at(xs, 0, 0), _dataAt(output), from, to, c);
    }

    /// @dev Output elements [from, to) (from < to) into memory `dst`, row by row, from the input
    ///      at calldata `src`.
    function _fill(uint256 src, uint256 dst, uint256 from, uint256 to, Config memory c) private pure {
        uint256 rowIn = c.width * c.channels;
        uint256 rowOut = rowIn * c.sizeX;
        for (uint256 o = from / rowOut; o * rowOut < to; ++o) {
            uint256 rowStart = o * rowOut;
            (uint256 lo, uint256 hi) = (rowStart < from ? from : rowStart, rowStart + rowOut > to ? to : rowStart + rowOut);
            uint256 out = dst + (lo - from) * 32;
            if (o % c.sizeY != 0 && rowStart >= from + rowOut) {
                _repeatRow(out, rowOut, hi - lo); // row o - 1 is in the output, whole, and the same
            } else {
                uint256 row;
                unchecked {
                    // `src` may have wrapped (`Input`): modulo 2^256 it lands inside the window.
                    row = src + (o / c.sizeY) * rowIn * 32;
                }
                _spread(row, out, lo - rowStart, hi - rowStart, c);
            }
        }
    }

    /// @dev Output row elements [a, b) (a < b) at memory `out`, from the input row at calldata
    ///      `src`: element e of the row is input element (e / C / sizeX) * C + e % C.
    function _spread(uint256 src, uint256 out, uint256 a, uint256 b, Config memory c) private pure {
        (uint256 channels, uint256 sizeX) = (c.channels, c.sizeX);
        // Equivalent to: for each output pixel p meeting [a, b), copy the part of its C values
        // inside [a, b) from input pixel p / sizeX. Positions stay below the output's size:
        // nothing overflows; `src` may have wrapped (`Input`) and is only added to.
        assembly ("memory-safe") {
            switch sizeX
            case 1 { calldatacopy(out, add(src, shl(5, a)), shl(5, sub(b, a))) }
            default {
                let p := div(a, channels)
                let pixelEnd := mul(p, channels)
                for {} lt(a, b) {} {
                    let skip := sub(a, pixelEnd) // values of pixel p before a (first pixel only)
                    pixelEnd := add(pixelEnd, channels)
                    let e := b
                    if lt(pixelEnd, e) { e := pixelEnd }
                    let count := shl(5, sub(e, a))
                    calldatacopy(out, add(src, shl(5, add(mul(div(p, sizeX), channels), skip))), count)
                    out := add(out, count)
                    a := e
                    p := add(p, 1)
                }
            }
        }
    }

    /// @dev Copies `count` values to memory `out` from `rowOut` values before it.
    function _repeatRow(uint256 out, uint256 rowOut, uint256 count) private pure {
        // Equivalent to `out[j] = out[j - rowOut]` for j < count (the rows do not overlap).
        assembly ("memory-safe") {
            mcopy(out, sub(out, shl(5, rowOut)), shl(5, count))
        }
    }
}
