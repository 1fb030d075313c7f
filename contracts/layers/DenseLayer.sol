// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./base/LayerBase.sol";
import {CreatesActivationKernels} from "./base/CreatesActivationKernels.sol";
import {ILayer} from "../interfaces/ILayer.sol";
import {Activations} from "../lib/Activations.sol";
import {WeightPages} from "../lib/WeightPages.sol";
import {KernelSizeMismatch, UnsupportedWeightBits} from "../lib/LayerErrors.sol";
import {DenseKernels} from "./generated/DenseKernels.sol";

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
///      Weights stream block by block (int32: two blocks at a time) into one reused buffer. The
///      unrolled kernels are `DenseKernels.blockSums`, a file written by scripts/gen_dense_kernels.py.
contract DenseLayer is LayerBase, CreatesActivationKernels {
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
        if (c.bits != 8 && c.bits != 16 && c.bits != 32) revert UnsupportedWeightBits(c.bits);
        w.lanes = 256 / c.bits;
        w.blocks = (c.units + w.lanes - 1) / w.lanes;
        w.blockBytes = c.rows * 32;
        if (c.kernel.size != w.blocks * w.blockBytes) {
            revert KernelSizeMismatch(c.kernel.offset, w.blocks * w.blockBytes, c.kernel.size);
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
            DenseKernels.blockSums(w.buffer, w.blockBytes, n, w.xBase + p * w.blockBytes, c.bits, w.slotBits[p], w.runs[p], sums);
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
}
