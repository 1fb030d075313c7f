// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FixedPointMathLib} from "solady/src/utils/FixedPointMathLib.sol";
import {AttentionBase} from "./base/AttentionBase.sol";
import {FixedMath} from "../lib/FixedMath.sol";

/// @title DotLayer
/// @notice Keras Dot: the dot product of two inputs along one axis of each, optionally of their
///         L2-normalised copies (cosine similarity), in integers (python/eternal/layers/dot.py).
///         Input k is viewed as `(outer_k, n, inner_k)` around its contracted axis; output element
///         `(o1 inner1 + r1) (outer2 inner2) + o2 inner2 + r2` is `rescale(sum_i x[o1, i, r1]
///         y[o2, i, r2], 2F, F)`. With `normalize`, each fibre `x[o, :, r]` first becomes
///         `roundDiv(x_i << (F + G), s)` (half up), `s = floor(sqrt(max(sum_i x_i^2, eps) << 2G))`.
/// @dev Config: `abi.encode(F, bits, outer1, n, inner1, outer2, inner2, normalize, eps)`, `eps` on
///      2F bits and at least 1 (so `s > 0`). Every input must be in [-2^64, 2^64) (the exporter
///      refuses others; `AttentionInputTooLarge` here): the sums of squares stay below 2^192 and
///      `|x| << (F + G)` below 2^(65 + F + G), so nothing overflows for F <= 64.
contract DotLayer is AttentionBase {
    /// @dev G: the square root's extra fractional bits (python/eternal/layers/layer_normalization.py).
    uint256 private constant EXTRA_BITS = 16;

    /// @notice The layer config.
    struct Config {
        uint256 frac;
        uint256 bits;
        uint256 outer1;
        uint256 n;
        uint256 inner1;
        uint256 outer2;
        uint256 inner2;
        uint256 normalize;
        uint256 eps;
    }

    /// @notice Output elements `[start, end)` (clamped) of `(outer1 inner1, outer2 inner2)`.
    /// @param xs    The two inputs, flattened, fixed point 2^-F.
    /// @param start First element wanted.
    /// @param end   One past the last element wanted.
    /// @return output The elements `[start, end)`, fixed point 2^-F.
    /// @return size   outer1 inner1 outer2 inner2.
    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        Config memory c = abi.decode(_config(), (Config));
        _expectInputs(xs, 2);
        _expectSize(xs, 0, c.outer1 * c.n * c.inner1);
        _expectSize(xs, 1, c.outer2 * c.n * c.inner2);
        int256[] memory x = _whole(xs, 0);
        int256[] memory y = _whole(xs, 1);
        if (c.normalize != 0) {
            _normalise(x, c.outer1, c.inner1, c);
            _normalise(y, c.outer2, c.inner2, c);
        }
        uint256 columns = c.outer2 * c.inner2;
        size = c.outer1 * c.inner1 * columns;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        output = new int256[](to - from);
        for (uint256 k = from; k < to; ++k) {
            (uint256 a, uint256 b) = (k / columns, k % columns);
            uint256 p = (a / c.inner1) * c.n * c.inner1 + a % c.inner1;
            uint256 q = (b / c.inner2) * c.n * c.inner2 + b % c.inner2;
            int256 sum;
            for (uint256 i; i < c.n; ++i) {
                sum += x[p + i * c.inner1] * y[q + i * c.inner2];
            }
            output[k - from] = FixedMath.rescaleInt(sum, int256(2 * c.frac), int256(c.frac));
        }
    }

    /// @dev Every fibre `values[o, :, r]` of an `(outer, n, inner)` input L2-normalised in place.
    function _normalise(int256[] memory values, uint256 outer, uint256 inner, Config memory c) private pure {
        for (uint256 f; f < outer * inner; ++f) {
            uint256 p = (f / inner) * c.n * inner + f % inner;
            uint256 squares;
            for (uint256 i; i < c.n; ++i) {
                int256 v = values[p + i * inner];
                squares += uint256(v * v);
            }
            int256 s = int256(FixedPointMathLib.sqrt((squares > c.eps ? squares : c.eps) << (2 * EXTRA_BITS)));
            for (uint256 i; i < c.n; ++i) {
                // roundDiv(v << (F + G), s) = floor((2 (v << (F + G)) + s) / 2s); `/` truncates
                // towards 0, so a negative quotient that is not exact is one less.
                int256 t = 2 * (values[p + i * inner] << (c.frac + EXTRA_BITS)) + s;
                int256 quotient = t / (2 * s);
                if (t < 0 && t % (2 * s) != 0) --quotient;
                values[p + i * inner] = quotient;
            }
        }
    }
}
