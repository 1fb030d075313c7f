// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title PlainDepthwiseConv2D
/// @notice Bench baseline, not part of Eternal: a Keras DepthwiseConv2D (depth multiplier 1,
///         channels last, padding skipped) as a competent developer writes it without our
///         kernels: nested loops, checked int256 arithmetic, weights in calldata.
///         bench/layer_results.js measures its gas per MAC.
contract PlainDepthwiseConv2D {
    /// @notice Geometry of one depthwise convolution; `top`/`left` are the leading padding ('same').
    struct Geometry {
        uint256 height;
        uint256 width;
        uint256 channels;
        uint256 kernelSize;
        uint256 stride;
        uint256 top;
        uint256 left;
        uint256 outHeight;
        uint256 outWidth;
        uint256 shift;
    }

    /// @notice `y[oy, ox, c] = rescale(sum_{dy,dx} x[iy, ix, c] * kernel[dy, dx, c], shift) + bias[c]`
    ///         with `iy = oy * stride - top + dy` (likewise `ix`), taps outside the input skipped,
    ///         `rescale(v, s) = (v + 2^(s-1)) >> s`.
    /// @param x      Input `height x width x channels`, fixed point (2^-F scale).
    /// @param kernel Keras layout `kernelSize x kernelSize x channels` (multiplier 1), 2^-shift scale.
    /// @param bias   `channels` values, 2^-F scale.
    /// @param g      The geometry.
    /// @return y `outHeight x outWidth x channels`, 2^-F scale.
    function forward(int256[] calldata x, int256[] calldata kernel, int256[] calldata bias, Geometry calldata g)
        external
        pure
        returns (int256[] memory y)
    {
        Geometry memory m = g;
        y = new int256[](m.outHeight * m.outWidth * m.channels);
        int256 half = int256(1 << (m.shift - 1));
        for (uint256 oy = 0; oy < m.outHeight; oy++) {
            for (uint256 ox = 0; ox < m.outWidth; ox++) {
                for (uint256 c = 0; c < m.channels; c++) {
                    int256 acc = _dot(x, kernel, m, oy, ox, c);
                    y[(oy * m.outWidth + ox) * m.channels + c] = ((acc + half) >> m.shift) + bias[c];
                }
            }
        }
    }

    /// @dev The sum of products of one output value, before rescaling.
    function _dot(int256[] calldata x, int256[] calldata kernel, Geometry memory m, uint256 oy, uint256 ox, uint256 c)
        private
        pure
        returns (int256 acc)
    {
        for (uint256 dy = 0; dy < m.kernelSize; dy++) {
            int256 iy = int256(oy * m.stride + dy) - int256(m.top);
            if (iy < 0 || iy >= int256(m.height)) continue;
            for (uint256 dx = 0; dx < m.kernelSize; dx++) {
                int256 ix = int256(ox * m.stride + dx) - int256(m.left);
                if (ix < 0 || ix >= int256(m.width)) continue;
                acc += x[(uint256(iy) * m.width + uint256(ix)) * m.channels + c]
                    * kernel[(dy * m.kernelSize + dx) * m.channels + c];
            }
        }
    }
}
