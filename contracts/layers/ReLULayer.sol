// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";
import {Elementwise} from "../lib/Elementwise.sol";
import {FixedMath} from "../lib/FixedMath.sol";

/// @title ReLULayer
/// @notice Keras `ReLU(max_value, negative_slope, threshold)`:
///         `min(max(x > t ? x : 0, 0), maxValue) - (x < t ? rescale((t - x) * q, F + qFrac, F) : 0)`.
/// @dev Without a slope (q = 0: every ReLU and ReLU6 Keras builds by default) it is
///      `Elementwise.relu`; a slope runs the checked loop.
contract ReLULayer is SlicedLayerBase {
    /// @notice The layer config (`abi_config` in python/eternal/layers/relu.py); threshold and
    ///         maxValue on the activation scale 2^-F, the slope `q * 2^-qFrac`.
    struct Config {
        uint256 fracBits;
        uint256 weightBits;
        int256 q;
        int256 qFrac;
        int256 threshold;
        uint256 hasMax;
        int256 maxValue;
    }

    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        Config memory c = abi.decode(_config(), (Config));
        _expectInputs(xs, 1);
        size = xs[0].size;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        _need(xs, 0, from, to);
        output = _allocate(to - from);
        int256 productFrac = int256(c.fracBits) + c.qFrac; // checked, as the reference always did
        if (c.q != 0) return (_sloped(_at(xs, 0, 0), from, to, c, productFrac, output), size);
        int256 above = c.threshold > 0 ? c.threshold : int256(0);
        Elementwise.relu(_at(xs, 0, from), _dataAt(output), to - from, above, c.hasMax != 0, c.maxValue);
    }

    /// @dev The checked loop, for a negative slope: `output[i - from]` for i in [from, to), the
    ///      input's element 0 at calldata `src`.
    function _sloped(uint256 src, uint256 from, uint256 to, Config memory c, int256 productFrac, int256[] memory output)
        private
        pure
        returns (int256[] memory)
    {
        for (uint256 i = from; i < to; ++i) {
            int256 v;
            // Equivalent to `v = x[i]`, x's element 0 at calldata `src` (modulo 2^256).
            assembly ("memory-safe") {
                v := calldataload(add(src, shl(5, i)))
            }
            int256 y = v > c.threshold ? v : int256(0);
            if (y < 0) y = 0;
            if (c.hasMax != 0 && y > c.maxValue) y = c.maxValue;
            if (v < c.threshold) y -= FixedMath.rescaleInt((c.threshold - v) * c.q, productFrac, int256(c.fracBits));
            output[i - from] = y;
        }
        return output;
    }
}
