// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./SlicedLayerBase.sol";
import {FixedMath} from "../../lib/FixedMath.sol";

/// @title AttentionBase
/// @notice What the layers built on dot products of input rows share (MultiHeadAttentionLayer,
///         AttentionLayer, DotLayer): inputs read into memory after a range check, the scores
///         `rescale(q . k_j, 2F, F)`, the softmax over a row's first keys (the causal mask), and
///         the weighted sum `rescale(sum_j a_j v_j, 2F, F)`.
abstract contract AttentionBase is SlicedLayerBase {
    /// @dev Every input must be in [-2^INPUT_BITS, 2^INPUT_BITS): products of two stay below
    ///      2^128 and any sum of them far below 2^255.
    uint256 internal constant INPUT_BITS = 64;

    /// @notice An input is outside [-2^64, 2^64) (fixed point).
    error AttentionInputTooLarge();

    /// @dev Rows of vectors in a flat array: row `j`'s vector starts at `first + j * stride`
    ///      (one head of a `(rows, heads, dim)` array: `stride = heads * dim`, `first = head * dim`).
    struct Strided {
        int256[] values;
        uint256 stride;
        uint256 first;
    }

    /// @dev All of input `k` into memory (`_rows`).
    function _whole(Input[] memory xs, uint256 k) internal pure returns (int256[] memory) {
        return _rows(xs, k, 0, xs[k].size);
    }

    /// @dev Elements `[lo, hi)` of input `k` into memory, after checking each is in [-2^64, 2^64)
    ///      (`_magnitudeBound`: the OR of the magnitudes, plus one, at most 2^64).
    function _rows(Input[] memory xs, uint256 k, uint256 lo, uint256 hi) internal pure returns (int256[] memory values) {
        _need(xs, k, lo, hi);
        uint256 src = _at(xs, k, lo);
        if (_magnitudeBound(src, src + (hi - lo) * 32) > 1 << INPUT_BITS) revert AttentionInputTooLarge();
        values = new int256[](hi - lo);
        // Equivalent to `values[i - lo] = x[i]`.
        assembly ("memory-safe") {
            calldatacopy(add(values, 0x20), src, shl(5, sub(hi, lo)))
        }
    }

    /// @dev The rows `[first, last)` of `width` values each that hold output elements `[from, to)`
    ///      (none, `first == last`, for an empty range).
    function _rowsCovering(uint256 from, uint256 to, uint256 width) internal pure returns (uint256 first, uint256 last) {
        first = from / width;
        last = to == from ? first : (to - 1) / width + 1;
    }

    /// @dev How many keys query row `row` reads: all `keys`, or with the causal mask `row + 1` at most.
    function _allowed(bool causal, uint256 row, uint256 keys) internal pure returns (uint256) {
        return causal && row + 1 < keys ? row + 1 : keys;
    }

    /// @dev `scores[j] = rescale(sum_d queries[q + d] k_j[d], 2F, F)` for the first `allowed` keys,
    ///      each of `dim` values.
    function _dotScores(
        int256[] memory queries,
        uint256 q,
        Strided memory keys,
        uint256 dim,
        int256[] memory scores,
        uint256 allowed,
        uint256 frac
    ) internal pure {
        for (uint256 j; j < allowed; ++j) {
            int256 sum;
            uint256 k = keys.first + j * keys.stride;
            for (uint256 d; d < dim; ++d) {
                sum += queries[q + d] * keys.values[k + d];
            }
            scores[j] = FixedMath.rescaleInt(sum, int256(2 * frac), int256(frac));
        }
    }

    /// @dev The shared softmax (`FixedMath.softmaxInPlace`) over `scores[0:allowed]`, in place.
    function _softmax(int256[] memory scores, uint256 allowed, uint256 frac) internal pure {
        uint256 at;
        assembly ("memory-safe") {
            at := add(scores, 0x20)
        }
        FixedMath.softmaxInPlace(at, at + allowed * 32, frac, allowed * 32);
    }

    /// @dev `out[o + e] = rescale(sum_j weights[j] v_j[e], 2F, F)` over the first `allowed` value
    ///      rows, for `e < dim`.
    function _mix(
        int256[] memory weights,
        uint256 allowed,
        Strided memory values,
        uint256 dim,
        int256[] memory out,
        uint256 o,
        uint256 frac
    ) internal pure {
        for (uint256 e; e < dim; ++e) {
            int256 sum;
            for (uint256 j; j < allowed; ++j) {
                sum += weights[j] * values.values[values.first + j * values.stride + e];
            }
            out[o + e] = FixedMath.rescaleInt(sum, int256(2 * frac), int256(frac));
        }
    }
}
