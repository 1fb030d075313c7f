// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AttentionBase} from "./base/AttentionBase.sol";
import {FixedMath} from "../lib/FixedMath.sol";

/// @title MultiHeadAttentionLayer
/// @notice Keras MultiHeadAttention over sequences, without or with the causal mask, in integers
///         (python/eternal/layers/multi_head_attention.py): `project(x, W, b) = rescale(x W, F +
///         wFrac, F) + rescale(b, bFrac, F)` for the query, key, value and output projections;
///         the query times `1 / sqrt(keyDim)` as the multiplier `(m, mFrac)`; per head, scores
///         `rescale(q . k, 2F, F)`, the shared softmax over each row (over `j <= i` with the causal
///         mask, the rest 0), and `rescale(sum_j a_j v_j, 2F, F)`.
/// @dev Config: `abi.encode(F, bits, Tq, dq, Tv, dv, Tk, dkIn, heads, keyDim, valueDim, causal, m,
///      mFrac, queryKernel, queryBias, keyKernel, keyBias, valueKernel, valueBias, outputKernel,
///      outputBias)`, every tensor plain in Keras' shape (a bias `(0,0,0)` reads as zeros). Inputs:
///      query, value and (optionally) key. Every input must be in [-2^64, 2^64) and every weight's
///      frac bits at least 0 (the exporter refuses others), so the checked arithmetic never
///      reverts on a valid model. An output range is computed over whole query rows, each reading
///      every key and value.
contract MultiHeadAttentionLayer is AttentionBase {
    /// @notice The layer config.
    struct Config {
        uint256 frac;
        uint256 bits;
        uint256 queryLength;
        uint256 queryDim;
        uint256 valueLength;
        uint256 valueDim;
        uint256 keyLength;
        uint256 keyInputDim;
        uint256 heads;
        uint256 keyDim;
        uint256 headValueDim;
        uint256 causal;
        int256 m;
        int256 mFrac;
        WeightTensor[8] tensors; // query kernel, bias; key kernel, bias; value kernel, bias; output kernel, bias
    }

    /// @notice Output elements `[start, end)` (clamped) of `(Tq, dq)`.
    /// @param xs    Query, value (and key), flattened, fixed point 2^-F.
    /// @param pages Every weight page of the model, in order.
    /// @param start First element wanted.
    /// @param end   One past the last element wanted.
    /// @return output The elements `[start, end)`, fixed point 2^-F.
    /// @return size   Tq * dq.
    function _slice(Input[] memory xs, address[] calldata pages, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        Config memory c = abi.decode(_config(), (Config));
        if (xs.length != 2) _expectInputs(xs, 3);
        _expectSize(xs, 0, c.queryLength * c.queryDim);
        _expectSize(xs, 1, c.valueLength * c.valueDim);
        if (xs.length == 3) _expectSize(xs, 2, c.keyLength * c.keyInputDim);
        size = c.queryLength * c.queryDim;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        (uint256 first, uint256 last) = _rowsCovering(from, to, c.queryDim);
        int256[] memory attended = _attend(c, xs, pages, first, last);
        output = _project(pages, c, attended, Shape(last - first, c.heads * c.headValueDim, c.queryDim), 6);
        output = _trim(output, from - first * c.queryDim, to - first * c.queryDim);
    }

    /// @dev Rows `[first, last)` of the heads' outputs, `(rows, heads * valueDim)`.
    function _attend(Config memory c, Input[] memory xs, address[] calldata pages, uint256 first, uint256 last)
        private
        view
        returns (int256[] memory attended)
    {
        (int256[] memory queries, int256[] memory keys, int256[] memory values) = _projections(c, xs, pages, first, last);
        attended = new int256[]((last - first) * c.heads * c.headValueDim);
        int256[] memory scores = new int256[](c.keyLength);
        for (uint256 row = first; row < last; ++row) {
            for (uint256 h; h < c.heads; ++h) {
                _head(c, Head(row, row - first, h, queries, keys, values, scores, attended));
            }
        }
    }

    /// @dev The query rows `[first, last)` projected and scaled by `(m, mFrac)`, every key and value projected.
    function _projections(Config memory c, Input[] memory xs, address[] calldata pages, uint256 first, uint256 last)
        private
        view
        returns (int256[] memory queries, int256[] memory keys, int256[] memory values)
    {
        keys = _keys(c, xs, pages);
        values = _values(c, xs, pages);
        queries = _queries(c, xs, pages, first, last);
    }

    /// @dev Every key row projected (the last input: the value's when there is no key).
    function _keys(Config memory c, Input[] memory xs, address[] calldata pages) private view returns (int256[] memory) {
        Shape memory shape = Shape(c.keyLength, c.keyInputDim, c.heads * c.keyDim);
        return _project(pages, c, _whole(xs, xs.length - 1), shape, 2);
    }

    /// @dev Every value row projected (input 1).
    function _values(Config memory c, Input[] memory xs, address[] calldata pages) private view returns (int256[] memory) {
        Shape memory shape = Shape(c.valueLength, c.valueDim, c.heads * c.headValueDim);
        return _project(pages, c, _whole(xs, 1), shape, 4);
    }

    /// @dev Query rows `[first, last)` projected, then times `(m, mFrac)`.
    function _queries(Config memory c, Input[] memory xs, address[] calldata pages, uint256 first, uint256 last)
        private
        view
        returns (int256[] memory queries)
    {
        Shape memory shape = Shape(last - first, c.queryDim, c.heads * c.keyDim);
        queries = _project(pages, c, _rows(xs, 0, first * c.queryDim, last * c.queryDim), shape, 0);
        for (uint256 i; i < queries.length; ++i) {
            queries[i] = FixedMath.rescaleInt(queries[i] * c.m, int256(c.frac) + c.mFrac, int256(c.frac));
        }
    }

    /// @dev One query row and head of `_attend`.
    struct Head {
        uint256 row; // the query row (for the causal mask)
        uint256 at; // its index among the rows computed
        uint256 head;
        int256[] queries;
        int256[] keys;
        int256[] values;
        int256[] scores;
        int256[] attended;
    }

    /// @dev Scores, softmax and the weighted values of one query row and head.
    function _head(Config memory c, Head memory t) private pure {
        uint256 allowed = _allowed(c.causal != 0, t.row, c.keyLength);
        (uint256 dk, uint256 dv) = (c.keyDim, c.headValueDim);
        Strided memory keys = Strided(t.keys, c.heads * dk, t.head * dk);
        _dotScores(t.queries, (t.at * c.heads + t.head) * dk, keys, dk, t.scores, allowed, c.frac);
        _softmax(t.scores, allowed, c.frac);
        Strided memory values = Strided(t.values, c.heads * dv, t.head * dv);
        _mix(t.scores, allowed, values, dv, t.attended, (t.at * c.heads + t.head) * dv, c.frac);
    }

    /// @dev The shape of a projection: `rows` rows of `inDim` values to rows of `outDim`.
    struct Shape {
        uint256 rows;
        uint256 inDim;
        uint256 outDim;
    }

    /// @dev `project(x, W, b)` with tensors `which` (kernel, `(inDim, outDim)`) and `which + 1` (bias).
    function _project(address[] calldata pages, Config memory c, int256[] memory x, Shape memory s, uint256 which)
        private
        view
        returns (int256[] memory out)
    {
        WeightTensor memory kernel = c.tensors[which];
        int256[] memory w = _readPlain(pages, kernel, c.bits, s.inDim * s.outDim);
        int256[] memory b = _readRescaled(pages, c.tensors[which + 1], c.bits, s.outDim, int256(c.frac), 0);
        out = new int256[](s.rows * s.outDim);
        int256 fromFrac = int256(c.frac) + kernel.fracBits;
        for (uint256 r; r < s.rows; ++r) {
            for (uint256 o; o < s.outDim; ++o) {
                int256 sum;
                for (uint256 i; i < s.inDim; ++i) {
                    sum += x[r * s.inDim + i] * w[i * s.outDim + o];
                }
                out[r * s.outDim + o] = FixedMath.rescaleInt(sum, fromFrac, int256(c.frac)) + b[o];
            }
        }
    }
}
