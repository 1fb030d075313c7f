// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./base/LayerBase.sol";
import {ILayer} from "../interfaces/ILayer.sol";
import {Activations} from "../lib/Activations.sol";
import {WeightPages} from "../lib/WeightPages.sol";
import {LayerErrors} from "../lib/LayerErrors.sol";

/// @title DenseLayer
/// @notice `activation(rescale(x @ kernel, F + kernelFrac, F) + rescale(bias, biasFrac, F))` over
///         the last axis, for every position of the leading axes.
/// @dev Config: `abi.encode(F, bits, rows, units, positions, activation, kernel, bias)`; `kernel`
///      is `blocked` (docs/FORMAT.md), `bias` plain (size 0: no bias).
///      Hot loop "SWAR": a weight word holds E = 256/L offset-binary lanes `u = q + 2^(L-1)`; the
///      lanes `g, g + G, g + 2G, ...` (G = S/L) are masked into S-bit slots, so one MUL adds
///      `x * u` to 256/S outputs at once. A slot ends holding `sum_r x_r u_rj`, exact while
///      `sum|x| * (2^L - 1) < 2^(B-1)`, B the bits the slot keeps (`_plan` picks the kernels per
///      position): int8 with sum|x| < 2^31 ANDs each word with the mask moved up 0-3 lanes (no
///      shift per group; the slots sit up to 24 bits up, the top one keeps 40 bits); otherwise
///      S = 64 (int8's kernels keep 56 bits in the top slot: limit 2^47; int16/int32: 2^(63-L)),
///      over all rows or run by run when the rows split into runs of at least 8 rows on average
///      under the limit (the runs' lane sums are added), else S = 128 (`sum|x| < 2^95` always
///      suffices; above, it reverts).
///      Then `sum_r x_r q_rj = slot - 2^(L-1) sum_r x_r`, exactly the emulator's integer sum.
///      Weights stream block by block (int32: two blocks at a time) into one reused buffer.
contract DenseLayer is LayerBase {
    struct Config {
        uint256 frac;
        uint256 bits;
        uint256 rows;
        uint256 units;
        uint256 positions;
        uint256 activation;
        WeightTensor kernel;
        WeightTensor bias;
    }

    /// @dev Values the block loop needs (in memory: the loop is not hot, the stack is short).
    struct Work {
        uint256 lanes; // E = 256 / L
        uint256 blocks;
        uint256 blockBytes; // rows * 32
        uint256 span; // blocks streamed at a time: 2 for int32, else 1
        uint256 xBase; // calldata offset of the input
        int256[] offsets; // per unit: the bias at the sums' scale, see `_offsets`
        int256[] correction; // per position: 2^(L-1) * sum x
        uint256[] slotBits; // per position: 64, 128 or MASKED | 64 (see `_plan`)
        uint256[][] runs; // per position: ends of the row runs summed one after another (last = rows)
        int256[] sums; // lane sums of the blocks in the buffer
        bytes buffer; // `span` blocks of weights, reused
    }

    /// @dev Mode flag of the masked int8 kernels (see `_plan`), beside the slot width.
    uint256 private constant MASKED = 1 << 17;
    /// @dev sum|x| bound of the masked kernels' runs (see `_plan`).
    uint256 private constant MASKED_LIMIT = 1 << 31;

    /// @notice Position `position`'s inputs sum to `absSum` (at least 2^95; reported as 2^95 when
    ///         one input alone reaches it) in magnitude: the SWAR slots could overflow, so the layer
    ///         refuses (the emulator raises the same).
    error DenseInputTooLarge(uint256 position, uint256 absSum);

    /// @inheritdoc ILayer
    function forward(int256[][] calldata inputs, address[] calldata pages)
        external
        view
        override
        returns (int256[] memory output)
    {
        Config memory c = abi.decode(_config(), (Config));
        _expectInputs(inputs, 1);
        _expectSize(inputs, 0, c.rows * c.positions);
        Work memory w = _prepare(c, inputs[0], pages);
        output = new int256[](c.positions * c.units);
        uint256 buffer;
        bytes memory bytesBuffer = w.buffer;
        assembly ("memory-safe") {
            buffer := add(bytesBuffer, 0x20)
        }
        for (uint256 k; k < w.blocks; k += w.span) {
            uint256 n = w.blocks - k < w.span ? w.blocks - k : w.span;
            WeightPages.copy(pages, c.kernel.offset + k * w.blockBytes, n * w.blockBytes, buffer);
            _blocks(c, w, k, n, output);
        }
        Activations.activate(output, c.activation, c.frac, c.units);
        _returnValues(output);
    }

    /// @dev Checks the config, reads the bias and computes the per-position corrections.
    function _prepare(Config memory c, int256[] calldata x, address[] calldata pages)
        private
        view
        returns (Work memory w)
    {
        if (c.bits != 8 && c.bits != 16 && c.bits != 32) revert LayerErrors.UnsupportedWeightBits(c.bits);
        w.lanes = 256 / c.bits;
        w.blocks = (c.units + w.lanes - 1) / w.lanes;
        w.blockBytes = c.rows * 32;
        if (c.kernel.size != w.blocks * w.blockBytes) {
            revert LayerErrors.KernelSizeMismatch(c.kernel.offset, w.blocks * w.blockBytes, c.kernel.size);
        }
        w.span = c.bits == 32 ? 2 : 1;
        w.offsets = _offsets(c, pages);
        w.correction = new int256[](c.positions);
        w.slotBits = new uint256[](c.positions);
        w.runs = new uint256[][](c.positions);
        for (uint256 p; p < c.positions; ++p) {
            (int256 sum, uint256 absSum) = _sums(x, p * c.rows, c.rows);
            if (absSum >= 1 << 95) revert DenseInputTooLarge(p, absSum);
            w.correction[p] = sum << (c.bits - 1);
            (w.slotBits[p], w.runs[p]) = _plan(x, p * c.rows, c.rows, absSum, c.bits);
        }
        uint256 xBase;
        assembly ("memory-safe") {
            xBase := x.offset
        }
        w.xBase = xBase;
        w.sums = new int256[](w.span * w.lanes);
        w.buffer = new bytes(w.span * w.blockBytes);
    }

    /// @dev Outputs of blocks `k .. k + n` (weights already in `w.buffer`) for every position.
    function _blocks(Config memory c, Work memory w, uint256 k, uint256 n, int256[] memory output) private pure {
        uint256 first = k * w.lanes;
        uint256 count = c.units - first < n * w.lanes ? c.units - first : n * w.lanes;
        int256 shift = c.kernel.fracBits; // sums have F + kernelFrac fractional bits
        for (uint256 p; p < c.positions; ++p) {
            int256[] memory sums = w.sums;
            _blockSums(w.buffer, w.blockBytes, n, w.xBase + p * w.blockBytes, c.bits, w.slotBits[p], w.runs[p], sums);
            int256 correction = w.correction[p];
            int256[] memory offsets = w.offsets;
            uint256 at = p * c.units + first;
            // Equivalent to: output[at + j] = rescaleInt(sums[j] - correction, F + shift, F) + bias[first + j],
            // i.e. (sums[j] - correction + offsets[first + j]) >> shift when shift > 0, else
            // ((sums[j] - correction) << -shift) + offsets[first + j] (see `_offsets`). `out` and
            // `o` are the output's and the offsets' distances from `src` (mod 2^256).
            // Unchecked: |sums[j] - correction| < 2^127 (the slot bound), offsets < 2^216, shift <= 96.
            assembly ("memory-safe") {
                let src := add(sums, 0x20)
                let out := sub(add(add(output, 0x20), shl(5, at)), src)
                let o := sub(add(add(offsets, 0x20), shl(5, first)), src)
                let end := add(src, shl(5, count))
                switch sgt(shift, 0)
                case 1 {
                    function finish(q, toOut, toOffset, by, less) {
                        mstore(add(q, toOut), sar(by, sub(add(mload(q), mload(add(q, toOffset))), less)))
                    }
                    for {} lt(add(src, 0x20), end) { src := add(src, 0x40) } {
                        finish(src, out, o, shift, correction)
                        finish(add(src, 0x20), out, o, shift, correction)
                    }
                    if lt(src, end) { finish(src, out, o, shift, correction) }
                }
                default {
                    let left := sub(0, shift)
                    for {} lt(src, end) { src := add(src, 0x20) } {
                        mstore(add(src, out), add(shl(left, sub(mload(src), correction)), mload(add(src, o))))
                    }
                }
            }
        }
    }

    /// @dev Per unit j, what `_blocks` adds to an exact sum s (F + d fractional bits, d = the
    ///      kernel's frac bits) so that one shift finishes it: for d > 0, `(bias_j << d) + 2^(d-1)`,
    ///      as `(s + (bias_j << d) + 2^(d-1)) >> d = rescale(s, F + d, F) + bias_j` (round half
    ///      up; a multiple of 2^d passes through the floor); else `bias_j`, added after `s << -d`.
    ///      bias_j = rescale(b_j, biasFrac, F), 0 without a bias.
    function _offsets(Config memory c, address[] calldata pages) private view returns (int256[] memory) {
        uint256 left = c.kernel.fracBits > 0 ? uint256(c.kernel.fracBits) : 0;
        return _readRescaled(pages, c.bias, c.bits, c.units, int256(c.frac), left);
    }

    /// @dev Signed sum and sum of magnitudes of `x[start .. start + n)`. When one magnitude reaches
    ///      2^95 the result is 2^95 (the layer refuses either way); otherwise nothing overflows
    ///      (n < 2^64 values below 2^95).
    function _sums(int256[] calldata x, uint256 start, uint256 n) private pure returns (int256 sum, uint256 absSum) {
        // Equivalent to: for each v: sum += v; absSum += |v|. Two values per round; `over`
        // gathers the bits of every |v|, so it reaches 2^95 exactly when one |v| does.
        // |v| = (v ^ s) - s with s = v >> 255 arithmetic (0 or -1); 2^255 for the int256 minimum.
        assembly ("memory-safe") {
            let over := 0
            let p := add(x.offset, shl(5, start))
            let end := add(p, shl(5, n))
            for {} lt(add(p, 0x20), end) { p := add(p, 0x40) } {
                let v := calldataload(p)
                let u := calldataload(add(p, 0x20))
                sum := add(add(sum, v), u)
                let s := sar(255, v)
                let t := sar(255, u)
                let m := sub(xor(v, s), s)
                let k := sub(xor(u, t), t)
                over := or(or(over, m), k)
                absSum := add(add(absSum, m), k)
            }
            if lt(p, end) {
                let v := calldataload(p)
                sum := add(sum, v)
                let s := sar(255, v)
                let m := sub(xor(v, s), s)
                over := or(over, m)
                absSum := add(absSum, m)
            }
            if shr(95, over) { absSum := shl(95, 1) }
        }
    }

    /// @dev Kernel mode and row runs of one position whose inputs sum to `absSum` in magnitude.
    ///      A slot's sum is exact while sum|x| (2^L - 1) < 2^(B - 1), B the bits it keeps. int8 takes
    ///      the masked kernels (`MASKED | 64`) when sum|x| < 2^31: their top slot keeps 40 bits. Else
    ///      64-bit slots: int8's kernels keep 56 bits in the top slot (limit 2^47), int16/int32's 64
    ///      (limit 2^(63-L)); over all rows when `absSum` is below the
    ///      limit, else, when the rows split into runs of at least 8 rows on average, each under the
    ///      limit, run by run (each run's slots exact; the runs' lane sums are added); else 128-bit.
    function _plan(int256[] calldata x, uint256 start, uint256 n, uint256 absSum, uint256 bits)
        private
        pure
        returns (uint256 mode, uint256[] memory ends)
    {
        if (bits == 8 && absSum < MASKED_LIMIT) return (MASKED | 64, _allRows(n));
        uint256 limit = bits == 8 ? 1 << 47 : 1 << (63 - bits);
        if (absSum >= limit) {
            ends = _runs(x, start, n, limit);
            // 8: a run's spills cost about what 64-bit instead of 128-bit slots save on 8 rows.
            if (ends.length != 0 && ends.length * 8 <= n) return (64, ends);
        }
        mode = absSum < limit ? 64 : 128;
        ends = _allRows(n);
    }

    /// @dev One run of all `n` rows.
    function _allRows(uint256 n) private pure returns (uint256[] memory ends) {
        ends = new uint256[](1);
        ends[0] = n;
    }

    /// @dev Greedy split of `x[start .. start + n)` into runs with sum|x| < `limit`: the ends of the
    ///      runs (the last is n), or none when one |x| alone reaches `limit`.
    function _runs(int256[] calldata x, uint256 start, uint256 n, uint256 limit)
        private
        pure
        returns (uint256[] memory ends)
    {
        // Equivalent to: run = 0; for each r: if |x_r| >= limit return []; run += |x_r|;
        //   if run >= limit { ends.push(r); run = |x_r| } ; ends.push(n).
        // No overflow: run < limit + |x_r| < 2^64 (limit <= 2^55, each |x_r| < limit).
        assembly ("memory-safe") {
            ends := mload(0x40)
            let count := 0
            let run := 0
            let p := add(x.offset, shl(5, start))
            for { let r := 0 } lt(r, n) { r := add(r, 1) } {
                let v := calldataload(add(p, shl(5, r)))
                let s := sar(255, v) // 0 or -1
                let m := sub(xor(v, s), s) // |v| (2^255 for the int256 minimum)
                if iszero(lt(m, limit)) {
                    count := not(0) // marks "no runs"
                    break
                }
                run := add(run, m)
                if iszero(lt(run, limit)) {
                    count := add(count, 1)
                    mstore(add(ends, shl(5, count)), r) // the run ends before row r
                    run := m
                }
            }
            count := add(count, 1) // no runs: not(0) + 1 = 0
            if count { mstore(add(ends, shl(5, count)), n) }
            mstore(ends, count)
            mstore(0x40, add(ends, shl(5, add(count, 1))))
        }
    }

    /// @dev For `blockCount` (1 or 2) consecutive blocks of weights at `buffer` (each `blockBytes` long)
    ///      and the input row at calldata `xPtr`, writes `sums[b * E + j] = sum_r x_r * u_rj` for
    ///      lane j of block b (j = 0 is a word's most significant lane). `slot` is a `_plan` mode; the
    ///      rows are summed run by run (`runs`: run ends, the last is the row count), each run's
    ///      slots spilled and added to `sums`.
    function _blockSums(
        bytes memory buffer,
        uint256 blockBytes,
        uint256 blockCount,
        uint256 xPtr,
        uint256 bits,
        uint256 slot,
        uint256[] memory runs,
        int256[] memory sums
    ) private pure {
        // Equivalent to: for each block b, lane j: sums[b*E + j] =
        //   sum_r x[r] * ((word(b, r) >> ((E-1-j) * L)) & (2^L - 1)).
        assembly ("memory-safe") {
            // BEGIN GENERATED KERNELS (scripts/gen_dense_kernels.py; do not edit by hand)
            function mac32x64(p, q, end, mask) -> a0, a1 {
                for {} lt(add(p, 0x1e0), end) { p := add(p, 0x200) q := add(q, 0x200) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let w0 := mload(add(p, 0x40))
                        let x1 := calldataload(add(q, 0x60))
                        let w1 := mload(add(p, 0x60))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                    }
                    {
                        let x0 := calldataload(add(q, 0x80))
                        let w0 := mload(add(p, 0x80))
                        let x1 := calldataload(add(q, 0xa0))
                        let w1 := mload(add(p, 0xa0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                    }
                    {
                        let x0 := calldataload(add(q, 0xc0))
                        let w0 := mload(add(p, 0xc0))
                        let x1 := calldataload(add(q, 0xe0))
                        let w1 := mload(add(p, 0xe0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                    }
                    {
                        let x0 := calldataload(add(q, 0x100))
                        let w0 := mload(add(p, 0x100))
                        let x1 := calldataload(add(q, 0x120))
                        let w1 := mload(add(p, 0x120))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                    }
                    {
                        let x0 := calldataload(add(q, 0x140))
                        let w0 := mload(add(p, 0x140))
                        let x1 := calldataload(add(q, 0x160))
                        let w1 := mload(add(p, 0x160))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                    }
                    {
                        let x0 := calldataload(add(q, 0x180))
                        let w0 := mload(add(p, 0x180))
                        let x1 := calldataload(add(q, 0x1a0))
                        let w1 := mload(add(p, 0x1a0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                    }
                    {
                        let x0 := calldataload(add(q, 0x1c0))
                        let w0 := mload(add(p, 0x1c0))
                        let x1 := calldataload(add(q, 0x1e0))
                        let w1 := mload(add(p, 0x1e0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                    }
                }
                for {} lt(add(p, 0xe0), end) { p := add(p, 0x100) q := add(q, 0x100) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let w0 := mload(add(p, 0x40))
                        let x1 := calldataload(add(q, 0x60))
                        let w1 := mload(add(p, 0x60))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                    }
                    {
                        let x0 := calldataload(add(q, 0x80))
                        let w0 := mload(add(p, 0x80))
                        let x1 := calldataload(add(q, 0xa0))
                        let w1 := mload(add(p, 0xa0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                    }
                    {
                        let x0 := calldataload(add(q, 0xc0))
                        let w0 := mload(add(p, 0xc0))
                        let x1 := calldataload(add(q, 0xe0))
                        let w1 := mload(add(p, 0xe0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                    }
                }
                for {} lt(add(p, 0x20), end) { p := add(p, 0x40) q := add(q, 0x40) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                    }
                }
                for {} lt(p, end) { p := add(p, 0x20) q := add(q, 0x20) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        a0 := add(mul(x0, and(w0, mask)), a0)
                        a1 := add(mul(x0, and(shr(32, w0), mask)), a1)
                    }
                }
            }
            function mac32x128(p, q, end, mask) -> a0, a1, a2, a3 {
                for {} lt(add(p, 0x60), end) { p := add(p, 0x80) q := add(q, 0x80) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(64, w0), mask)), mul(x1, and(shr(64, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(96, w0), mask)), mul(x1, and(shr(96, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let w0 := mload(add(p, 0x40))
                        let x1 := calldataload(add(q, 0x60))
                        let w1 := mload(add(p, 0x60))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(64, w0), mask)), mul(x1, and(shr(64, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(96, w0), mask)), mul(x1, and(shr(96, w1), mask))), a3)
                    }
                }
                for {} lt(add(p, 0x20), end) { p := add(p, 0x40) q := add(q, 0x40) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(64, w0), mask)), mul(x1, and(shr(64, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(96, w0), mask)), mul(x1, and(shr(96, w1), mask))), a3)
                    }
                }
                for {} lt(p, end) { p := add(p, 0x20) q := add(q, 0x20) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        a0 := add(mul(x0, and(w0, mask)), a0)
                        a1 := add(mul(x0, and(shr(32, w0), mask)), a1)
                        a2 := add(mul(x0, and(shr(64, w0), mask)), a2)
                        a3 := add(mul(x0, and(shr(96, w0), mask)), a3)
                    }
                }
            }
            function mac16x64(p, q, end, mask) -> a0, a1, a2, a3 {
                for {} lt(add(p, 0x1e0), end) { p := add(p, 0x200) q := add(q, 0x200) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(16, w0), mask)), mul(x1, and(shr(16, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(48, w0), mask)), mul(x1, and(shr(48, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let w0 := mload(add(p, 0x40))
                        let x1 := calldataload(add(q, 0x60))
                        let w1 := mload(add(p, 0x60))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(16, w0), mask)), mul(x1, and(shr(16, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(48, w0), mask)), mul(x1, and(shr(48, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x80))
                        let w0 := mload(add(p, 0x80))
                        let x1 := calldataload(add(q, 0xa0))
                        let w1 := mload(add(p, 0xa0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(16, w0), mask)), mul(x1, and(shr(16, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(48, w0), mask)), mul(x1, and(shr(48, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0xc0))
                        let w0 := mload(add(p, 0xc0))
                        let x1 := calldataload(add(q, 0xe0))
                        let w1 := mload(add(p, 0xe0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(16, w0), mask)), mul(x1, and(shr(16, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(48, w0), mask)), mul(x1, and(shr(48, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x100))
                        let w0 := mload(add(p, 0x100))
                        let x1 := calldataload(add(q, 0x120))
                        let w1 := mload(add(p, 0x120))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(16, w0), mask)), mul(x1, and(shr(16, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(48, w0), mask)), mul(x1, and(shr(48, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x140))
                        let w0 := mload(add(p, 0x140))
                        let x1 := calldataload(add(q, 0x160))
                        let w1 := mload(add(p, 0x160))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(16, w0), mask)), mul(x1, and(shr(16, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(48, w0), mask)), mul(x1, and(shr(48, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x180))
                        let w0 := mload(add(p, 0x180))
                        let x1 := calldataload(add(q, 0x1a0))
                        let w1 := mload(add(p, 0x1a0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(16, w0), mask)), mul(x1, and(shr(16, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(48, w0), mask)), mul(x1, and(shr(48, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x1c0))
                        let w0 := mload(add(p, 0x1c0))
                        let x1 := calldataload(add(q, 0x1e0))
                        let w1 := mload(add(p, 0x1e0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(16, w0), mask)), mul(x1, and(shr(16, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(48, w0), mask)), mul(x1, and(shr(48, w1), mask))), a3)
                    }
                }
                for {} lt(add(p, 0xe0), end) { p := add(p, 0x100) q := add(q, 0x100) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(16, w0), mask)), mul(x1, and(shr(16, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(48, w0), mask)), mul(x1, and(shr(48, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let w0 := mload(add(p, 0x40))
                        let x1 := calldataload(add(q, 0x60))
                        let w1 := mload(add(p, 0x60))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(16, w0), mask)), mul(x1, and(shr(16, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(48, w0), mask)), mul(x1, and(shr(48, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x80))
                        let w0 := mload(add(p, 0x80))
                        let x1 := calldataload(add(q, 0xa0))
                        let w1 := mload(add(p, 0xa0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(16, w0), mask)), mul(x1, and(shr(16, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(48, w0), mask)), mul(x1, and(shr(48, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0xc0))
                        let w0 := mload(add(p, 0xc0))
                        let x1 := calldataload(add(q, 0xe0))
                        let w1 := mload(add(p, 0xe0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(16, w0), mask)), mul(x1, and(shr(16, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(48, w0), mask)), mul(x1, and(shr(48, w1), mask))), a3)
                    }
                }
                for {} lt(add(p, 0x20), end) { p := add(p, 0x40) q := add(q, 0x40) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(16, w0), mask)), mul(x1, and(shr(16, w1), mask))), a1)
                        a2 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a2)
                        a3 := add(add(mul(x0, and(shr(48, w0), mask)), mul(x1, and(shr(48, w1), mask))), a3)
                    }
                }
                for {} lt(p, end) { p := add(p, 0x20) q := add(q, 0x20) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        a0 := add(mul(x0, and(w0, mask)), a0)
                        a1 := add(mul(x0, and(shr(16, w0), mask)), a1)
                        a2 := add(mul(x0, and(shr(32, w0), mask)), a2)
                        a3 := add(mul(x0, and(shr(48, w0), mask)), a3)
                    }
                }
            }
            function mac8x64a(p, q, mask, m1) -> a0, a1, a2, a3 {
                for {} lt(add(p, 0x3e0), mload(0)) { p := add(p, 0x400) q := add(q, 0x400) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let w0 := mload(add(p, 0x40))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x60))
                        let w1 := mload(add(p, 0x60))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x80))
                        let w0 := mload(add(p, 0x80))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0xa0))
                        let w1 := mload(add(p, 0xa0))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0xc0))
                        let w0 := mload(add(p, 0xc0))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0xe0))
                        let w1 := mload(add(p, 0xe0))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x100))
                        let w0 := mload(add(p, 0x100))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x120))
                        let w1 := mload(add(p, 0x120))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x140))
                        let w0 := mload(add(p, 0x140))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x160))
                        let w1 := mload(add(p, 0x160))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x180))
                        let w0 := mload(add(p, 0x180))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x1a0))
                        let w1 := mload(add(p, 0x1a0))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x1c0))
                        let w0 := mload(add(p, 0x1c0))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x1e0))
                        let w1 := mload(add(p, 0x1e0))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x200))
                        let w0 := mload(add(p, 0x200))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x220))
                        let w1 := mload(add(p, 0x220))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x240))
                        let w0 := mload(add(p, 0x240))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x260))
                        let w1 := mload(add(p, 0x260))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x280))
                        let w0 := mload(add(p, 0x280))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x2a0))
                        let w1 := mload(add(p, 0x2a0))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x2c0))
                        let w0 := mload(add(p, 0x2c0))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x2e0))
                        let w1 := mload(add(p, 0x2e0))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x300))
                        let w0 := mload(add(p, 0x300))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x320))
                        let w1 := mload(add(p, 0x320))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x340))
                        let w0 := mload(add(p, 0x340))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x360))
                        let w1 := mload(add(p, 0x360))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x380))
                        let w0 := mload(add(p, 0x380))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x3a0))
                        let w1 := mload(add(p, 0x3a0))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x3c0))
                        let w0 := mload(add(p, 0x3c0))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x3e0))
                        let w1 := mload(add(p, 0x3e0))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                }
                for {} lt(add(p, 0xe0), mload(0)) { p := add(p, 0x100) q := add(q, 0x100) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let w0 := mload(add(p, 0x40))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x60))
                        let w1 := mload(add(p, 0x60))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x80))
                        let w0 := mload(add(p, 0x80))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0xa0))
                        let w1 := mload(add(p, 0xa0))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0xc0))
                        let w0 := mload(add(p, 0xc0))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0xe0))
                        let w1 := mload(add(p, 0xe0))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                }
                for {} lt(add(p, 0x20), mload(0)) { p := add(p, 0x40) q := add(q, 0x40) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                }
                for {} lt(p, mload(0)) { p := add(p, 0x20) q := add(q, 0x20) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let v0 := shr(16, w0)
                        a0 := add(mul(x0, and(w0, mask)), a0)
                        a1 := add(mul(x0, and(w0, m1)), a1)
                        a2 := add(mul(x0, and(v0, mask)), a2)
                        a3 := add(mul(x0, and(v0, m1)), a3)
                    }
                }
            }
            function mac8x64b(p, q, mask, m1) -> a0, a1, a2, a3 {
                for {} lt(add(p, 0x3e0), mload(0)) { p := add(p, 0x400) q := add(q, 0x400) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := shr(32, mload(p))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := shr(32, mload(add(p, 0x20)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let w0 := shr(32, mload(add(p, 0x40)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x60))
                        let w1 := shr(32, mload(add(p, 0x60)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x80))
                        let w0 := shr(32, mload(add(p, 0x80)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0xa0))
                        let w1 := shr(32, mload(add(p, 0xa0)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0xc0))
                        let w0 := shr(32, mload(add(p, 0xc0)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0xe0))
                        let w1 := shr(32, mload(add(p, 0xe0)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x100))
                        let w0 := shr(32, mload(add(p, 0x100)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x120))
                        let w1 := shr(32, mload(add(p, 0x120)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x140))
                        let w0 := shr(32, mload(add(p, 0x140)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x160))
                        let w1 := shr(32, mload(add(p, 0x160)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x180))
                        let w0 := shr(32, mload(add(p, 0x180)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x1a0))
                        let w1 := shr(32, mload(add(p, 0x1a0)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x1c0))
                        let w0 := shr(32, mload(add(p, 0x1c0)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x1e0))
                        let w1 := shr(32, mload(add(p, 0x1e0)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x200))
                        let w0 := shr(32, mload(add(p, 0x200)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x220))
                        let w1 := shr(32, mload(add(p, 0x220)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x240))
                        let w0 := shr(32, mload(add(p, 0x240)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x260))
                        let w1 := shr(32, mload(add(p, 0x260)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x280))
                        let w0 := shr(32, mload(add(p, 0x280)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x2a0))
                        let w1 := shr(32, mload(add(p, 0x2a0)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x2c0))
                        let w0 := shr(32, mload(add(p, 0x2c0)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x2e0))
                        let w1 := shr(32, mload(add(p, 0x2e0)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x300))
                        let w0 := shr(32, mload(add(p, 0x300)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x320))
                        let w1 := shr(32, mload(add(p, 0x320)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x340))
                        let w0 := shr(32, mload(add(p, 0x340)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x360))
                        let w1 := shr(32, mload(add(p, 0x360)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x380))
                        let w0 := shr(32, mload(add(p, 0x380)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x3a0))
                        let w1 := shr(32, mload(add(p, 0x3a0)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x3c0))
                        let w0 := shr(32, mload(add(p, 0x3c0)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x3e0))
                        let w1 := shr(32, mload(add(p, 0x3e0)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                }
                for {} lt(add(p, 0xe0), mload(0)) { p := add(p, 0x100) q := add(q, 0x100) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := shr(32, mload(p))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := shr(32, mload(add(p, 0x20)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let w0 := shr(32, mload(add(p, 0x40)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x60))
                        let w1 := shr(32, mload(add(p, 0x60)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x80))
                        let w0 := shr(32, mload(add(p, 0x80)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0xa0))
                        let w1 := shr(32, mload(add(p, 0xa0)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0xc0))
                        let w0 := shr(32, mload(add(p, 0xc0)))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0xe0))
                        let w1 := shr(32, mload(add(p, 0xe0)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                }
                for {} lt(add(p, 0x20), mload(0)) { p := add(p, 0x40) q := add(q, 0x40) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := shr(32, mload(p))
                        let v0 := shr(16, w0)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := shr(32, mload(add(p, 0x20)))
                        let v1 := shr(16, w1)
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(v0, mask)), mul(x1, and(v1, mask))), a2)
                        a3 := add(add(mul(x0, and(v0, m1)), mul(x1, and(v1, m1))), a3)
                    }
                }
                for {} lt(p, mload(0)) { p := add(p, 0x20) q := add(q, 0x20) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := shr(32, mload(p))
                        let v0 := shr(16, w0)
                        a0 := add(mul(x0, and(w0, mask)), a0)
                        a1 := add(mul(x0, and(w0, m1)), a1)
                        a2 := add(mul(x0, and(v0, mask)), a2)
                        a3 := add(mul(x0, and(v0, m1)), a3)
                    }
                }
            }
            function mac8x64ma(p, q, mask, m1, m2, m3) -> a0, a1, a2, a3 {
                for {} lt(add(p, 0x3e0), mload(0)) { p := add(p, 0x400) q := add(q, 0x400) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let w0 := mload(add(p, 0x40))
                        let x1 := calldataload(add(q, 0x60))
                        let w1 := mload(add(p, 0x60))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x80))
                        let w0 := mload(add(p, 0x80))
                        let x1 := calldataload(add(q, 0xa0))
                        let w1 := mload(add(p, 0xa0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0xc0))
                        let w0 := mload(add(p, 0xc0))
                        let x1 := calldataload(add(q, 0xe0))
                        let w1 := mload(add(p, 0xe0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x100))
                        let w0 := mload(add(p, 0x100))
                        let x1 := calldataload(add(q, 0x120))
                        let w1 := mload(add(p, 0x120))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x140))
                        let w0 := mload(add(p, 0x140))
                        let x1 := calldataload(add(q, 0x160))
                        let w1 := mload(add(p, 0x160))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x180))
                        let w0 := mload(add(p, 0x180))
                        let x1 := calldataload(add(q, 0x1a0))
                        let w1 := mload(add(p, 0x1a0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x1c0))
                        let w0 := mload(add(p, 0x1c0))
                        let x1 := calldataload(add(q, 0x1e0))
                        let w1 := mload(add(p, 0x1e0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x200))
                        let w0 := mload(add(p, 0x200))
                        let x1 := calldataload(add(q, 0x220))
                        let w1 := mload(add(p, 0x220))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x240))
                        let w0 := mload(add(p, 0x240))
                        let x1 := calldataload(add(q, 0x260))
                        let w1 := mload(add(p, 0x260))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x280))
                        let w0 := mload(add(p, 0x280))
                        let x1 := calldataload(add(q, 0x2a0))
                        let w1 := mload(add(p, 0x2a0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x2c0))
                        let w0 := mload(add(p, 0x2c0))
                        let x1 := calldataload(add(q, 0x2e0))
                        let w1 := mload(add(p, 0x2e0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x300))
                        let w0 := mload(add(p, 0x300))
                        let x1 := calldataload(add(q, 0x320))
                        let w1 := mload(add(p, 0x320))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x340))
                        let w0 := mload(add(p, 0x340))
                        let x1 := calldataload(add(q, 0x360))
                        let w1 := mload(add(p, 0x360))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x380))
                        let w0 := mload(add(p, 0x380))
                        let x1 := calldataload(add(q, 0x3a0))
                        let w1 := mload(add(p, 0x3a0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x3c0))
                        let w0 := mload(add(p, 0x3c0))
                        let x1 := calldataload(add(q, 0x3e0))
                        let w1 := mload(add(p, 0x3e0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                }
                for {} lt(add(p, 0xe0), mload(0)) { p := add(p, 0x100) q := add(q, 0x100) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let w0 := mload(add(p, 0x40))
                        let x1 := calldataload(add(q, 0x60))
                        let w1 := mload(add(p, 0x60))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x80))
                        let w0 := mload(add(p, 0x80))
                        let x1 := calldataload(add(q, 0xa0))
                        let w1 := mload(add(p, 0xa0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0xc0))
                        let w0 := mload(add(p, 0xc0))
                        let x1 := calldataload(add(q, 0xe0))
                        let w1 := mload(add(p, 0xe0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                }
                for {} lt(add(p, 0x20), mload(0)) { p := add(p, 0x40) q := add(q, 0x40) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                }
                for {} lt(p, mload(0)) { p := add(p, 0x20) q := add(q, 0x20) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := mload(p)
                        a0 := add(mul(x0, and(w0, mask)), a0)
                        a1 := add(mul(x0, and(w0, m1)), a1)
                        a2 := add(mul(x0, and(w0, m2)), a2)
                        a3 := add(mul(x0, and(w0, m3)), a3)
                    }
                }
            }
            function mac8x64mb(p, q, mask, m1, m2, m3) -> a0, a1, a2, a3 {
                for {} lt(add(p, 0x3e0), mload(0)) { p := add(p, 0x400) q := add(q, 0x400) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := shr(32, mload(p))
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := shr(32, mload(add(p, 0x20)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let w0 := shr(32, mload(add(p, 0x40)))
                        let x1 := calldataload(add(q, 0x60))
                        let w1 := shr(32, mload(add(p, 0x60)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x80))
                        let w0 := shr(32, mload(add(p, 0x80)))
                        let x1 := calldataload(add(q, 0xa0))
                        let w1 := shr(32, mload(add(p, 0xa0)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0xc0))
                        let w0 := shr(32, mload(add(p, 0xc0)))
                        let x1 := calldataload(add(q, 0xe0))
                        let w1 := shr(32, mload(add(p, 0xe0)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x100))
                        let w0 := shr(32, mload(add(p, 0x100)))
                        let x1 := calldataload(add(q, 0x120))
                        let w1 := shr(32, mload(add(p, 0x120)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x140))
                        let w0 := shr(32, mload(add(p, 0x140)))
                        let x1 := calldataload(add(q, 0x160))
                        let w1 := shr(32, mload(add(p, 0x160)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x180))
                        let w0 := shr(32, mload(add(p, 0x180)))
                        let x1 := calldataload(add(q, 0x1a0))
                        let w1 := shr(32, mload(add(p, 0x1a0)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x1c0))
                        let w0 := shr(32, mload(add(p, 0x1c0)))
                        let x1 := calldataload(add(q, 0x1e0))
                        let w1 := shr(32, mload(add(p, 0x1e0)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x200))
                        let w0 := shr(32, mload(add(p, 0x200)))
                        let x1 := calldataload(add(q, 0x220))
                        let w1 := shr(32, mload(add(p, 0x220)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x240))
                        let w0 := shr(32, mload(add(p, 0x240)))
                        let x1 := calldataload(add(q, 0x260))
                        let w1 := shr(32, mload(add(p, 0x260)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x280))
                        let w0 := shr(32, mload(add(p, 0x280)))
                        let x1 := calldataload(add(q, 0x2a0))
                        let w1 := shr(32, mload(add(p, 0x2a0)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x2c0))
                        let w0 := shr(32, mload(add(p, 0x2c0)))
                        let x1 := calldataload(add(q, 0x2e0))
                        let w1 := shr(32, mload(add(p, 0x2e0)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x300))
                        let w0 := shr(32, mload(add(p, 0x300)))
                        let x1 := calldataload(add(q, 0x320))
                        let w1 := shr(32, mload(add(p, 0x320)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x340))
                        let w0 := shr(32, mload(add(p, 0x340)))
                        let x1 := calldataload(add(q, 0x360))
                        let w1 := shr(32, mload(add(p, 0x360)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x380))
                        let w0 := shr(32, mload(add(p, 0x380)))
                        let x1 := calldataload(add(q, 0x3a0))
                        let w1 := shr(32, mload(add(p, 0x3a0)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x3c0))
                        let w0 := shr(32, mload(add(p, 0x3c0)))
                        let x1 := calldataload(add(q, 0x3e0))
                        let w1 := shr(32, mload(add(p, 0x3e0)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                }
                for {} lt(add(p, 0xe0), mload(0)) { p := add(p, 0x100) q := add(q, 0x100) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := shr(32, mload(p))
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := shr(32, mload(add(p, 0x20)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let w0 := shr(32, mload(add(p, 0x40)))
                        let x1 := calldataload(add(q, 0x60))
                        let w1 := shr(32, mload(add(p, 0x60)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x80))
                        let w0 := shr(32, mload(add(p, 0x80)))
                        let x1 := calldataload(add(q, 0xa0))
                        let w1 := shr(32, mload(add(p, 0xa0)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0xc0))
                        let w0 := shr(32, mload(add(p, 0xc0)))
                        let x1 := calldataload(add(q, 0xe0))
                        let w1 := shr(32, mload(add(p, 0xe0)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                }
                for {} lt(add(p, 0x20), mload(0)) { p := add(p, 0x40) q := add(q, 0x40) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := shr(32, mload(p))
                        let x1 := calldataload(add(q, 0x20))
                        let w1 := shr(32, mload(add(p, 0x20)))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(w0, m1)), mul(x1, and(w1, m1))), a1)
                        a2 := add(add(mul(x0, and(w0, m2)), mul(x1, and(w1, m2))), a2)
                        a3 := add(add(mul(x0, and(w0, m3)), mul(x1, and(w1, m3))), a3)
                    }
                }
                for {} lt(p, mload(0)) { p := add(p, 0x20) q := add(q, 0x20) } {
                    {
                        let x0 := calldataload(q)
                        let w0 := shr(32, mload(p))
                        a0 := add(mul(x0, and(w0, mask)), a0)
                        a1 := add(mul(x0, and(w0, m1)), a1)
                        a2 := add(mul(x0, and(w0, m2)), a2)
                        a3 := add(mul(x0, and(w0, m3)), a3)
                    }
                }
            }
            function mac32pair(p, q, end, mask, p2) -> a0, a1, a2, a3 {
                for {} lt(add(p, 0x3e0), end) { p := add(p, 0x400) p2 := add(p2, 0x400) q := add(q, 0x400) } {
                    {
                        let x0 := calldataload(q)
                        let x1 := calldataload(add(q, 0x20))
                        let w0 := mload(p)
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(p2)
                        w1 := mload(add(p2, 0x20))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let x1 := calldataload(add(q, 0x60))
                        let w0 := mload(add(p, 0x40))
                        let w1 := mload(add(p, 0x60))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x40))
                        w1 := mload(add(p2, 0x60))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x80))
                        let x1 := calldataload(add(q, 0xa0))
                        let w0 := mload(add(p, 0x80))
                        let w1 := mload(add(p, 0xa0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x80))
                        w1 := mload(add(p2, 0xa0))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0xc0))
                        let x1 := calldataload(add(q, 0xe0))
                        let w0 := mload(add(p, 0xc0))
                        let w1 := mload(add(p, 0xe0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0xc0))
                        w1 := mload(add(p2, 0xe0))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x100))
                        let x1 := calldataload(add(q, 0x120))
                        let w0 := mload(add(p, 0x100))
                        let w1 := mload(add(p, 0x120))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x100))
                        w1 := mload(add(p2, 0x120))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x140))
                        let x1 := calldataload(add(q, 0x160))
                        let w0 := mload(add(p, 0x140))
                        let w1 := mload(add(p, 0x160))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x140))
                        w1 := mload(add(p2, 0x160))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x180))
                        let x1 := calldataload(add(q, 0x1a0))
                        let w0 := mload(add(p, 0x180))
                        let w1 := mload(add(p, 0x1a0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x180))
                        w1 := mload(add(p2, 0x1a0))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x1c0))
                        let x1 := calldataload(add(q, 0x1e0))
                        let w0 := mload(add(p, 0x1c0))
                        let w1 := mload(add(p, 0x1e0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x1c0))
                        w1 := mload(add(p2, 0x1e0))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x200))
                        let x1 := calldataload(add(q, 0x220))
                        let w0 := mload(add(p, 0x200))
                        let w1 := mload(add(p, 0x220))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x200))
                        w1 := mload(add(p2, 0x220))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x240))
                        let x1 := calldataload(add(q, 0x260))
                        let w0 := mload(add(p, 0x240))
                        let w1 := mload(add(p, 0x260))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x240))
                        w1 := mload(add(p2, 0x260))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x280))
                        let x1 := calldataload(add(q, 0x2a0))
                        let w0 := mload(add(p, 0x280))
                        let w1 := mload(add(p, 0x2a0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x280))
                        w1 := mload(add(p2, 0x2a0))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x2c0))
                        let x1 := calldataload(add(q, 0x2e0))
                        let w0 := mload(add(p, 0x2c0))
                        let w1 := mload(add(p, 0x2e0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x2c0))
                        w1 := mload(add(p2, 0x2e0))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x300))
                        let x1 := calldataload(add(q, 0x320))
                        let w0 := mload(add(p, 0x300))
                        let w1 := mload(add(p, 0x320))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x300))
                        w1 := mload(add(p2, 0x320))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x340))
                        let x1 := calldataload(add(q, 0x360))
                        let w0 := mload(add(p, 0x340))
                        let w1 := mload(add(p, 0x360))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x340))
                        w1 := mload(add(p2, 0x360))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x380))
                        let x1 := calldataload(add(q, 0x3a0))
                        let w0 := mload(add(p, 0x380))
                        let w1 := mload(add(p, 0x3a0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x380))
                        w1 := mload(add(p2, 0x3a0))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x3c0))
                        let x1 := calldataload(add(q, 0x3e0))
                        let w0 := mload(add(p, 0x3c0))
                        let w1 := mload(add(p, 0x3e0))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x3c0))
                        w1 := mload(add(p2, 0x3e0))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                }
                for {} lt(add(p, 0x60), end) { p := add(p, 0x80) p2 := add(p2, 0x80) q := add(q, 0x80) } {
                    {
                        let x0 := calldataload(q)
                        let x1 := calldataload(add(q, 0x20))
                        let w0 := mload(p)
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(p2)
                        w1 := mload(add(p2, 0x20))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                    {
                        let x0 := calldataload(add(q, 0x40))
                        let x1 := calldataload(add(q, 0x60))
                        let w0 := mload(add(p, 0x40))
                        let w1 := mload(add(p, 0x60))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(add(p2, 0x40))
                        w1 := mload(add(p2, 0x60))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                }
                for {} lt(add(p, 0x20), end) { p := add(p, 0x40) p2 := add(p2, 0x40) q := add(q, 0x40) } {
                    {
                        let x0 := calldataload(q)
                        let x1 := calldataload(add(q, 0x20))
                        let w0 := mload(p)
                        let w1 := mload(add(p, 0x20))
                        a0 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a0)
                        a1 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a1)
                        w0 := mload(p2)
                        w1 := mload(add(p2, 0x20))
                        a2 := add(add(mul(x0, and(w0, mask)), mul(x1, and(w1, mask))), a2)
                        a3 := add(add(mul(x0, and(shr(32, w0), mask)), mul(x1, and(shr(32, w1), mask))), a3)
                    }
                }
                for {} lt(p, end) { p := add(p, 0x20) p2 := add(p2, 0x20) q := add(q, 0x20) } {
                    {
                        let x := calldataload(q)
                        let w := mload(p)
                        a0 := add(mul(x, and(w, mask)), a0)
                        a1 := add(mul(x, and(shr(32, w), mask)), a1)
                        w := mload(p2)
                        a2 := add(mul(x, and(w, mask)), a2)
                        a3 := add(mul(x, and(shr(32, w), mask)), a3)
                    }
                }
            }
            function mac128(p, q, end, mask, shift) -> a {
                for {} lt(p, end) { p := add(p, 0x20) q := add(q, 0x20) } {
                    a := add(mul(calldataload(q), and(shr(shift, mload(p)), mask)), a)
                }
            }
            function sweep(p, q, end, mask, key, out, last) {
                switch and(key, 0x2ffff) // masked << 17 | L << 8 | S
                case 0x2040 {
                    {
                        let a0, a1 := mac32x64(p, q, end, mask)
                        spill(a0, sub(last, 0), key, out)
                        spill(a1, sub(last, 1), key, out)
                    }
                }
                case 0x2080 {
                    {
                        let a0, a1, a2, a3 := mac32x128(p, q, end, mask)
                        spill(a0, sub(last, 0), key, out)
                        spill(a1, sub(last, 1), key, out)
                        spill(a2, sub(last, 2), key, out)
                        spill(a3, sub(last, 3), key, out)
                    }
                }
                case 0x1040 {
                    {
                        let a0, a1, a2, a3 := mac16x64(p, q, end, mask)
                        spill(a0, sub(last, 0), key, out)
                        spill(a1, sub(last, 1), key, out)
                        spill(a2, sub(last, 2), key, out)
                        spill(a3, sub(last, 3), key, out)
                    }
                }
                case 0x840 {
                    {
                        mstore(0, end) // scratch: the kernel reads its end from memory
                        let a0, a1, a2, a3 := mac8x64a(p, q, mask, shl(8, mask))
                        spill(a0, sub(last, 0), key, out)
                        spill(a1, sub(last, 1), or(key, 0x8000000), out)
                        spill(a2, sub(last, 2), key, out)
                        spill(a3, sub(last, 3), or(key, 0x8000000), out)
                    }
                    {
                        mstore(0, end) // scratch: the kernel reads its end from memory
                        let a0, a1, a2, a3 := mac8x64b(p, q, mask, shl(8, mask))
                        spill(a0, sub(last, 4), key, out)
                        spill(a1, sub(last, 5), or(key, 0x8000000), out)
                        spill(a2, sub(last, 6), key, out)
                        spill(a3, sub(last, 7), or(key, 0x8000000), out)
                    }
                }
                case 0x20840 {
                    {
                        mstore(0, end) // scratch: the kernel reads its end from memory
                        let a0, a1, a2, a3 := mac8x64ma(p, q, mask, shl(8, mask), shl(16, mask), shl(24, mask))
                        spill(a0, sub(last, 0), key, out)
                        spill(a1, sub(last, 1), or(key, 0x8000000), out)
                        spill(a2, sub(last, 2), or(key, 0x10000000), out)
                        spill(a3, sub(last, 3), or(key, 0x18000000), out)
                    }
                    {
                        mstore(0, end) // scratch: the kernel reads its end from memory
                        let a0, a1, a2, a3 := mac8x64mb(p, q, mask, shl(8, mask), shl(16, mask), shl(24, mask))
                        spill(a0, sub(last, 4), key, out)
                        spill(a1, sub(last, 5), or(key, 0x8000000), out)
                        spill(a2, sub(last, 6), or(key, 0x10000000), out)
                        spill(a3, sub(last, 7), or(key, 0x18000000), out)
                    }
                }
                default { // int8/int16 in 128-bit slots: G = 128 / L groups, one per call
                    let lane := and(shr(8, key), 0xff)
                    for { let g := 0 } lt(g, div(128, lane)) { g := add(g, 1) } {
                        spill(mac128(p, q, end, mask, mul(g, lane)), sub(last, g), key, out)
                    }
                }
            }
            // END GENERATED KERNELS
            // Splits an accumulator into its signed slots (key = pre << 24 | masked << 17 | more << 16 |
            // L << 8 | S): slot s goes to lane j0 - s * S/L, stored (more = 0, the first run) or
            // added (later runs). A masked pass's slots sit `pre` bits up (its low `pre` bits are
            // zero), so its top slot keeps 64 - pre bits, enough by the masked plan's bound.
            function spill(acc, j0, key, out) {
                let slotBits := and(key, 0xff)
                let step := shl(5, div(slotBits, and(shr(8, key), 0xff))) // bytes between a slot's lanes
                let dst := add(add(out, 0x20), shl(5, j0))
                let more := and(shr(16, key), 1)
                switch slotBits
                case 64 {
                    let pre := shr(24, key)
                    acc := shr(pre, acc)
                    let v0 := signextend(7, acc) // slot 0, sign-extended from 8 bytes
                    acc := sar(64, sub(acc, v0))
                    let v1 := signextend(7, acc)
                    acc := sar(64, sub(acc, v1))
                    let v2 := signextend(7, acc)
                    let v3 := signextend(sub(7, shr(3, pre)), sar(64, sub(acc, v2))) // 64 - pre bits
                    let d1 := sub(dst, step)
                    let d2 := sub(d1, step)
                    let d3 := sub(d2, step)
                    if more {
                        v0 := add(v0, mload(dst))
                        v1 := add(v1, mload(d1))
                        v2 := add(v2, mload(d2))
                        v3 := add(v3, mload(d3))
                    }
                    mstore(dst, v0)
                    mstore(d1, v1)
                    mstore(d2, v2)
                    mstore(d3, v3)
                }
                default {
                    let v0 := signextend(15, acc) // 128-bit slots: sign-extended from 16 bytes
                    let v1 := signextend(15, sar(128, sub(acc, v0)))
                    let d1 := sub(dst, step)
                    if more {
                        v0 := add(v0, mload(dst))
                        v1 := add(v1, mload(d1))
                    }
                    mstore(dst, v0)
                    mstore(d1, v1)
                }
            }
            // The dispatch reads its inputs from a job record in memory (past the free memory
            // pointer, not kept) so its stack frame stays shallow: job = [buffer data, blockBytes,
            // blockCount, xPtr, bits, slot = masked << 17 | S, sums, mask, runs, key].
            // Rows `from / 32 .. to / 32` (byte offsets) of every block.
            function rows(job, from, to) {
                switch and(and(eq(mload(add(job, 0x80)), 32), eq(mload(add(job, 0xa0)), 64)), eq(mload(add(job, 0x40)), 2))
                case 1 {
                    let data := mload(job)
                    let a0, a1, a2, a3 := mac32pair(add(data, from), add(mload(add(job, 0x60)), from), add(data, to), mload(add(job, 0xe0)), add(add(data, from), mload(add(job, 0x20))))
                    let out := mload(add(job, 0xc0))
                    let key := mload(add(job, 0x120))
                    spill(a0, 7, key, out)
                    spill(a1, 6, key, out)
                    spill(a2, 15, key, out)
                    spill(a3, 14, key, out)
                }
                default {
                    for { let b := 0 } lt(b, mload(add(job, 0x40))) { b := add(b, 1) } {
                        let p := add(mload(job), mul(b, mload(add(job, 0x20))))
                        // Lanes of block b: E * b .. E * (b + 1) - 1, E = 256 / L.
                        sweep(add(p, from), add(mload(add(job, 0x60)), from), add(p, to), mload(add(job, 0xe0)), mload(add(job, 0x120)), mload(add(job, 0xc0)), sub(mul(add(b, 1), div(256, mload(add(job, 0x80)))), 1))
                    }
                }
            }
            function run(job) {
                let ends := mload(add(job, 0x100))
                let from := 0
                for { let i := 0 } lt(i, mload(ends)) { i := add(i, 1) } {
                    let to := shl(5, mload(add(ends, shl(5, add(i, 1))))) // byte offset of the run's end
                    // Later runs add to the sums (more = 1 at bit 16 of the key).
                    mstore(add(job, 0x120), or(shl(16, gt(i, 0)), or(shl(8, mload(add(job, 0x80))), mload(add(job, 0xa0)))))
                    rows(job, from, to)
                    from := to
                }
            }

            let job := mload(0x40)
            mstore(job, add(buffer, 0x20))
            mstore(add(job, 0x20), blockBytes)
            mstore(add(job, 0x40), blockCount)
            mstore(add(job, 0x60), xPtr)
            mstore(add(job, 0x80), bits)
            mstore(add(job, 0xa0), slot)
            mstore(add(job, 0xc0), sums)
            // 2^L - 1 at the bottom of every slot: (2^L - 1) * 0x..0001..0001 (one 1 per slot).
            let slotBits := and(slot, 0xff)
            mstore(add(job, 0xe0), mul(sub(shl(bits, 1), 1), div(not(0), sub(shl(slotBits, 1), 1))))
            mstore(add(job, 0x100), runs)
            run(job)
        }
    }
}
