// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title PlainDense
/// @notice Bench baseline, not part of Eternal: a Dense layer as a competent developer writes it
///         without our kernels (nested loops, checked int256 arithmetic, weights in calldata).
///         bench/layer_results.js measures its gas per MAC beside DenseLayer's.
contract PlainDense {
    /// @notice `y[j] = rescale(sum_i x[i] * kernel[i * units + j], shift) + bias[j]`, where
    ///         `rescale(v, s) = (v + 2^(s-1)) >> s` (rounds half up).
    /// @param x      Inputs, fixed point (2^-F scale), `rows` values.
    /// @param kernel Weights, row-major `rows x units`, fixed point (2^-shift scale).
    /// @param bias   `units` values, fixed point (2^-F scale).
    /// @param shift  Fractional bits of the weights (1 or more).
    /// @return y `units` outputs, fixed point (2^-F scale).
    function forward(int256[] calldata x, int256[] calldata kernel, int256[] calldata bias, uint256 shift)
        external
        pure
        returns (int256[] memory y)
    {
        uint256 units = bias.length;
        uint256 rows = x.length;
        int256 half = int256(1 << (shift - 1));
        y = new int256[](units);
        for (uint256 j = 0; j < units; j++) {
            int256 acc = 0;
            for (uint256 i = 0; i < rows; i++) {
                acc += x[i] * kernel[i * units + j];
            }
            y[j] = ((acc + half) >> shift) + bias[j];
        }
    }
}
