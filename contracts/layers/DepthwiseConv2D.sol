// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SpatialBase} from "./SpatialBase.sol";

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

    /// @notice Runs the depthwise convolution. See `ILayer.forward`.
    function forward(int256[][] calldata inputs, address[] calldata pages)
        external
        view
        returns (int256[] memory output)
    {
        Config memory c = abi.decode(_config(), (Config));
        _expectInputs(inputs, 1);
        _expectSize(inputs, 0, c.height * c.width * c.channels);
        uint256 depth = c.channels * c.multiplier;
        int256[] memory kernel = _readPlain(pages, c.kernel, c.weightBits, c.kernelHeight * c.kernelWidth * depth);
        // Every sum has at most KH * KW terms |x q| <= maxAbs 2^(L-1): below this bound no
        // partial sum leaves int256, so the MAC loop below runs unchecked.
        uint256 limit = ((1 << 255) - 1) / (1 << (c.weightBits - 1)) / (c.kernelHeight * c.kernelWidth);
        uint256 maxAbs = _maxAbs(inputs[0]);
        if (maxAbs > limit) revert ActivationsTooLarge(maxAbs, limit);
        output = new int256[](c.outHeight * c.outWidth * depth);
        _convolve(c, inputs[0], kernel, output);
        _finishSums(pages, output, c.fracBits, c.weightBits, c.kernel.fracBits, c.bias, depth, c.activation);
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

    function _convolve(Config memory c, int256[] calldata x, int256[] memory kernel, int256[] memory output)
        private
        pure
    {
        Window memory w;
        uint256 out; // first output value of the position (positions are in C order)
        for (uint256 oy = 0; oy < c.outHeight; ++oy) {
            (w.dy0, w.dy1, w.iy) = _clip(oy * c.strideY, c.padTop, c.kernelHeight, c.height);
            for (uint256 ox = 0; ox < c.outWidth; ++ox) {
                (w.dx0, w.dx1, w.ix) = _clip(ox * c.strideX, c.padLeft, c.kernelWidth, c.width);
                _position(c, x, kernel, output, w, out);
                out += c.channels * c.multiplier;
            }
        }
    }

    /// @dev Adds every tap of window `w` to the outputs starting at `output[out]`.
    function _position(
        Config memory c,
        int256[] calldata x,
        int256[] memory kernel,
        int256[] memory output,
        Window memory w,
        uint256 out
    ) private pure {
        unchecked {
            // The window is clipped to the input, so the int256 casts are exact and the pixel
            // index is inside x; tap + j < kernel.length; partial sums are bounded by the check
            // in `forward`.
            for (uint256 dy = w.dy0; dy < w.dy1; ++dy) {
                for (uint256 dx = w.dx0; dx < w.dx1; ++dx) {
                    uint256 pixel = uint256((w.iy + int256(dy)) * int256(c.width) + w.ix + int256(dx)) * c.channels;
                    uint256 tap = (dy * c.kernelWidth + dx) * c.channels * c.multiplier;
                    for (uint256 j = 0; j < c.channels * c.multiplier; ++j) {
                        output[out + j] += x[pixel + j / c.multiplier] * kernel[tap + j];
                    }
                }
            }
        }
    }
}
