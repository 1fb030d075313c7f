// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";
import {Conv2DLayer} from "./Conv2DLayer.sol";
import {CreatesActivationKernels} from "./base/CreatesActivationKernels.sol";
import {Activations} from "../lib/Activations.sol";
import {FixedMath} from "../lib/FixedMath.sol";

/// @title Conv2DTransposeLayer
/// @notice Keras Conv2DTranspose and Conv1DTranspose (height 1), channels last, no dilation:
///         output value `(oy, ox, f)` is `activation(rescale(sum, F + kFrac, F) + rescale(bias_f,
///         bFrac, F))`, `sum` over the taps `(dy, dx)` with `oy + padTop - dy = iy sh` and
///         `ox + padLeft - dx = ix sw` for an input pixel `(iy, ix)`, of `sum_c x[iy, ix, c] *
///         k[dy, dx, f, c]` (python/eternal/layers/conv2d_transpose.py).
/// @dev Config: Conv2D's words (`abi.encode(F, bits, H, W, C, KH, KW, filters, SH, SW, padTop,
///      padLeft, OH, OW, activation, kernel, bias)`, decoded as `Conv2DLayer.Config`), the pads and
///      output size the transposed convolution's. The kernel is `plain` `(KH, KW, filters, C)`, read whole. Every input must be
///      in [-2^160, 2^160): with |k| < 2^31 no sum can overflow, so the dot products run unchecked.
contract Conv2DTransposeLayer is SlicedLayerBase, CreatesActivationKernels {
    uint256 private constant INPUT_BITS = 160;

    /// @notice An input is outside [-2^160, 2^160) (fixed point).
    error TransposeInputTooLarge();

    /// @notice Output elements `[start, end)` (clamped): the output positions the range touches,
    ///         whole (all filters each, for the activation), from the whole input.
    /// @param xs    One image (height, width, channels), flattened, fixed point 2^-F.
    /// @param pages Every weight page of the model, in order.
    /// @param start First element wanted (flat index into (outHeight, outWidth, filters)).
    /// @param end   One past the last element wanted.
    /// @return output The elements `[start, end)` (clamped to the output), fixed point 2^-F.
    /// @return size   outHeight * outWidth * filters.
    function _slice(Input[] memory xs, address[] calldata pages, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        Conv2DLayer.Config memory c = abi.decode(_config(), (Conv2DLayer.Config));
        _expectInputs(xs, 1);
        _expectSize(xs, 0, c.height * c.width * c.channels);
        size = c.outHeight * c.outWidth * c.filters;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        uint256 first = from / c.filters;
        uint256 last = to == from ? first : (to - 1) / c.filters + 1;
        output = _positions(xs, pages, c, first, last);
        Activations.activate(output, c.activation, c.fracBits, c.filters);
        output = _trim(output, from - first * c.filters, to - first * c.filters);
    }

    /// @dev What the position loop reads and writes.
    struct Tensors {
        uint256 x; // calldata offset of the input's element 0
        int256[] kernel;
        int256[] bias; // on F bits
        int256[] output;
    }

    /// @dev Output positions `[first, last)`, all filters each, before the activation.
    function _positions(Input[] memory xs, address[] calldata pages, Conv2DLayer.Config memory c, uint256 first, uint256 last)
        private
        view
        returns (int256[] memory)
    {
        _need(xs, 0, 0, xs[0].size);
        Tensors memory t;
        t.x = _at(xs, 0, 0);
        if (_magnitudeBound(t.x, t.x + xs[0].size * 32) > 1 << INPUT_BITS) revert TransposeInputTooLarge();
        t.output = new int256[]((last - first) * c.filters);
        t.kernel = _readPlain(pages, c.kernel, c.weightBits, c.kernelHeight * c.kernelWidth * c.filters * c.channels);
        t.bias = _readRescaled(pages, c.bias, c.weightBits, c.filters, int256(c.fracBits), 0);
        for (uint256 p = first; p < last; ++p) {
            _position(c, t, p, (p - first) * c.filters);
        }
        return t.output;
    }

    /// @dev Every filter of output position `p` into `t.output[at ..]`: its taps' dot products
    ///      summed, rescaled, the bias added.
    function _position(Conv2DLayer.Config memory c, Tensors memory t, uint256 p, uint256 at) private pure {
        (uint256 oy, uint256 ox) = (p / c.outWidth + c.padTop, p % c.outWidth + c.padLeft);
        int256 fromFrac = int256(c.fracBits) + c.kernel.fracBits;
        for (uint256 f; f < c.filters; ++f) {
            int256 sum;
            for (uint256 dy; dy < c.kernelHeight && dy <= oy; ++dy) {
                if ((oy - dy) % c.strideY != 0 || (oy - dy) / c.strideY >= c.height) continue;
                sum += _row(c, t, f, dy, (oy - dy) / c.strideY, ox);
            }
            t.output[at + f] = FixedMath.rescaleInt(sum, fromFrac, int256(c.fracBits)) + t.bias[f];
        }
    }

    /// @dev The taps of kernel row `dy` for filter `f` from input row `iy`, at shifted column `ox`.
    function _row(Conv2DLayer.Config memory c, Tensors memory t, uint256 f, uint256 dy, uint256 iy, uint256 ox)
        private
        pure
        returns (int256 sum)
    {
        for (uint256 dx; dx < c.kernelWidth && dx <= ox; ++dx) {
            if ((ox - dx) % c.strideX != 0 || (ox - dx) / c.strideX >= c.width) continue;
            uint256 pixel = (iy * c.width + (ox - dx) / c.strideX) * c.channels;
            uint256 tap = ((dy * c.kernelWidth + dx) * c.filters + f) * c.channels;
            sum += _dot(t.x + pixel * 32, t.kernel, tap, c.channels);
        }
    }

    /// @dev `sum_{c < n} x[c] * w[j + c]`, `x` at calldata offset `x`, unchecked: |x| < 2^160, |w| < 2^31.
    function _dot(uint256 x, int256[] memory w, uint256 j, uint256 n) private pure returns (int256 sum) {
        assembly ("memory-safe") {
            let wp := add(add(w, 0x20), shl(5, j))
            for { let end := add(x, shl(5, n)) } lt(x, end) {
                x := add(x, 0x20)
                wp := add(wp, 0x20)
            } { sum := add(sum, mul(calldataload(x), mload(wp))) }
        }
    }
}
