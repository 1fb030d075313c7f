// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";

/// @title UpSampling2DLayer
/// @notice Keras UpSampling2D with nearest interpolation (and UpSampling1D, height 1, and
///         RepeatVector(n), a (1, 1, F) input repeated (n, 1)): output pixel (y, x) is input pixel
///         (y / sizeY, x / sizeX), rounded down. A config word 1 after the sizes: bilinear
///         interpolation (`_bilinear`).
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

    /// @dev One output position's two input positions along an axis and their weights (out of
    ///      2 size): `(2 o + 1 - size) / (2 size)` lies between them.
    struct Tap {
        uint256 lower;
        uint256 upper;
        int256 lowerWeight;
        int256 upperWeight;
    }

    /// @dev Output (height * sizeY, width * sizeX, channels), flattened, 2^-F.
    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        (Config memory c, bool bilinear) = _decode();
        _expectInputs(xs, 1);
        _expectSize(xs, 0, c.height * c.width * c.channels);
        size = c.height * c.sizeY * c.width * c.sizeX * c.channels;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        output = _allocate(to - from);
        if (from == to) return (output, size);
        uint256 rowIn = c.width * c.channels;
        (uint256 first, uint256 last) = (from / (rowIn * c.sizeX), (to - 1) / (rowIn * c.sizeX)); // output rows
        if (bilinear) {
            _need(xs, 0, _tap(first, c.sizeY, c.height).lower * rowIn, (_tap(last, c.sizeY, c.height).upper + 1) * rowIn);
            _bilinear(_at(xs, 0, 0), _dataAt(output), from, to, c);
        } else {
            _need(xs, 0, first / c.sizeY * rowIn, (last / c.sizeY + 1) * rowIn); // whole input rows
            _fill(_at(xs, 0, 0), _dataAt(output), from, to, c);
        }
    }

    /// @dev The config, and whether a word 1 (bilinear) follows its sizes.
    function _decode() private view returns (Config memory c, bool bilinear) {
        bytes memory config = _config();
        c = abi.decode(config, (Config));
        bilinear = config.length > 7 * 32 && abi.decode(config, (uint256[8]))[7] == 1;
    }

    /// @dev Bilinear output elements [from, to) into memory `dst`: each the sum of its four input
    ///      values weighted `lowerWeight`/`upperWeight` along each axis, divided by `4 sizeY sizeX`
    ///      once, nearest with ties up (`floor((2 sum + d) / 2d)`, as the average poolings round).
    ///      Checked arithmetic: an int256 overflow reverts (`Panic(0x11)`).
    function _bilinear(uint256 src, uint256 dst, uint256 from, uint256 to, Config memory c) private pure {
        uint256 outWidth = c.width * c.sizeX;
        for (uint256 p = from / c.channels; p * c.channels < to; ++p) {
            uint256 pixel = p * c.channels;
            uint256 lo = pixel < from ? from : pixel;
            uint256 hi = pixel + c.channels < to ? pixel + c.channels : to;
            Corners memory k = _corners(src, _tap(p / outWidth, c.sizeY, c.height), _tap(p % outWidth, c.sizeX, c.width), c);
            _pixel(k, dst + (lo - from) * 32, lo - pixel, hi - pixel);
        }
    }

    /// @dev One output pixel's four input pixels (calldata offsets of their channel 0) and weights.
    struct Corners {
        uint256 topLeft;
        uint256 topRight;
        uint256 bottomLeft;
        uint256 bottomRight;
        Tap y;
        Tap x;
        int256 den; // 4 sizeY sizeX
    }

    /// @dev The corners of the output pixel whose row and column taps are `rows` and `cols`.
    function _corners(uint256 src, Tap memory rows, Tap memory cols, Config memory c) private pure returns (Corners memory k) {
        uint256 row = c.width * c.channels * 32;
        uint256 pixel = c.channels * 32;
        unchecked {
            // `src` may have wrapped (`Input`): modulo 2^256 these land inside the window.
            (k.topLeft, k.topRight) = (src + rows.lower * row + cols.lower * pixel, src + rows.lower * row + cols.upper * pixel);
            (k.bottomLeft, k.bottomRight) = (src + rows.upper * row + cols.lower * pixel, src + rows.upper * row + cols.upper * pixel);
        }
        (k.y, k.x, k.den) = (rows, cols, int256(4 * c.sizeY * c.sizeX));
    }

    /// @dev Channels [a, b) of the pixel of corners `k` into memory `out` (channel a).
    function _pixel(Corners memory k, uint256 out, uint256 a, uint256 b) private pure {
        for (uint256 ch = a; ch < b; ++ch) {
            int256 top = k.x.lowerWeight * _load(k.topLeft, ch) + k.x.upperWeight * _load(k.topRight, ch);
            int256 bottom = k.x.lowerWeight * _load(k.bottomLeft, ch) + k.x.upperWeight * _load(k.bottomRight, ch);
            int256 m = 2 * (k.y.lowerWeight * top + k.y.upperWeight * bottom) + k.den;
            int256 q = m / (2 * k.den);
            _store(out + (ch - a) * 32, m % (2 * k.den) < 0 ? q - 1 : q);
        }
    }

    /// @dev Output position `o`'s tap along an axis of `size` input positions upsampled by `scale`.
    function _tap(uint256 o, uint256 scale, uint256 size) private pure returns (Tap memory t) {
        int256 num = int256(2 * o + 1) - int256(scale);
        int256 den = int256(2 * scale);
        int256 low = num >= 0 ? num / den : -((-num + den - 1) / den); // floor
        int256 frac = num - low * den;
        t.lower = _clamp(low, size);
        t.upper = _clamp(low + 1, size);
        (t.lowerWeight, t.upperWeight) = (den - frac, frac);
    }

    /// @dev `v` clamped into [0, size - 1].
    function _clamp(int256 v, uint256 size) private pure returns (uint256) {
        if (v <= 0) return 0;
        return uint256(v) < size ? uint256(v) : size - 1;
    }

    /// @dev Input element `i` at calldata `src` (inside the window after `_need`).
    function _load(uint256 src, uint256 i) private pure returns (int256 v) {
        // Equivalent to `v = x[i]`; `src` may have wrapped (`Input`): modular arithmetic.
        assembly ("memory-safe") {
            v := calldataload(add(src, shl(5, i)))
        }
    }

    /// @dev Writes `v` at memory `at`.
    function _store(uint256 at, int256 v) private pure {
        // Equivalent to `out[j] = v`.
        assembly ("memory-safe") {
            mstore(at, v)
        }
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
