// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FixedPointMathLib} from "solady/src/utils/FixedPointMathLib.sol";
import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";

/// @title LayerNormalizationLayer
/// @notice Keras `LayerNormalization` (also with `rms_scaling`), `RMSNormalization` and
///         `UnitNormalization` over the last axis, in integers (docs/FORMAT.md, "Row
///         normalization"). For each row `x` of `n` values (fixed point 2^-F), `S = sum(x)`:
///         `u_i = n x_i - S` (mode bit 1) or `n x_i`; `v_i = n x_i - S` (mode bit 2) or `n x_i`;
///         `D = divRound(sum(v_i^2), n) + n^2 eps` (2F bits); `s = floor(sqrt(D << 2G))`;
///         UnitNormalization (mode 4 alone): `u_i = x_i`, `s = floor(sqrt(max(sum(x_i^2) << 2G,
///         eps)))` with `eps` on 2F + 2G bits, and no gamma or beta (`x / sqrt(max(sum(x^2), eps))`);
///         `y_i = roundDiv(u_i << (F + G), s)` (half up), then
///         `rescale(y_i * gamma_c, F + gammaFrac, F) + rescale(beta_c, betaFrac, F)`, as
///         BatchNormalization computes it (`Elementwise.affine`), in the same pass.
/// @dev Config: `abi.encode(F, bits, width, mode, eps, groups, gamma, beta)`: `width` = n (at most
///      2^16); `groups` 0 for rows of the last axis, else GroupNormalization's: then a set is group
///      g's channels `[g w, (g + 1) w)` of every position (w = width / groups, n = positions w, at
///      most 2^16), and each value takes its channel's gamma and beta; `eps` on 2F fractional bits (at least 1), `gamma` and `beta` plain tensors of `width`
///      values (an absent `beta`, size 0, reads as zeros). Every input value must be in
///      [-2^80, 2^80) (fixed point), F at most 64, gammaFrac in [-64, 128] and betaFrac at least
///      -64: then
///      `sum(v_i^2) = n (n sum(x_i^2) - S^2)` (centered) or `n^2 sum(x_i^2)` stays below 2^210,
///      `|y_i| <= sqrt(n) 2^(F+1)`, and no step below can overflow, so the row loops run unchecked.
///      As `sum(v_i^2)` is a multiple of n, `divRound(sum(v_i^2), n)` is exact:
///      `n sum(x_i^2) - S^2` or `n sum(x_i^2)`.
contract LayerNormalizationLayer is SlicedLayerBase {
    uint256 private constant EXTRA_BITS = 16; // G
    uint256 private constant INPUT_BITS = 80;
    uint256 private constant MAX_WIDTH = 1 << 16;
    uint256 private constant MAX_FRAC = 64;
    int256 private constant MIN_FRAC = -64; // gamma's and beta's
    int256 private constant MAX_GAMMA_FRAC = 128;
    uint256 private constant SUBTRACT_MEAN = 1;
    uint256 private constant CENTERED_VARIANCE = 2;
    uint256 private constant UNIT = 4;

    /// @notice The input's `length` values are not whole rows of `width`, or `width` is out of range.
    error RowMismatch(uint256 length, uint256 width);
    /// @notice GroupNormalization's `groups` do not divide the `width` channels, or a group holds
    ///         more than 2^16 of the `length` values.
    error GroupMismatch(uint256 length, uint256 width, uint256 groups);
    /// @notice An input value is outside [-2^80, 2^80) (fixed point).
    error NormalizationInputTooLarge();
    /// @notice The config's F, epsilon, or gamma's or beta's frac bits are out of the contract's range.
    error NormalizationConfigUnsupported(uint256 frac, uint256 eps, int256 gammaFrac, int256 betaFrac);

    /// @dev The decoded config, and gamma and beta as the row loop takes them: per channel c the
    ///      pair `(gamma_c << up, (beta_c << down) + half)` (gammaFrac = -up <= 0, down = 0; or
    ///      gammaFrac = down > 0, half = 2^(down-1)), so `rescale(q * gamma_c, F + gammaFrac, F) +
    ///      beta_c = (q * pair.0 + pair.1) >> down` exactly (adding a multiple of 2^down before an
    ///      arithmetic shift adds its quotient after it).
    struct Rows {
        uint256 frac;
        uint256 width;
        uint256 mode;
        uint256 eps;
        uint256 table; // memory address of the pairs, 64 bytes each
        uint256 down;
        uint256 groups; // 0: rows of the last axis; else GroupNormalization's groups of channels
    }

    function _slice(Input[] memory xs, address[] calldata pages, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        Rows memory rows = _constants(xs, pages);
        size = xs[0].size;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        uint256 width = rows.width;
        (uint256 low, uint256 high) = (from - from % width, to + (width - to % width) % width);
        if (rows.groups != 0) (low, high) = (0, size); // a group's statistic reads every position
        output = _copied(xs, low, high);
        if (rows.groups != 0) {
            _normaliseGroups(output, rows);
        } else {
            for (uint256 row; row < high - low; row += width) {
                _normaliseSet(_addressOf(output, row), width, rows, rows.table, width);
            }
        }
        output = _trim(output, from - low, to - low);
    }

    /// @dev The config, checked against the input, with gamma and beta read from the pages.
    function _constants(Input[] memory xs, address[] calldata pages) private view returns (Rows memory rows) {
        (uint256 frac, uint256 bits, uint256 width, uint256 mode, uint256 eps, uint256 groups,
            WeightTensor memory gamma, WeightTensor memory beta) = abi.decode(
            _config(), (uint256, uint256, uint256, uint256, uint256, uint256, WeightTensor, WeightTensor)
        );
        _expectInputs(xs, 1);
        uint256 length = xs[0].size;
        if (width == 0 || width > MAX_WIDTH || length % width != 0) revert RowMismatch(length, width);
        if (groups != 0 && (width % groups != 0 || (length / groups) > MAX_WIDTH)) revert GroupMismatch(length, width, groups);
        if (frac > MAX_FRAC || eps == 0 || eps >> 128 != 0 || gamma.fracBits < MIN_FRAC
            || gamma.fracBits > MAX_GAMMA_FRAC || beta.fracBits < MIN_FRAC) {
            revert NormalizationConfigUnsupported(frac, eps, gamma.fracBits, beta.fracBits);
        }
        rows = Rows(frac, width, mode, eps, 0, gamma.fracBits > 0 ? uint256(gamma.fracBits) : 0, groups);
        int256[] memory betas = _readRescaled(pages, beta, bits, width, int256(frac), 0);
        int256[] memory gammas = _readPlain(pages, gamma, bits, width);
        if (mode == UNIT) {
            // UnitNormalization has no gamma (its config's is empty, frac 0): ones, so q stays q.
            for (uint256 c; c < width; ++c) gammas[c] = 1;
        }
        rows.table = _pairs(gammas, betas, gamma.fracBits, rows.down);
    }

    /// @dev The pairs of `Rows` (gammas below 2^31, betas on F bits below 2^(31 + 128): with
    ///      up <= 64 and down <= 128 both stay below 2^223).
    function _pairs(int256[] memory gammas, int256[] memory betas, int256 gammaFrac, uint256 down)
        private
        pure
        returns (uint256 table)
    {
        uint256 up = gammaFrac > 0 ? 0 : uint256(-gammaFrac);
        uint256 half = down == 0 ? 0 : 1 << (down - 1);
        assembly ("memory-safe") {
            table := mload(0x40)
            let n := mload(gammas)
            mstore(0x40, add(table, shl(6, n)))
            for { let c := 0 } lt(c, n) { c := add(c, 1) } {
                let at := add(table, shl(6, c))
                mstore(at, shl(up, mload(add(gammas, shl(5, add(c, 1))))))
                mstore(add(at, 0x20), add(shl(down, mload(add(betas, shl(5, add(c, 1))))), half))
            }
        }
    }

    /// @dev Elements `[low, high)` of the input, in a new array.
    function _copied(Input[] memory xs, uint256 low, uint256 high) private pure returns (int256[] memory output) {
        _need(xs, 0, low, high);
        output = _allocate(high - low);
        uint256 src = _at(xs, 0, low);
        // Equivalent to `output[i - low] = x[i]` for i in [low, high).
        assembly ("memory-safe") {
            calldatacopy(add(output, 0x20), src, shl(5, sub(high, low)))
        }
    }

    /// @dev The memory address of `values[i]`.
    function _addressOf(int256[] memory values, uint256 i) private pure returns (uint256 at) {
        assembly ("memory-safe") {
            at := add(add(values, 0x20), shl(5, i))
        }
    }

    /// @dev GroupNormalization over the whole tensor, in place: group g holds channels
    ///      `[g w, (g + 1) w)` of every position (w = width / groups), gathered position by position
    ///      into one set, normalised, and put back.
    function _normaliseGroups(int256[] memory values, Rows memory rows) private pure {
        uint256 w = rows.width / rows.groups;
        uint256 positions = values.length / rows.width;
        int256[] memory set = new int256[](positions * w);
        (uint256 setAt, uint256 rowBytes, uint256 groupBytes) = (_addressOf(set, 0), rows.width * 32, w * 32);
        for (uint256 g; g < rows.groups; ++g) {
            uint256 at = _addressOf(values, g * w);
            // Equivalent to `set[p w + j] = values[p width + g w + j]` for every p and j < w.
            assembly ("memory-safe") {
                for { let p := 0 } lt(p, positions) { p := add(p, 1) } {
                    mcopy(add(setAt, mul(p, groupBytes)), add(at, mul(p, rowBytes)), groupBytes)
                }
            }
            _normaliseSet(setAt, positions * w, rows, rows.table + g * w * 64, w);
            // Equivalent to the gather's inverse.
            assembly ("memory-safe") {
                for { let p := 0 } lt(p, positions) { p := add(p, 1) } {
                    mcopy(add(at, mul(p, rowBytes)), add(setAt, mul(p, groupBytes)), groupBytes)
                }
            }
        }
    }

    /// @dev Replaces the `n` values at memory `at` (one set: a row, or a gathered group) by their
    ///      outputs, as the contract's notice says; value k takes the pair `first + (k % wrap)`.
    function _normaliseSet(uint256 at, uint256 n, Rows memory rows, uint256 first, uint256 wrap) private pure {
        Pairs memory pairs = Pairs(first, first + wrap * 64);
        (int256 total, uint256 squares) = _moments(at, n);
        _finishSet(at, n, rows.mode & SUBTRACT_MEAN != 0 ? total : int256(0), _root(n, total, squares, rows), rows, pairs);
    }

    /// @dev `s = floor(sqrt(D << 2G))`, `D = divRound(sum(v_i^2), n) + n^2 eps` (exact, see @dev), or
    ///      UNIT: `s = floor(sqrt(max(sum(x_i^2) << 2G, eps)))` (`eps` on 2F + 2G bits).
    function _root(uint256 n, int256 total, uint256 squares, Rows memory rows) private pure returns (uint256) {
        if (rows.mode == UNIT) {
            uint256 d = squares << (2 * EXTRA_BITS);
            return FixedPointMathLib.sqrt(d > rows.eps ? d : rows.eps);
        }
        bool centered = rows.mode & CENTERED_VARIANCE != 0;
        uint256 spread = centered ? n * squares - uint256(total * total) : n * squares;
        return FixedPointMathLib.sqrt((spread + n * n * rows.eps) << (2 * EXTRA_BITS));
    }

    /// @dev `S` and `sum(x_i^2)` of the `n` values at `at`, after checking that each is in
    ///      [-2^80, 2^80) (then both are exact: below 2^96 and 2^176).
    function _moments(uint256 at, uint256 n) private pure returns (int256 total, uint256 squares) {
        uint256 seen;
        // Equivalent to: for each x: total += x; squares += x * x; seen |= x ^ (x >> 255) (|x|, one
        // less for a negative x), so the test below is -2^80 <= x < 2^80 for every x.
        assembly ("memory-safe") {
            for { let end := add(at, shl(5, n)) } lt(at, end) { at := add(at, 0x20) } {
                let x := mload(at)
                total := add(total, x)
                squares := add(squares, mul(x, x))
                seen := or(seen, xor(x, sar(255, x)))
            }
        }
        if (seen >> INPUT_BITS != 0) revert NormalizationInputTooLarge();
    }

    /// @dev The pairs a set walks: from `first`, back to it at `end`.
    struct Pairs {
        uint256 first;
        uint256 end;
    }

    /// @dev In place: `q = roundDiv((n x_i - shift) << (F + G), s)` (UNIT: `x_i` for `n x_i`), i.e. floor((2a + s) / 2s), the
    ///      quotient rounded half up for either sign of `a` (s > 0: epsilon is at least 1); then
    ///      `(q * pair.0 + pair.1) >> down` (`Rows`), the pairs taken in turn from `pairs.first`.
    function _finishSet(uint256 at, uint256 n, int256 shift, uint256 s, Rows memory rows, Pairs memory pairs)
        private
        pure
    {
        (uint256 up, uint256 down) = (rows.frac + EXTRA_BITS, rows.down);
        (uint256 pair, uint256 first, uint256 last) = (pairs.first, pairs.first, pairs.end);
        uint256 end = at + n * 32;
        if (rows.mode == UNIT) n = 1; // from here n is x_i's multiplier
        assembly ("memory-safe") {
            let twice := shl(1, s)
            for {} lt(at, end) { at := add(at, 0x20) } {
                let t := add(shl(1, shl(up, sub(mul(n, mload(at)), shift))), s)
                let q := sdiv(t, twice)
                // sdiv truncates towards 0: one less for a negative t that is not a multiple.
                if and(slt(t, 0), iszero(iszero(smod(t, twice)))) { q := sub(q, 1) }
                mstore(at, sar(down, add(mul(q, mload(pair)), mload(add(pair, 0x20)))))
                pair := add(pair, 0x40)
                if eq(pair, last) { pair := first }
            }
        }
    }
}
