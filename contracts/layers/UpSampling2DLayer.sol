// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LibBit} from "solady/src/utils/LibBit.sol";
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

    /// @dev What a bilinear slice computes once: the column taps (per output column: the memory
    ///      addresses of its lower and upper input column in `blend`, their weights), `blend` (one
    ///      input row's values blended between two input rows), the magnitude below which nothing
    ///      can overflow, and the divisor `4 sizeY sizeX`.
    struct Plan {
        uint256[] cols;
        int256[] blend;
        uint256 limit;
        uint256 den;
        uint256 shift; // log2(2 den) when 2 den is a power of two, else 0
        uint256 rowIn;
        uint256 rowOut;
    }

    /// @dev Bilinear output elements [from, to) into memory `dst`: each the sum of its four input
    ///      values weighted `lowerWeight`/`upperWeight` along each axis, divided by `4 sizeY sizeX`
    ///      once, nearest with ties up (`floor((2 sum + d) / 2d)`, as the average poolings round).
    ///      Row by row, separably (the same integers: `wy0 (wx0 a + wx1 b) + wy1 (wx0 c + wx1 d) =
    ///      wx0 (wy0 a + wy1 c) + wx1 (wy0 b + wy1 d)`): the two input rows blended, then each output
    ///      value from two blended values, unchecked while the row's inputs are below `Plan.limit`
    ///      (then nothing overflows), else by checked arithmetic (`_bilinearChecked`: an int256
    ///      overflow reverts `Panic(0x11)`).
    function _bilinear(uint256 src, uint256 dst, uint256 from, uint256 to, Config memory c) private pure {
        Plan memory plan = _plan(c);
        for (uint256 row = from / plan.rowOut; row * plan.rowOut < to; ++row) {
            uint256 rowStart = row * plan.rowOut;
            (uint256 lo, uint256 hi) = (rowStart < from ? from : rowStart, rowStart + plan.rowOut > to ? to : rowStart + plan.rowOut);
            Tap memory t = _tap(row, c.sizeY, c.height);
            uint256 top;
            uint256 bottom;
            unchecked {
                // `src` may have wrapped (`Input`): modulo 2^256 these land inside the window.
                (top, bottom) = (src + t.lower * plan.rowIn * 32, src + t.upper * plan.rowIn * 32);
            }
            if (_blendRow(top, bottom, uint256(t.lowerWeight), uint256(t.upperWeight), plan)) {
                _interpolate(plan.cols, plan.den | plan.shift << 128, dst + (lo - from) * 32, lo - rowStart, hi - rowStart, c.channels);
            } else {
                _bilinearChecked(src, dst + (lo - from) * 32, lo, hi, c);
            }
        }
    }

    /// @dev The slice's plan (`Plan`).
    function _plan(Config memory c) private pure returns (Plan memory plan) {
        plan.rowIn = c.width * c.channels;
        plan.rowOut = plan.rowIn * c.sizeX;
        plan.den = 4 * c.sizeY * c.sizeX;
        plan.limit = 1 << (254 - LibBit.fls(8 * plan.den)); // 8 den |x| + den < 2^255 below it
        if ((2 * plan.den) & (2 * plan.den - 1) == 0) plan.shift = LibBit.fls(2 * plan.den);
        plan.blend = new int256[](plan.rowIn);
        plan.cols = new uint256[](4 * c.width * c.sizeX);
        uint256 base = _dataAt(plan.blend);
        for (uint256 col; col < c.width * c.sizeX; ++col) {
            Tap memory t = _tap(col, c.sizeX, c.width);
            plan.cols[4 * col] = base + t.lower * c.channels * 32;
            plan.cols[4 * col + 1] = base + t.upper * c.channels * 32;
            (plan.cols[4 * col + 2], plan.cols[4 * col + 3]) = (uint256(t.lowerWeight), uint256(t.upperWeight));
        }
    }

    /// @dev `blend[i] = w0 x[top + i] + w1 x[bottom + i]` over one input row (calldata `top`,
    ///      `bottom`); whether every value read is below `plan.limit` in magnitude (else `blend`
    ///      may hold wrapped values, and the row is computed again, checked).
    function _blendRow(uint256 top, uint256 bottom, uint256 w0, uint256 w1, Plan memory plan) private pure returns (bool small) {
        int256[] memory blend = plan.blend;
        uint256 limit = plan.limit;
        // Equivalent to the loop above, with `mag` the OR of every |v| (or |v| - 1: v ^ (v >> 255)).
        assembly ("memory-safe") {
            let o := add(blend, 0x20)
            let end := add(o, shl(5, mload(blend)))
            let mag := 0
            for {} lt(o, end) { o := add(o, 0x20) } {
                let a := calldataload(top)
                let b := calldataload(bottom)
                mag := or(mag, or(xor(a, sar(255, a)), xor(b, sar(255, b))))
                mstore(o, add(mul(w0, a), mul(w1, b)))
                top := add(top, 0x20)
                bottom := add(bottom, 0x20)
            }
            small := lt(mag, limit)
        }
    }

    /// @dev Output row elements [a, b) into memory `out` from the blended row: element e (column
    ///      e / C, channel e % C) is `(2 (w0 blend[lower] + w1 blend[upper]) + d) / 2d`, floored
    ///      (`cols`: `Plan.cols`, `den`: d, with `Plan.shift` in its bits from 128 on).
    function _interpolate(uint256[] memory cols, uint256 den, uint256 out, uint256 a, uint256 b, uint256 channels)
        private
        pure
    {
        // Equivalent to: for each element, the division of `_bilinearChecked`; below `Plan.limit`
        // no product or sum overflows (`_plan`).
        assembly ("memory-safe") {
            /// Channels from byte `off` on, `count` of them, of the pixel whose column taps are at
            /// `t`; returns the memory after them.
            function pixel(dst, t, off, count, d) -> next {
                next := add(dst, shl(5, count))
                let p0 := add(mload(t), off)
                let p1 := add(mload(add(t, 0x20)), off)
                let w0 := mload(add(t, 0x40))
                let w1 := mload(add(t, 0x60))
                let shift := shr(128, d) // log2(2d) when 2d is a power of two, else 0
                d := and(d, sub(shl(128, 1), 1))
                switch shift
                case 0 {
                    let d2 := shl(1, d)
                    for {} lt(dst, next) { dst := add(dst, 0x20) } {
                        let m := add(shl(1, add(mul(w0, mload(p0)), mul(w1, mload(p1)))), d)
                        mstore(dst, sub(sdiv(m, d2), slt(smod(m, d2), 0)))
                        p0 := add(p0, 0x20)
                        p1 := add(p1, 0x20)
                    }
                }
                default {
                    // 2d a power of two (sizes 1, 2, 4, ...): the floor is an arithmetic shift.
                    for {} lt(dst, next) { dst := add(dst, 0x20) } {
                        mstore(dst, sar(shift, add(shl(1, add(mul(w0, mload(p0)), mul(w1, mload(p1)))), d)))
                        p0 := add(p0, 0x20)
                        p1 := add(p1, 0x20)
                    }
                }
            }
            for { let e := a } lt(e, b) {} {
                let ch := mod(e, channels)
                let count := sub(channels, ch)
                if gt(count, sub(b, e)) { count := sub(b, e) }
                out := pixel(out, add(cols, add(0x20, shl(7, div(e, channels)))), shl(5, ch), count, den)
                e := add(e, count)
            }
        }
    }

    /// @dev Bilinear output elements [from, to) into memory `dst` by checked arithmetic, pixel by
    ///      pixel (`_bilinear`'s reference, for rows with large inputs).
    function _bilinearChecked(uint256 src, uint256 dst, uint256 from, uint256 to, Config memory c) private pure {
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
