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
        size = c.outer1 * c.inner1 * c.outer2 * c.inner2;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        output = _products(c, x, y, from, to);
    }

    /// @dev Output elements `[from, to)`: `rescale(x[o1, :, r1] . y[o2, :, r2], 2F, F)`.
    function _products(Config memory c, int256[] memory x, int256[] memory y, uint256 from, uint256 to)
        private
        pure
        returns (int256[] memory output)
    {
        uint256 columns = c.outer2 * c.inner2;
        output = new int256[](to - from);
        (Strided memory u, Strided memory v) = (Strided(x, c.inner1, 0), Strided(y, c.inner2, 0));
        for (uint256 k = from; k < to; ++k) {
            (uint256 a, uint256 b) = (k / columns, k % columns);
            u.first = (a / c.inner1) * c.n * c.inner1 + a % c.inner1;
            v.first = (b / c.inner2) * c.n * c.inner2 + b % c.inner2;
            output[k - from] = FixedMath.rescaleInt(_fibreDot(u, v, c.n), int256(2 * c.frac), int256(c.frac));
        }
    }

    /// @dev Every fibre `values[o, :, r]` of an `(outer, n, inner)` input L2-normalised in place.
    function _normalise(int256[] memory values, uint256 outer, uint256 inner, Config memory c) private pure {
        for (uint256 f; f < outer * inner; ++f) {
            uint256 p = (f / inner) * c.n * inner + f % inner;
            Strided memory fibre = Strided(values, inner, p);
            uint256 squares = uint256(_fibreDot(fibre, fibre, c.n));
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

    /// @dev `sum_i u_i v_i` over `i < n` (`Strided`: `u_i = u.values[u.first + i u.stride]`), for
    ///      fibres of the config's inputs (whose sizes `_expectSize` checked: every index is inside
    ///      its array) with every |value| below 2^64 (`_rows`; normalised ones below 2^(F+2)): each
    ///      product is below 2^128 and the sum of n < 2^64 of them below 2^192, so the loop runs
    ///      without overflow or bounds checks.
    function _fibreDot(Strided memory u, Strided memory v, uint256 n) private pure returns (int256 sum) {
        (int256[] memory x, int256[] memory y) = (u.values, v.values);
        (uint256 p, uint256 q, uint256 sx, uint256 sy) = (u.first, v.first, u.stride, v.stride);
        // Equivalent to `for (uint256 i; i < n; ++i) sum += x[p + i * sx] * y[q + i * sy];`.
        assembly ("memory-safe") {
            let a := add(add(x, 0x20), shl(5, p)) // &x[p]
            let b := add(add(y, 0x20), shl(5, q)) // &y[q]
            let stepA := shl(5, sx)
            let stepB := shl(5, sy)
            for { let end := add(a, mul(n, stepA)) } lt(a, end) { a := add(a, stepA) } {
                sum := add(sum, mul(mload(a), mload(b)))
                b := add(b, stepB)
            }
        }
    }
}
