// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";
import {FixedMath} from "../lib/FixedMath.sol";

/// @title PReLULayer
/// @notice Keras `PReLU`: `x` if `x >= 0`, else `rescale(x * alpha_c, F + alphaFrac, F)` (round
///         half up, checked), value `i` of the flat input taking alpha `c = i % period`.
/// @dev Config: `abi.encode(F, bits, period, alpha)`: `period` alphas, a plain weight tensor (the
///      deployment plan allows only leading shared axes, so alpha `i % period` is value i's).
contract PReLULayer is SlicedLayerBase {
    /// @notice The input's `length` values are not whole runs of `period` alphas.
    error AlphaMismatch(uint256 length, uint256 period);

    function _slice(Input[] memory xs, address[] calldata pages, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        (uint256 frac, uint256 bits, uint256 period, WeightTensor memory alpha) =
            abi.decode(_config(), (uint256, uint256, uint256, WeightTensor));
        _expectInputs(xs, 1);
        size = xs[0].size;
        if (period == 0 || size % period != 0) revert AlphaMismatch(size, period);
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        _need(xs, 0, from, to);
        int256[] memory alphas = _readPlain(pages, alpha, bits, period);
        output = _allocate(to - from);
        _rectify(_at(xs, 0, from), output, alphas, from % period, int256(frac) + alpha.fracBits, int256(frac));
    }

    /// @dev `output[j] = x_j < 0 ? rescaleInt(x_j * alphas[c], productFrac, frac) : x_j` for the
    ///      calldata values `x_j` from `src` on, `c` counting up from `channel` modulo the alphas.
    function _rectify(
        uint256 src,
        int256[] memory output,
        int256[] memory alphas,
        uint256 channel,
        int256 productFrac,
        int256 frac
    ) private pure {
        for (uint256 j; j < output.length; ++j) {
            int256 x;
            // Equivalent to `x = inputs[0][from + j]` (inside the window: `_need` was called).
            assembly ("memory-safe") {
                x := calldataload(add(src, shl(5, j)))
            }
            output[j] = x < 0 ? FixedMath.rescaleInt(x * alphas[channel], productFrac, frac) : x;
            if (++channel == alphas.length) channel = 0;
        }
    }
}
