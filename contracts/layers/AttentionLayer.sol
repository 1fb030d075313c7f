// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AttentionBase} from "./base/AttentionBase.sol";
import {FixedMath} from "../lib/FixedMath.sol";

/// @title AttentionLayer
/// @notice Keras Attention (Luong, `score_mode` "dot" and "concat") and AdditiveAttention
///         (Bahdanau), without or with the causal mask, in integers (python/eternal/layers/
///         attention.py). Scores: dot mode `rescale(q . k_j, 2F, F)`, times the scale `s` if
///         given (`rescale(S s, F + sFrac, F)`); tanh mode `t = q + k_j`, times the pre-scale `p`
///         if given (`rescale(t p, F + pFrac, F)`), `h = tanh(t)`, `S = rescale(sum_d h_d w_d, F +
///         wFrac, F)` (`w` one value for every feature, one per feature, or none: `sum_d h_d`).
///         Then the shared softmax over each row (over `j <= i` with the causal mask, the rest 0)
///         and `rescale(sum_j a_j v_j, 2F, F)`.
/// @dev Config: `abi.encode(F, bits, Tq, d, Tv, dv, tanhMode, causal, preScale, scoreWeight,
///      weightCount)`: `preScale` a one-value tensor or `(0,0,0)` for none, `scoreWeight` the dot
///      mode's scale or the tanh mode's `w`, of `weightCount` values (0: none, 1, or d). Inputs:
///      query `(Tq, d)`, value `(Tv, dv)` and key `(Tv, d)` (optional when dv = d). Every input must be in
///      [-2^64, 2^64) and every weight's frac bits at least 0 (the exporter refuses others), so
///      the checked arithmetic never reverts on a valid model. An output range is computed over
///      whole query rows, each reading every key and value.
contract AttentionLayer is AttentionBase {
    /// @notice The layer config.
    struct Config {
        uint256 frac;
        uint256 bits;
        uint256 queryLength;
        uint256 dim;
        uint256 valueLength;
        uint256 valueDim;
        uint256 tanhMode;
        uint256 causal;
        WeightTensor preScale;
        WeightTensor scoreWeight;
        uint256 weightCount;
    }

    /// @dev The scalars and per-feature weights of the scores, read once.
    struct Weights {
        bool preScaled; // whether there is a pre-scale (tanh mode)
        int256 pre; // the pre-scale, fixed point 2^-preFrac
        int256 preFrac;
        int256[] w; // the dot mode's scale (w[0]) or the tanh mode's w_d, fixed point 2^-wFrac
        int256 wFrac;
        bool weighted; // false: no scale (dot) or w_d = 1 (tanh)
    }

    /// @notice Output elements `[start, end)` (clamped) of `(Tq, dv)`.
    /// @param xs    Query, value (and key), flattened, fixed point 2^-F.
    /// @param pages Every weight page of the model, in order.
    /// @param start First element wanted.
    /// @param end   One past the last element wanted.
    /// @return output The elements `[start, end)`, fixed point 2^-F.
    /// @return size   Tq * dv.
    function _slice(Input[] memory xs, address[] calldata pages, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        Config memory c = abi.decode(_config(), (Config));
        if (xs.length != 2 || c.valueDim != c.dim) _expectInputs(xs, 3); // the value is the key only if dv = d
        _expectSize(xs, 0, c.queryLength * c.dim);
        _expectSize(xs, 1, c.valueLength * c.valueDim);
        if (xs.length == 3) _expectSize(xs, 2, c.valueLength * c.dim);
        size = c.queryLength * c.valueDim;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        (uint256 first, uint256 last) = _rowsCovering(from, to, c.valueDim);
        output = _attend(c, xs, _weights(c, pages), first, last);
        output = _trim(output, from - first * c.valueDim, to - first * c.valueDim);
    }

    /// @dev The config's weights (`Weights`): with `weightCount` 1 in tanh mode, one `w` per feature.
    function _weights(Config memory c, address[] calldata pages) private view returns (Weights memory t) {
        t.preScaled = c.preScale.size != 0;
        if (t.preScaled) {
            (t.pre, t.preFrac) = (_readPlain(pages, c.preScale, c.bits, 1)[0], c.preScale.fracBits);
        }
        t.weighted = c.weightCount != 0;
        if (!t.weighted) return t;
        t.wFrac = c.scoreWeight.fracBits;
        t.w = _readPlain(pages, c.scoreWeight, c.bits, c.weightCount);
        if (c.tanhMode != 0 && c.weightCount == 1) {
            int256 only = t.w[0];
            t.w = new int256[](c.dim);
            for (uint256 d; d < c.dim; ++d) {
                t.w[d] = only;
            }
        }
    }

    /// @dev What `_attend` works on: the inputs in memory, its buffers and output.
    struct Pass {
        int256[] queries; // query rows [first, last)
        Strided keys;
        Strided values;
        int256[] scores; // one row's
        int256[] sums; // tanh mode: one row's `t`, (Tv, d)
        int256[] out; // (rows, dv)
        uint256 first;
    }

    /// @dev Query rows `[first, last)` attended, `(rows, dv)`.
    function _attend(Config memory c, Input[] memory xs, Weights memory t, uint256 first, uint256 last)
        private
        pure
        returns (int256[] memory)
    {
        Pass memory p = Pass(
            _rows(xs, 0, first * c.dim, last * c.dim),
            Strided(_whole(xs, xs.length - 1), c.dim, 0),
            Strided(_whole(xs, 1), c.valueDim, 0),
            new int256[](c.valueLength),
            new int256[](c.tanhMode != 0 ? c.valueLength * c.dim : 0),
            new int256[]((last - first) * c.valueDim),
            first
        );
        for (uint256 row = first; row < last; ++row) {
            _attendRow(c, t, p, row);
        }
        return p.out;
    }

    /// @dev One query row: its scores, their softmax and the weighted values.
    function _attendRow(Config memory c, Weights memory t, Pass memory p, uint256 row) private pure {
        uint256 allowed = _allowed(c.causal != 0, row, c.valueLength);
        uint256 q = (row - p.first) * c.dim;
        if (c.tanhMode != 0) {
            _tanhScores(c, t, Strided(p.queries, 0, q), p.keys.values, p.sums, p.scores, allowed);
        } else {
            _dotScores(p.queries, q, p.keys, c.dim, p.scores, allowed, c.frac);
            if (t.weighted) _scaleScores(p.scores, allowed, t.w[0], t.wFrac, c.frac);
        }
        _softmax(p.scores, allowed, c.frac);
        _mix(p.scores, allowed, p.values, c.valueDim, p.out, (row - p.first) * c.valueDim, c.frac);
    }

    /// @dev `scores[j] = rescale(scores[j] s, F + sFrac, F)` for the first `allowed`.
    function _scaleScores(int256[] memory scores, uint256 allowed, int256 s, int256 sFrac, uint256 frac) private pure {
        for (uint256 j; j < allowed; ++j) {
            scores[j] = FixedMath.rescaleInt(scores[j] * s, int256(frac) + sFrac, int256(frac));
        }
    }

    /// @dev Tanh-mode scores of one query row (`query.values[query.first:][:d]`) against the first
    ///      `allowed` keys: every `t = q + k_j` (pre-scaled) into `sums`, one tanh over them all,
    ///      then each key's weighted sum.
    function _tanhScores(
        Config memory c,
        Weights memory t,
        Strided memory query,
        int256[] memory keys,
        int256[] memory sums,
        int256[] memory scores,
        uint256 allowed
    ) private pure {
        (uint256 dim, int256 frac) = (c.dim, int256(c.frac));
        for (uint256 j; j < allowed; ++j) {
            for (uint256 d; d < dim; ++d) {
                int256 v = query.values[query.first + d] + keys[j * dim + d];
                sums[j * dim + d] = !t.preScaled ? v : FixedMath.rescaleInt(v * t.pre, frac + t.preFrac, frac);
            }
        }
        uint256 at = _dataAt(sums);
        FixedMath.mapInPlace(at, at + allowed * dim * 32, c.frac, FixedMath.MAP_TANH);
        for (uint256 j; j < allowed; ++j) {
            int256 sum;
            for (uint256 d; d < dim; ++d) {
                sum += t.weighted ? sums[j * dim + d] * t.w[d] : sums[j * dim + d];
            }
            scores[j] = t.weighted ? FixedMath.rescaleInt(sum, frac + t.wFrac, frac) : sum;
        }
    }
}
