// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title PlainConv2D
/// @notice Bench baseline, not part of Eternal: a Keras Conv2D (channels last, padding skipped)
///         as a competent developer writes it without our kernels: nested loops, checked int256
///         arithmetic, weights in calldata. bench/layer_results.js measures its gas per MAC.
contract PlainConv2D {
    /// @notice Geometry of one convolution; `top`/`left` are the leading padding ('same').
    struct Geometry {
        uint256 height;
        uint256 width;
        uint256 channels;
        uint256 kernelSize;
        uint256 filters;
        uint256 stride;
        uint256 top;
        uint256 left;
        uint256 outHeight;
        uint256 outWidth;
        uint256 shift;
    }

    /// @notice `y[oy, ox, f] = rescale(sum_{dy,dx,c} x[iy, ix, c] * kernel[dy, dx, c, f], shift) + bias[f]`
    ///         with `iy = oy * stride - top + dy` (likewise `ix`), taps outside the input skipped,
    ///         `rescale(v, s) = (v + 2^(s-1)) >> s`.
    /// @param x      Input `height x width x channels`, fixed point (2^-F scale).
    /// @param kernel Keras layout `kernelSize x kernelSize x channels x filters`, 2^-shift scale.
    /// @param bias   `filters` values, 2^-F scale.
    /// @param g      The geometry.
    /// @return y `outHeight x outWidth x filters`, 2^-F scale.
    function forward(int256[] calldata x, int256[] calldata kernel, int256[] calldata bias, Geometry calldata g)
        external
        pure
        returns (int256[] memory y)
    {
        Geometry memory m = g;
        y = new int256[](m.outHeight * m.outWidth * m.filters);
        int256 half = int256(1 << (m.shift - 1));
        for (uint256 oy = 0; oy < m.outHeight; oy++) {
            for (uint256 ox = 0; ox < m.outWidth; ox++) {
                for (uint256 f = 0; f < m.filters; f++) {
                    int256 acc = _dot(x, kernel, m, oy, ox, f);
                    y[(oy * m.outWidth + ox) * m.filters + f] = ((acc + half) >> m.shift) + bias[f];
                }
            }
        }
    }

    /// @dev The sum of products of one output value, before rescaling.
    function _dot(int256[] calldata x, int256[] calldata kernel, Geometry memory m, uint256 oy, uint256 ox, uint256 f)
        private
        pure
        returns (int256 acc)
    {
        for (uint256 t = 0; t < m.kernelSize * m.kernelSize; t++) {
            (bool inside, uint256 pixel) = _pixel(m, oy, ox, t);
            if (inside) acc += _tap(x, kernel, pixel, t * m.channels, m, f);
        }
    }

    /// @dev Where tap `t` (row-major in the window) of output `(oy, ox)` reads the input: whether it
    ///      is inside, and the index of its first channel.
    function _pixel(Geometry memory m, uint256 oy, uint256 ox, uint256 t) private pure returns (bool, uint256) {
        int256 iy = int256(oy * m.stride + t / m.kernelSize) - int256(m.top);
        int256 ix = int256(ox * m.stride + t % m.kernelSize) - int256(m.left);
        if (iy < 0 || iy >= int256(m.height) || ix < 0 || ix >= int256(m.width)) return (false, 0);
        return (true, (uint256(iy) * m.width + uint256(ix)) * m.channels);
    }

    /// @dev One tap's sum over the channels: `sum_c x[pixel + c] * kernel[(first + c) * filters + f]`.
    function _tap(int256[] calldata x, int256[] calldata kernel, uint256 pixel, uint256 first, Geometry memory m, uint256 f)
        private
        pure
        returns (int256 acc)
    {
        for (uint256 c = 0; c < m.channels; c++) {
            acc += x[pixel + c] * kernel[(first + c) * m.filters + f];
        }
    }
}
