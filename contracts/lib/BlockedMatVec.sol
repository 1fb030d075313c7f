// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FixedMath} from "./FixedMath.sol";
import {WeightPages} from "./WeightPages.sol";
import {KernelSizeMismatch, UnsupportedWeightBits} from "./LayerErrors.sol";

/// @title BlockedMatVec
/// @notice `y = rescale(x @ W, F + fracBits, F)` for a `blocked` kernel (docs/FORMAT.md) held in
///         memory, so a recurrent layer loads each kernel once and multiplies it at every step.
/// @dev SWAR (as DenseLayer, with the vector in memory): the `E = 256 / L` offset-binary lanes
///      `u = q + 2^(L-1)` of a word are masked into slots of S bits, so one MUL adds `x * u` to
///      256/S outputs. A slot holds `sum_r x_r u_rj` exactly while `sum|x| (2^L - 1) < 2^(S-1)`:
///      S = 64 when `sum|x| < 2^(63-L)`, else S = 128 when `sum|x| < 2^(127-L)`, else an exact
///      lane-by-lane path (checked arithmetic) runs. Then `sum x q = slot - 2^(L-1) sum x`.
///      Every path returns exactly `rescale(sum_r x[r] * q[r][j], F + fracBits, F)`.
library BlockedMatVec {
    /// @notice A blocked kernel in memory.
    /// @param data     Memory address of word (block 0, row 0); word (k, r) is at `data + 32 (k rows + r)`.
    /// @param rows     Rows (the input length).
    /// @param cols     Outputs (before padding to whole blocks).
    /// @param bits     Weight width L: 8, 16 or 32.
    /// @param fracBits The kernel's scale: real weight = q 2^-fracBits.
    struct Matrix {
        uint256 data;
        uint256 rows;
        uint256 cols;
        uint256 bits;
        int256 fracBits;
    }

    /// @notice A vector has `actual` values where the kernel needs `expected`.
    error VectorLengthMismatch(uint256 expected, uint256 actual);

    /// @notice Copies a blocked kernel from the weight pages into new memory.
    /// @param pages    The model's pages.
    /// @param offset   The tensor's byte offset in the weight stream.
    /// @param size     The tensor's stored size in bytes (padding included).
    /// @param rows     Rows of the kernel matrix.
    /// @param cols     Columns (outputs).
    /// @param bits     Weight width L.
    /// @param fracBits The tensor's fractional bits.
    /// @return m The kernel in memory, with its shape.
    function load(
        address[] calldata pages,
        uint256 offset,
        uint256 size,
        uint256 rows,
        uint256 cols,
        uint256 bits,
        int256 fracBits
    ) internal view returns (Matrix memory m) {
        if (bits != 8 && bits != 16 && bits != 32) revert UnsupportedWeightBits(bits);
        uint256 perWord = 256 / bits;
        uint256 expected = rows * ((cols + perWord - 1) / perWord) * 32;
        if (size != expected) revert KernelSizeMismatch(offset, expected, size);
        bytes memory words = WeightPages.read(pages, offset, size);
        uint256 data;
        assembly ("memory-safe") {
            data := add(words, 0x20) // skip the length word
        }
        m = Matrix(data, rows, cols, bits, fracBits);
    }

    /// @notice `out[j] = rescale(sum_r x[r] * W[r][j], frac + fracBits, frac)` for j < cols.
    /// @param m    The kernel.
    /// @param x    Input vector of `m.rows` values, fixed point 2^-frac.
    /// @param out  Output vector of at least `m.cols` values (overwritten), fixed point 2^-frac.
    /// @param frac Activation fractional bits F.
    function mulInto(Matrix memory m, int256[] memory x, int256[] memory out, uint256 frac) internal pure {
        if (x.length != m.rows) revert VectorLengthMismatch(m.rows, x.length);
        if (out.length < m.cols) revert VectorLengthMismatch(m.cols, out.length);
        (int256 sum, uint256 absSum) = _sums(x);
        // A slot of S bits holds sum_r x_r u_rj exactly while sum|x| (2^L - 1) < 2^(S-1).
        if (absSum < 1 << (63 - m.bits)) {
            _mulSwar(m, x, out, sum, 64);
        } else if (absSum < 1 << (127 - m.bits)) {
            _mulSwar(m, x, out, sum, 128);
        } else {
            _mulExact(m, x, out);
            int256 from = int256(frac) + m.fracBits;
            for (uint256 j; j < m.cols; ++j) {
                out[j] = FixedMath.rescaleInt(out[j], from, int256(frac));
            }
            return;
        }
        _rescaleSums(out, m.cols, m.fracBits);
    }

    /// @dev Signed sum and sum of magnitudes of `x`, each magnitude capped at 2^128: `absSum` is
    ///      exact below 2^128 and cannot overflow (fewer than 2^64 values). `sum` is exact whenever
    ///      the SWAR path runs (absSum < 2^127); the exact path does not use it.
    function _sums(int256[] memory x) private pure returns (int256 sum, uint256 absSum) {
        // Equivalent to: for each v: sum += v (wrapping); absSum += min(|v|, 2^128).
        assembly ("memory-safe") {
            let cap := shl(128, 1)
            let p := add(x, 0x20)
            for { let end := add(p, shl(5, mload(x))) } lt(p, end) { p := add(p, 0x20) } {
                let v := mload(p)
                sum := add(sum, v)
                let a := v
                if slt(v, 0) { a := sub(0, v) }
                if gt(a, cap) { a := cap }
                absSum := add(absSum, a)
            }
        }
    }

    /// @dev `out[j] = rescale(out[j], F + shift, F)` for j < cols, round half up. Unchecked: after
    ///      the SWAR path |out[j]| < 2^128, and -64 <= shift <= 96, so nothing overflows.
    function _rescaleSums(int256[] memory out, uint256 cols, int256 shift) private pure {
        // Equivalent to: out[j] = FixedMath.rescaleInt(out[j], F + shift, F).
        assembly ("memory-safe") {
            let p := add(out, 0x20)
            let end := add(p, shl(5, cols))
            switch sgt(shift, 0)
            case 1 {
                let half := shl(sub(shift, 1), 1)
                for {} lt(p, end) { p := add(p, 0x20) } { mstore(p, sar(shift, add(mload(p), half))) }
            }
            default {
                let up := sub(0, shift)
                for {} lt(p, end) { p := add(p, 0x20) } { mstore(p, shl(up, mload(p))) }
            }
        }
    }

    // solhint-disable function-max-lines
    // One assembly kernel, kept whole: split into functions, its inner loops would pay jumps and
    // stack shuffles on every step (the recurrent layers' matrix products).

    /// @dev Raw sums `out[j] = sum_r x[r] q[r][j]` by SWAR with `slotBits`-bit slots. Requires
    ///      `sum|x| < 2^(slotBits-1-L)`. Equivalent to `_mulExact(m, x, out)`.
    function _mulSwar(Matrix memory m, int256[] memory x, int256[] memory out, int256 sum, uint256 slotBits)
        private
        pure
    {
        // |sum| <= sum|x| < 2^(127-L): the correction fits.
        int256 correction = sum << (m.bits - 1);
        assembly ("memory-safe") {
            // Group g of a word: lanes g, g + G, g + 2G, ... (G = S/L groups, lane 0 least
            // significant) masked into the S-bit slots, so one MUL adds x * u to 256/S lanes.
            // Four groups per pass, four rows per round; p walks the block, x sits at p + d.
            function acc4(p, end, d, mask, l, s0) -> a0, a1, a2, a3 {
                for { let end4 := sub(end, 0x60) } lt(p, end4) { p := add(p, 0x80) } {
                    {
                        let xv := mload(add(p, d))
                        let w := shr(s0, mload(p))
                        a0 := add(mul(xv, and(w, mask)), a0)
                        w := shr(l, w)
                        a1 := add(mul(xv, and(w, mask)), a1)
                        w := shr(l, w)
                        a2 := add(mul(xv, and(w, mask)), a2)
                        a3 := add(mul(xv, and(shr(l, w), mask)), a3)
                    }
                    {
                        let xv := mload(add(p, add(d, 0x20)))
                        let w := shr(s0, mload(add(p, 0x20)))
                        a0 := add(mul(xv, and(w, mask)), a0)
                        w := shr(l, w)
                        a1 := add(mul(xv, and(w, mask)), a1)
                        w := shr(l, w)
                        a2 := add(mul(xv, and(w, mask)), a2)
                        a3 := add(mul(xv, and(shr(l, w), mask)), a3)
                    }
                    {
                        let xv := mload(add(p, add(d, 0x40)))
                        let w := shr(s0, mload(add(p, 0x40)))
                        a0 := add(mul(xv, and(w, mask)), a0)
                        w := shr(l, w)
                        a1 := add(mul(xv, and(w, mask)), a1)
                        w := shr(l, w)
                        a2 := add(mul(xv, and(w, mask)), a2)
                        a3 := add(mul(xv, and(shr(l, w), mask)), a3)
                    }
                    {
                        let xv := mload(add(p, add(d, 0x60)))
                        let w := shr(s0, mload(add(p, 0x60)))
                        a0 := add(mul(xv, and(w, mask)), a0)
                        w := shr(l, w)
                        a1 := add(mul(xv, and(w, mask)), a1)
                        w := shr(l, w)
                        a2 := add(mul(xv, and(w, mask)), a2)
                        a3 := add(mul(xv, and(shr(l, w), mask)), a3)
                    }
                }
                for {} lt(p, end) { p := add(p, 0x20) } {
                    {
                        let xv := mload(add(p, d))
                        let w := shr(s0, mload(p))
                        a0 := add(mul(xv, and(w, mask)), a0)
                        w := shr(l, w)
                        a1 := add(mul(xv, and(w, mask)), a1)
                        w := shr(l, w)
                        a2 := add(mul(xv, and(w, mask)), a2)
                        a3 := add(mul(xv, and(shr(l, w), mask)), a3)
                    }
                }
            }
            // Two groups: int32 lanes in 64-bit slots (the odd lanes are 32 bits up).
            function acc2(p, end, d, mask) -> a0, a1 {
                for { let end4 := sub(end, 0x60) } lt(p, end4) { p := add(p, 0x80) } {
                    {
                        let xv := mload(add(p, d))
                        let w := mload(p)
                        a0 := add(mul(xv, and(w, mask)), a0)
                        a1 := add(mul(xv, and(shr(32, w), mask)), a1)
                    }
                    {
                        let xv := mload(add(p, add(d, 0x20)))
                        let w := mload(add(p, 0x20))
                        a0 := add(mul(xv, and(w, mask)), a0)
                        a1 := add(mul(xv, and(shr(32, w), mask)), a1)
                    }
                    {
                        let xv := mload(add(p, add(d, 0x40)))
                        let w := mload(add(p, 0x40))
                        a0 := add(mul(xv, and(w, mask)), a0)
                        a1 := add(mul(xv, and(shr(32, w), mask)), a1)
                    }
                    {
                        let xv := mload(add(p, add(d, 0x60)))
                        let w := mload(add(p, 0x60))
                        a0 := add(mul(xv, and(w, mask)), a0)
                        a1 := add(mul(xv, and(shr(32, w), mask)), a1)
                    }
                }
                for {} lt(p, end) { p := add(p, 0x20) } {
                    {
                        let xv := mload(add(p, d))
                        let w := mload(p)
                        a0 := add(mul(xv, and(w, mask)), a0)
                        a1 := add(mul(xv, and(shr(32, w), mask)), a1)
                    }
                }
            }
            // Slot s of `acc` is output j0 - s * G of the block (j = 0: most significant lane);
            // outputs past `count` are the zero padding of the last block.
            function spill(job, acc, j0) {
                let slot := mload(add(job, 0x80))
                let step := div(slot, mload(add(job, 0x60))) // G, groups
                let base := mload(add(job, 0x180))
                let count := mload(add(job, 0x1a0))
                let correction_ := mload(add(job, 0xe0))
                let top := sub(shr(3, slot), 1) // SIGNEXTEND byte index of a slot's sign bit
                for { let s := 0 } lt(s, div(256, slot)) { s := add(s, 1) } {
                    let v := signextend(top, acc)
                    acc := sar(slot, sub(acc, v)) // acc - v clears slot s exactly
                    let j := sub(j0, mul(s, step))
                    if lt(j, count) { mstore(add(base, shl(5, j)), sub(v, correction_)) }
                }
            }
            // Inputs come from the job record (keeps every frame shallow): job = [data, rows,
            // cols, bits, slot, xData, outData, correction, mask | block: p, end, d, base, count].
            function pass2(job) {
                let a0, a1 := acc2(mload(add(job, 0x120)), mload(add(job, 0x140)), mload(add(job, 0x160)), mload(add(job, 0x100)))
                let last := sub(div(256, mload(add(job, 0x60))), 1) // lane 0 is output E - 1
                spill(job, a0, last)
                spill(job, a1, sub(last, 1))
            }
            function pass4(job, g) {
                let bits := mload(add(job, 0x60))
                let a0, a1, a2, a3 := acc4(
                    mload(add(job, 0x120)), mload(add(job, 0x140)), mload(add(job, 0x160)), mload(add(job, 0x100)), bits, mul(g, bits)
                )
                let last := sub(sub(div(256, bits), 1), g) // lane g is output E - 1 - g
                spill(job, a0, last)
                spill(job, a1, sub(last, 1))
                spill(job, a2, sub(last, 2))
                spill(job, a3, sub(last, 3))
            }
            function block(job, k) {
                let lanes := div(256, mload(add(job, 0x60)))
                let blockBytes := shl(5, mload(add(job, 0x20)))
                let p := add(mload(job), mul(k, blockBytes))
                mstore(add(job, 0x120), p)
                mstore(add(job, 0x140), add(p, blockBytes))
                mstore(add(job, 0x160), sub(mload(add(job, 0xa0)), p)) // x of row r is at p_r + d
                mstore(add(job, 0x180), add(mload(add(job, 0xc0)), shl(5, mul(k, lanes))))
                let count := sub(mload(add(job, 0x40)), mul(k, lanes))
                if gt(count, lanes) { count := lanes }
                mstore(add(job, 0x1a0), count)
                let groups := div(mload(add(job, 0x80)), mload(add(job, 0x60)))
                switch groups
                case 2 { pass2(job) }
                default { for { let g := 0 } lt(g, groups) { g := add(g, 4) } { pass4(job, g) } }
            }

            // The job record lives past the free memory pointer (scratch, not kept).
            let job := mload(0x40)
            let bits := mload(add(m, 0x60))
            mstore(job, mload(m)) // data
            mstore(add(job, 0x20), mload(add(m, 0x20))) // rows
            mstore(add(job, 0x40), mload(add(m, 0x40))) // cols
            mstore(add(job, 0x60), bits)
            mstore(add(job, 0x80), slotBits)
            mstore(add(job, 0xa0), add(x, 0x20))
            mstore(add(job, 0xc0), add(out, 0x20))
            mstore(add(job, 0xe0), correction)
            // 2^L - 1 at the bottom of every slot: (2^L - 1) * 0x..01..01 (one 1 per slot).
            mstore(add(job, 0x100), mul(sub(shl(bits, 1), 1), div(not(0), sub(shl(slotBits, 1), 1))))
            let lanes := div(256, bits)
            for { let k := 0 } lt(mul(k, lanes), mload(add(m, 0x40))) { k := add(k, 1) } { block(job, k) }
        }
    }

    // solhint-enable function-max-lines

    /// @dev Raw sums `sum_r x[r] q[r][j]`, lane by lane, checked arithmetic (any |x| that does not overflow).
    function _mulExact(Matrix memory m, int256[] memory x, int256[] memory out) private pure {
        uint256 lanes = 256 / m.bits;
        uint256 blocks = (m.cols + lanes - 1) / lanes;
        int256 offset = int256(1 << (m.bits - 1));
        uint256 laneMask = (1 << m.bits) - 1;
        for (uint256 j; j < m.cols; ++j) {
            out[j] = 0;
        }
        for (uint256 k; k < blocks; ++k) {
            for (uint256 r; r < m.rows; ++r) {
                uint256 word;
                uint256 at = m.data + 32 * (k * m.rows + r);
                assembly ("memory-safe") {
                    word := mload(at)
                }
                for (uint256 o; o < lanes && k * lanes + o < m.cols; ++o) {
                    int256 q = int256((word >> (m.bits * (lanes - 1 - o))) & laneMask) - offset;
                    out[k * lanes + o] += x[r] * q;
                }
            }
        }
    }
}
