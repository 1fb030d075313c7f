// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SpatialBase} from "./base/SpatialBase.sol";
import {Activations} from "../lib/Activations.sol";

/// @title DepthwiseConv2DLayer
/// @notice Keras DepthwiseConv2D (channels last, no dilation): output channel `c * M + m` is
///         `activation(rescale(sum_{dy,dx} x[.., c] * k[dy, dx, c, m], F + kFrac, F) + bias)`.
/// @dev The kernel is `plain` (C order of `(KH, KW, C, M)`) and small: it is read once.
contract DepthwiseConv2DLayer is SpatialBase {
    /// @notice The layer config (`abi_config` in python/eternal/layers/depthwise_conv2d.py).
    struct Config {
        uint256 fracBits;
        uint256 weightBits;
        uint256 height;
        uint256 width;
        uint256 channels;
        uint256 kernelHeight;
        uint256 kernelWidth;
        uint256 multiplier;
        uint256 strideY;
        uint256 strideX;
        uint256 padTop;
        uint256 padLeft;
        uint256 outHeight;
        uint256 outWidth;
        uint256 activation;
        WeightTensor kernel;
        WeightTensor bias;
    }

    /// @notice Output elements `[start, end)` (clamped) of the depthwise convolution: `forward`,
    ///         `forwardSlice` and `forwardWindow` (`SlicedLayerBase`). Only the output positions
    ///         (pixels, all channels each) that the range touches are computed, so the gas is
    ///         roughly in proportion to the range; they read only the input rows under them
    ///         (`_inputRows`).
    /// @param xs    One image (height, width, channels), flattened, fixed point 2^-F (or a window of it).
    /// @param pages Every weight page of the model, in order (SSTORE2 data contracts).
    /// @param start First element wanted (flat index into (outHeight, outWidth, channels * multiplier)).
    /// @param end   One past the last element wanted.
    /// @return output The elements `[start, end)` (clamped to the output), fixed point 2^-F.
    /// @return size   outHeight * outWidth * channels * multiplier.
    function _slice(Input[] memory xs, address[] calldata pages, uint256 start, uint256 end)
        internal
        view
        virtual
        override
        returns (int256[] memory output, uint256 size)
    {
        (Config memory c, bytes memory raw) = _checkedConfig(xs);
        size = c.outHeight * c.outWidth * c.channels * c.multiplier;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        uint256 first = from / (c.channels * c.multiplier); // the first position the range touches
        uint256 last = to == from ? first : (to - 1) / (c.channels * c.multiplier) + 1; // one past the last
        output = _positions(c, _image(xs, c, first, last), pages, first, last);
        _applyPost(raw, pages, output, c.fracBits, c.weightBits, c.channels * c.multiplier);
        output = _trim(output, from - first * c.channels * c.multiplier, to - first * c.channels * c.multiplier);
    }

    /// @dev The image as positions `[first, last)` read it: the input rows under them (`_need`ed).
    function _image(Input[] memory xs, Config memory c, uint256 first, uint256 last)
        internal
        pure
        returns (Image memory x)
    {
        (uint256 lo, uint256 hi) =
            _inputRows(xs, first, last, c.outWidth, c.strideY, c.padTop, c.kernelHeight, c.height, c.width * c.channels);
        x = Image(_at(xs, 0, 0), _at(xs, 0, lo), _at(xs, 0, hi));
    }

    /// @dev The config, after the input checks every entry point makes.
    function _checkedConfig(Input[] memory xs) internal view returns (Config memory c, bytes memory raw) {
        raw = _config();
        c = abi.decode(raw, (Config));
        _expectInputs(xs, 1);
        _expectSize(xs, 0, c.height * c.width * c.channels);
    }

    /// @dev The layer's output at positions `[first, last)` (position p = oy * outWidth + ox),
    ///      all channels each: `(last - first) * channels * multiplier` values, fixed point 2^-F.
    ///      Whole positions, so the bias and a softmax over the channels line up as in the full
    ///      output.
    function _positions(Config memory c, Image memory x, address[] calldata pages, uint256 first, uint256 last)
        internal
        view
        returns (int256[] memory output)
    {
        int256[] memory kernel = _kernel(c, x, pages);
        int256[] memory bias = _readRescaled(pages, c.bias, c.weightBits, c.channels * c.multiplier, int256(c.fracBits), 0);
        Fold memory f;
        (f.table, f.down, f.folded) = _foldBias(bias, c.kernel.fracBits);
        // Folded (`_foldBias`): every sum starts at its channel's 2^(d-1) + (bias << d), and
        // `sar(d, sum)` is then the rescaled sum plus the bias, with no pass of `_rescaleAddBias`.
        output = f.folded
            ? _tiled(f.table, c.channels * c.multiplier, last - first)
            : new int256[]((last - first) * c.channels * c.multiplier);
        _convolve(c, x, kernel, output, first, last);
        _finish(c, output, bias, f);
    }

    /// @dev The bias folded into the sums' start (`SpatialBase._foldBias`).
    struct Fold {
        uint256 table; // memory address of channel 0's folded bias
        uint256 down; // the right shift d
        bool folded;
    }

    /// @dev Bias, rescale and activation, in place, over whole positions: the shift of the folded
    ///      sums, or the exact sums rescaled and the bias added (`_finishSums`).
    function _finish(Config memory c, int256[] memory output, int256[] memory bias, Fold memory f) private view {
        uint256 depth = c.channels * c.multiplier;
        if (!f.folded) return _finishSums(output, c.fracBits, c.kernel.fracBits, bias, depth, c.activation);
        _shiftDown(output, f.down);
        Activations.activate(output, c.activation, c.fracBits, depth);
    }

    /// @dev `positions` runs of the `depth` words at memory `table`, in a new array.
    function _tiled(uint256 table, uint256 depth, uint256 positions) private pure returns (int256[] memory values) {
        values = new int256[](positions * depth);
        // Equivalent to: values[p depth + j] = table[j] for every position p and j < depth.
        assembly ("memory-safe") {
            let size := shl(5, depth)
            let p := add(values, 0x20)
            for { let end := add(p, mul(size, positions)) } lt(p, end) { p := add(p, size) } { mcopy(p, table, size) }
        }
    }

    /// @dev `values[i] = sar(down, values[i])`, in place, four values a round.
    function _shiftDown(int256[] memory values, uint256 down) private pure {
        if (down == 0) return;
        // Equivalent to: for each i: values[i] >>= down (arithmetic).
        assembly ("memory-safe") {
            let p := add(values, 0x20)
            let end := add(p, shl(5, mload(values)))
            for { let end4 := sub(end, and(shl(5, mload(values)), 0x60)) } lt(p, end4) { p := add(p, 0x80) } {
                mstore(p, sar(down, mload(p)))
                mstore(add(p, 0x20), sar(down, mload(add(p, 0x20))))
                mstore(add(p, 0x40), sar(down, mload(add(p, 0x40))))
                mstore(add(p, 0x60), sar(down, mload(add(p, 0x60))))
            }
            for {} lt(p, end) { p := add(p, 0x20) } { mstore(p, sar(down, mload(p))) }
        }
    }

    /// @dev The kernel, after checking that no sum over the input rows read can overflow.
    function _kernel(Config memory c, Image memory x, address[] calldata pages)
        private
        view
        returns (int256[] memory kernel)
    {
        // Every sum has at most KH * KW terms |x q| <= maxAbs 2^(L-1): below this bound no
        // partial sum reaches 2^254, so the MAC loop runs unchecked (and the rounding
        // `S + 2^(d-1)` cannot overflow).
        kernel = _readPlain(pages, c.kernel, c.weightBits, c.kernelHeight * c.kernelWidth * c.channels * c.multiplier);
        uint256 limit = ((1 << 254) - 1) / (1 << (c.weightBits - 1)) / (c.kernelHeight * c.kernelWidth);
        // The OR bound (no branch per value, under twice max|x|) decides almost always; only
        // past the limit is the exact maximum taken, to refuse or not on it.
        if (_magnitudeBound(x.readFrom, x.readTo) > limit) {
            uint256 maxAbs = _maxAbs(x.readFrom, x.readTo);
            if (maxAbs > limit) revert ActivationsTooLarge(maxAbs, limit);
        }
    }

    /// @notice The part of one output position's window inside the input.
    struct Window {
        uint256 dy0;
        uint256 dy1;
        uint256 dx0;
        uint256 dx1;
        int256 iy; // input row of the window's row 0 (negative inside the top padding)
        int256 ix; // input column of the window's column 0
    }

    /// @dev The exact sums of positions `[first, last)` into `output` (which holds them from
    ///      `first` on).
    function _convolve(
        Config memory c,
        Image memory x,
        int256[] memory kernel,
        int256[] memory output,
        uint256 first,
        uint256 last
    ) private pure {
        uint256 xBase = x.base; // calldata offset of x[0] (modulo 2^256)
        uint256 kBase; // memory address of kernel[0]
        uint256 oPtr; // memory address of the first position's first output (positions in C order)
        assembly ("memory-safe") {
            kBase := add(kernel, 0x20)
            oPtr := add(output, 0x20)
        }
        _scan(c, xBase, kBase, oPtr, first, last);
    }

    /// @dev Positions `[first, last)` in C order, their outputs from memory `oPtr` on.
    function _scan(Config memory c, uint256 xBase, uint256 kBase, uint256 oPtr, uint256 first, uint256 last)
        private
        pure
    {
        Window memory w;
        unchecked {
            // Positions are below outHeight * outWidth and outputs fit memory: nothing overflows.
            uint256 width = c.outWidth;
            for (uint256 p = first; p < last;) {
                uint256 oy = p / width;
                (w.dy0, w.dy1, w.iy) = _clip(oy * c.strideY, c.padTop, c.kernelHeight, c.height);
                uint256 rowEnd = (oy + 1) * width < last ? (oy + 1) * width : last; // this row's part
                for (uint256 ox = p - oy * width; p < rowEnd; (p, ox) = (p + 1, ox + 1)) {
                    (w.dx0, w.dx1, w.ix) = _clip(ox * c.strideX, c.padLeft, c.kernelWidth, c.width);
                    _position(c, w, xBase, kBase, oPtr);
                    oPtr += c.channels * c.multiplier * 32;
                }
            }
        }
    }

    /// @dev Adds every tap of window `w` to the position's outputs at memory `oPtr`.
    function _position(Config memory c, Window memory w, uint256 xBase, uint256 kBase, uint256 oPtr) private pure {
        uint256 pixelBytes = c.channels * 32;
        uint256 depthBytes = pixelBytes * c.multiplier;
        uint256 xRow;
        uint256 kRow;
        unchecked {
            // The window is clipped to the input, so the int256 casts are exact and the first
            // pixel is inside x; the first tap's weights are inside the kernel.
            xRow = xBase + uint256((w.iy + int256(w.dy0)) * int256(c.width) + w.ix + int256(w.dx0)) * pixelBytes;
            kRow = kBase + (w.dy0 * c.kernelWidth + w.dx0) * depthBytes;
        }
        _taps(
            Taps(xRow, kRow, oPtr, w.dy1 - w.dy0, w.dx1 - w.dx0, c.width * pixelBytes, c.kernelWidth * depthBytes, pixelBytes, c.multiplier)
        );
    }

    /// @dev One position's window, as pointers and strides for `_taps`.
    struct Taps {
        uint256 xRow; // calldata offset of the window's first pixel
        uint256 kRow; // memory address of the window's first tap's weights
        uint256 out; // memory address of the position's first output
        uint256 rows; // window rows inside the input
        uint256 cols; // window columns inside the input
        uint256 rowBytes; // input bytes per image row (W C 32)
        uint256 kRowBytes; // kernel bytes per kernel row (KW C M 32)
        uint256 pixelBytes; // C 32
        uint256 multiplier; // M
    }

    /// @dev For every tap (dy, dx) of the window and j < C M:
    ///      `out[j] += x[pixel(dy, dx) + j / M] * kernel[tap(dy, dx) + j]`. Wrapping add/mul are
    ///      exact here: the sums are bounded by the check in `forward`, so any order of the
    ///      additions gives the same integers. With multiplier 1 and rows of 3 or 2 taps (a 3x3
    ///      kernel, inside the input or at its edge) the taps of a row, or of the whole window,
    ///      are summed on the stack and added once.
    function _taps(Taps memory t) private pure {
        if (t.multiplier == 1 && t.rows <= 3 && (t.cols == 3 || t.cols == 2)) {
            if (t.rows == 3 && t.cols == 3) _window3x3(t);
            else _rowsOfTaps(t);
        } else {
            _tapByTap(t);
        }
    }

    /// @dev `_taps` for a whole 3x3 window, multiplier 1: per channel, the 9 taps summed on the stack.
    function _window3x3(Taps memory t) private pure {
        assembly ("memory-safe") {
            let pixelBytes := mload(add(t, 0xe0))
            let rowBytes := mload(add(t, 0xa0))
            let kRowBytes := mload(add(t, 0xc0))
            let op := mload(add(t, 0x40))
            let p2 := add(pixelBytes, pixelBytes)
            for { let j := 0 } lt(j, pixelBytes) { j := add(j, 0x20) } {
                let a := add(mload(t), j)
                let b := add(mload(add(t, 0x20)), j)
                let s := add(add(mul(calldataload(a), mload(b)), mul(calldataload(add(a, pixelBytes)),
                    mload(add(b, pixelBytes)))), mul(calldataload(add(a, p2)), mload(add(b, p2))))
                a := add(a, rowBytes)
                b := add(b, kRowBytes)
                s := add(s, add(add(mul(calldataload(a), mload(b)), mul(calldataload(add(a, pixelBytes)),
                    mload(add(b, pixelBytes)))), mul(calldataload(add(a, p2)), mload(add(b, p2)))))
                a := add(a, rowBytes)
                b := add(b, kRowBytes)
                s := add(s, add(add(mul(calldataload(a), mload(b)), mul(calldataload(add(a, pixelBytes)),
                    mload(add(b, pixelBytes)))), mul(calldataload(add(a, p2)), mload(add(b, p2)))))
                let o := add(op, j)
                mstore(o, add(mload(o), s))
            }
        }
    }

    /// @dev `_taps` for up to 3 rows of 3 or 2 taps, multiplier 1: per row and channel, the
    ///      row's taps summed on the stack and added to the output once.
    function _rowsOfTaps(Taps memory t) private pure {
        assembly ("memory-safe") {
            // One row: C channels at calldata xp, weights at memory kp, outputs at op.
            function row3(xp, kp, op, pixelBytes) {
                let p2 := add(pixelBytes, pixelBytes)
                for { let j := 0 } lt(j, pixelBytes) { j := add(j, 0x20) } {
                    let a := add(xp, j)
                    let b := add(kp, j)
                    let o := add(op, j)
                    mstore(o, add(mload(o), add(add(mul(calldataload(a), mload(b)), mul(calldataload(add(a, pixelBytes)),
                        mload(add(b, pixelBytes)))), mul(calldataload(add(a, p2)), mload(add(b, p2))))))
                }
            }
            function row2(xp, kp, op, pixelBytes) {
                for { let j := 0 } lt(j, pixelBytes) { j := add(j, 0x20) } {
                    let a := add(xp, j)
                    let b := add(kp, j)
                    let o := add(op, j)
                    mstore(o, add(mload(o), add(mul(calldataload(a), mload(b)), mul(calldataload(add(a, pixelBytes)),
                        mload(add(b, pixelBytes))))))
                }
            }
            let xRow := mload(t)
            let kRow := mload(add(t, 0x20))
            let three := eq(mload(add(t, 0x80)), 3)
            for { let r := 0 } lt(r, mload(add(t, 0x60))) { r := add(r, 1) } {
                switch three
                case 1 { row3(xRow, kRow, mload(add(t, 0x40)), mload(add(t, 0xe0))) }
                default { row2(xRow, kRow, mload(add(t, 0x40)), mload(add(t, 0xe0))) }
                xRow := add(xRow, mload(add(t, 0xa0)))
                kRow := add(kRow, mload(add(t, 0xc0)))
            }
        }
    }

    /// @dev `_taps`, a tap at a time: any window and multiplier.
    function _tapByTap(Taps memory t) private pure {
        assembly ("memory-safe") {
            // One tap: x values at calldata xp (C of them), weights at memory kp (C M), outputs
            // at op; value j < C M of the tap multiplies x[j / M] (one flat loop: short inner
            // loops cost more than their MACs).
            function tap(xp, kp, op, depthBytes, m) {
                switch m
                case 1 {
                    for { let j := 0 } lt(j, depthBytes) { j := add(j, 0x20) } {
                        let o := add(op, j)
                        mstore(o, add(mload(o), mul(calldataload(add(xp, j)), mload(add(kp, j)))))
                    }
                }
                default {
                    for { let j := 0 } lt(j, depthBytes) { j := add(j, 0x20) } {
                        let o := add(op, j)
                        let v := calldataload(add(xp, shl(5, div(shr(5, j), m)))) // x[j / M]
                        mstore(o, add(mload(o), mul(v, mload(add(kp, j)))))
                    }
                }
            }
            let pixelBytes := mload(add(t, 0xe0))
            let m := mload(add(t, 0x100))
            let depthBytes := mul(pixelBytes, m)
            let xRow := mload(t)
            let kRow := mload(add(t, 0x20))
            for { let dy := 0 } lt(dy, mload(add(t, 0x60))) { dy := add(dy, 1) } {
                let xp := xRow
                let kp := kRow
                for { let dx := 0 } lt(dx, mload(add(t, 0x80))) { dx := add(dx, 1) } {
                    tap(xp, kp, mload(add(t, 0x40)), depthBytes, m)
                    xp := add(xp, pixelBytes)
                    kp := add(kp, depthBytes)
                }
                xRow := add(xRow, mload(add(t, 0xa0)))
                kRow := add(kRow, mload(add(t, 0xc0)))
            }
        }
    }
}
