// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title SpatialMath
/// @notice The average of the pooling layers, exact in integers.
library SpatialMath {
    /// @notice `total / count` rounded to the nearest integer, ties up:
    ///         `floor((2 total + count) / (2 count))` (python `spatial.divide_round_half_up`).
    /// @dev Solidity's `/` truncates toward zero; floor differs from it for a negative inexact
    ///      quotient. Checked: `2 total` overflows only for |total| >= 2^254 (reverts).
    /// @param total The sum, any integer scale.
    /// @param count How many values it sums, not 0.
    /// @return q The rounded quotient, on the scale of `total`.
    function divRoundHalfUp(int256 total, uint256 count) internal pure returns (int256 q) {
        int256 n = 2 * total + int256(count);
        int256 d = 2 * int256(count);
        q = n / d;
        if (n % d != 0 && n < 0) q -= 1;
    }
}
