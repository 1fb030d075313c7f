// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./LayerBase.sol";
import {ILayer} from "../interfaces/ILayer.sol";
import {FixedMath} from "../lib/Fixed.sol";
import {Activations} from "../lib/Activations.sol";
import {WeightPages} from "../lib/WeightPages.sol";

/// @title DenseLayer
/// @notice `activation(rescale(x @ kernel, F + kernelFrac, F) + rescale(bias, biasFrac, F))` over
///         the last axis, for every position of the leading axes.
/// @dev Config: `abi.encode(F, bits, rows, units, positions, activation, kernel, bias)`; `kernel`
///      is `blocked` (docs/FORMAT.md), `bias` plain (size 0: no bias).
///      Hot loop "SWAR": a weight word holds E = 256/L offset-binary lanes `u = q + 2^(L-1)`; the
///      lanes `g, g + G, g + 2G, ...` (G = S/L) are masked into S-bit slots, so one MUL adds
///      `x * u` to 256/S outputs at once. A slot ends holding `sum_r x_r u_rj`, exact while
///      `sum|x| * (2^L - 1) < 2^(S-1)`: per position the layer takes S = 64 when
///      `sum|x| < 2^(63-L)`, else S = 128 (`sum|x| < 2^95` always suffices; above, it reverts).
///      Then `sum_r x_r q_rj = slot - 2^(L-1) sum_r x_r`, exactly the emulator's integer sum.
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

    /// @notice The kernel at `offset` has `actual` bytes; a (rows, units) blocked kernel has `expected`.
    error KernelSizeMismatch(uint256 offset, uint256 expected, uint256 actual);
    /// @notice Position `position`'s inputs sum to `absSum` in magnitude (>= 2^95): the SWAR slots
    ///         could overflow, so the layer refuses (the emulator raises the same).
    error DenseInputTooLarge(uint256 position, uint256 absSum);

    /// @dev Values the block loop needs (in memory: the loop is not hot, the stack is short).
    struct Work {
        uint256 lanes; // E = 256 / L
        uint256 blocks;
        uint256 blockBytes; // rows * 32
        uint256 xBase; // calldata offset of the input
        int256 productFrac; // F + kernel.fracBits
        int256[] bias; // on the activation scale
        int256[] correction; // per position: 2^(L-1) * sum x
        uint256[] slotBits; // per position: 64 or 128
        int256[] sums; // one block's lane sums
        bytes buffer; // one block of weights, reused
    }

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
        for (uint256 k; k < w.blocks; ++k) {
            WeightPages.readInto(pages, c.kernel.offset + k * w.blockBytes, w.buffer);
            _block(c, w, k, output);
        }
        Activations.activate(output, c.activation, c.frac, c.units);
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
        w.bias = c.bias.size == 0 ? new int256[](c.units) : _readPlain(pages, c.bias, c.bits, c.units);
        _rescaleAll(w.bias, c.bias.fracBits, int256(c.frac));
        w.correction = new int256[](c.positions);
        w.slotBits = new uint256[](c.positions);
        for (uint256 p; p < c.positions; ++p) {
            (int256 sum, uint256 absSum) = _sums(x, p * c.rows, c.rows);
            if (absSum >= 1 << 95) revert DenseInputTooLarge(p, absSum);
            w.correction[p] = sum << (c.bits - 1);
            w.slotBits[p] = absSum < 1 << (63 - c.bits) ? 64 : 128;
        }
        uint256 xBase;
        assembly ("memory-safe") {
            xBase := x.offset
        }
        w.xBase = xBase;
        w.productFrac = int256(c.frac) + c.kernel.fracBits;
        w.sums = new int256[](w.lanes);
        w.buffer = new bytes(w.blockBytes);
    }

    /// @dev Outputs of block `k` (weights already in `w.buffer`) for every position.
    function _block(Config memory c, Work memory w, uint256 k, int256[] memory output) private pure {
        uint256 first = k * w.lanes;
        uint256 count = c.units - first < w.lanes ? c.units - first : w.lanes;
        int256 shift = c.kernel.fracBits; // sums have F + kernelFrac fractional bits
        for (uint256 p; p < c.positions; ++p) {
            int256[] memory sums = w.sums;
            _blockSums(w.buffer, w.xBase + p * w.blockBytes, c.bits, w.slotBits[p], sums);
            int256 correction = w.correction[p];
            int256[] memory bias = w.bias;
            uint256 at = p * c.units + first;
            // Equivalent to: output[at + j] = rescaleInt(sums[j] - correction, F + shift, F) + bias[first + j].
            // Unchecked: |sums[j] - correction| < 2^127 (the slot bound), bias < 2^(31 + 88), shift <= 96.
            assembly ("memory-safe") {
                let src := add(sums, 0x20)
                let dst := add(add(output, 0x20), shl(5, at))
                let b := add(add(bias, 0x20), shl(5, first))
                let half := 0
                if sgt(shift, 0) { half := shl(sub(shift, 1), 1) }
                for { let j := 0 } lt(j, count) { j := add(j, 1) } {
                    let v := sub(mload(add(src, shl(5, j))), correction)
                    switch sgt(shift, 0)
                    case 1 { v := sar(shift, add(v, half)) } // round half up
                    default { v := shl(sub(0, shift), v) }
                    mstore(add(dst, shl(5, j)), add(v, mload(add(b, shl(5, j)))))
                }
            }
        }
    }

    /// @dev Signed sum and sum of magnitudes of `x[start .. start + n)`. Each magnitude counts at
    ///      most 2^95, so `absSum >= 2^95` exactly when the true sum is, and nothing overflows
    ///      (n < 2^64 values of at most 2^95).
    function _sums(int256[] calldata x, uint256 start, uint256 n) private pure returns (int256 sum, uint256 absSum) {
        // Equivalent to: for each v: sum += v; absSum += min(|v|, 2^95).
        assembly ("memory-safe") {
            let cap := shl(95, 1)
            let p := add(x.offset, shl(5, start))
            let end := add(p, shl(5, n))
            for {} lt(p, end) { p := add(p, 0x20) } {
                let v := calldataload(p)
                sum := add(sum, v)
                let m := v
                if slt(v, 0) { m := sub(0, v) }
                if gt(m, cap) { m := cap }
                absSum := add(absSum, m)
            }
        }
    }

    /// @dev For one block of weights in `buffer` (rows words) and the input row at calldata
    ///      `xPtr`, writes `sums[j] = sum_r x_r * u_rj` for the block's E lanes (j = 0 is the
    ///      word's most significant lane). `slot` is 64 or 128 (see the contract notes).
    function _blockSums(bytes memory buffer, uint256 xPtr, uint256 bits, uint256 slot, int256[] memory sums)
        private
        pure
    {
        // Equivalent to: for each lane j, sums[j] = sum_r x[r] * ((word_r >> ((E-1-j) * L)) & (2^L - 1)).
        assembly ("memory-safe") {
            // Four groups: a_i += x * ((w >> (s0 + i*l)) & mask), one MUL per group covering
            // every slot; 4 rows per round. p walks the buffer, q the calldata x (q = p + d).
            // Sums are mod 2^256; the slot bound makes each slot exact.
            function acc4(p, end, d, mask, l, s0) -> a0, a1, a2, a3 {
                let q := add(p, d)
                for { let end4 := sub(end, 0x60) } lt(p, end4) { p := add(p, 0x80) q := add(q, 0x80) } {
                    {
                        let x := calldataload(q)
                        let w := shr(s0, mload(p))
                        a0 := add(mul(x, and(w, mask)), a0)
                        w := shr(l, w)
                        a1 := add(mul(x, and(w, mask)), a1)
                        w := shr(l, w)
                        a2 := add(mul(x, and(w, mask)), a2)
                        a3 := add(mul(x, and(shr(l, w), mask)), a3)
                    }
                    {
                        let x := calldataload(add(q, 0x20))
                        let w := shr(s0, mload(add(p, 0x20)))
                        a0 := add(mul(x, and(w, mask)), a0)
                        w := shr(l, w)
                        a1 := add(mul(x, and(w, mask)), a1)
                        w := shr(l, w)
                        a2 := add(mul(x, and(w, mask)), a2)
                        a3 := add(mul(x, and(shr(l, w), mask)), a3)
                    }
                    {
                        let x := calldataload(add(q, 0x40))
                        let w := shr(s0, mload(add(p, 0x40)))
                        a0 := add(mul(x, and(w, mask)), a0)
                        w := shr(l, w)
                        a1 := add(mul(x, and(w, mask)), a1)
                        w := shr(l, w)
                        a2 := add(mul(x, and(w, mask)), a2)
                        a3 := add(mul(x, and(shr(l, w), mask)), a3)
                    }
                    {
                        let x := calldataload(add(q, 0x60))
                        let w := shr(s0, mload(add(p, 0x60)))
                        a0 := add(mul(x, and(w, mask)), a0)
                        w := shr(l, w)
                        a1 := add(mul(x, and(w, mask)), a1)
                        w := shr(l, w)
                        a2 := add(mul(x, and(w, mask)), a2)
                        a3 := add(mul(x, and(shr(l, w), mask)), a3)
                    }
                }
                for {} lt(p, end) { p := add(p, 0x20) q := add(q, 0x20) } {
                    {
                        let x := calldataload(q)
                        let w := shr(s0, mload(p))
                        a0 := add(mul(x, and(w, mask)), a0)
                        w := shr(l, w)
                        a1 := add(mul(x, and(w, mask)), a1)
                        w := shr(l, w)
                        a2 := add(mul(x, and(w, mask)), a2)
                        a3 := add(mul(x, and(shr(l, w), mask)), a3)
                    }
                }
            }
            // Two groups (int32 weights in 64-bit slots: the odd lanes are 32 bits up).
            function acc2(p, end, d, mask) -> a0, a1 {
                let q := add(p, d)
                for { let end4 := sub(end, 0x60) } lt(p, end4) { p := add(p, 0x80) q := add(q, 0x80) } {
                    {
                        let x := calldataload(q)
                        let w := mload(p)
                        a0 := add(mul(x, and(w, mask)), a0)
                        a1 := add(mul(x, and(shr(32, w), mask)), a1)
                    }
                    {
                        let x := calldataload(add(q, 0x20))
                        let w := mload(add(p, 0x20))
                        a0 := add(mul(x, and(w, mask)), a0)
                        a1 := add(mul(x, and(shr(32, w), mask)), a1)
                    }
                    {
                        let x := calldataload(add(q, 0x40))
                        let w := mload(add(p, 0x40))
                        a0 := add(mul(x, and(w, mask)), a0)
                        a1 := add(mul(x, and(shr(32, w), mask)), a1)
                    }
                    {
                        let x := calldataload(add(q, 0x60))
                        let w := mload(add(p, 0x60))
                        a0 := add(mul(x, and(w, mask)), a0)
                        a1 := add(mul(x, and(shr(32, w), mask)), a1)
                    }
                }
                for {} lt(p, end) { p := add(p, 0x20) q := add(q, 0x20) } {
                    {
                        let x := calldataload(q)
                        let w := mload(p)
                        a0 := add(mul(x, and(w, mask)), a0)
                        a1 := add(mul(x, and(shr(32, w), mask)), a1)
                    }
                }
            }
            // Splits an accumulator into its signed slots: slot s goes to lane j0 - s * step.
            function spill(acc, j0, step, slotBits, out) {
                let top := sub(shr(3, slotBits), 1) // signextend byte index of a slot
                for { let s := 0 } lt(s, div(256, slotBits)) { s := add(s, 1) } {
                    let v := signextend(top, acc)
                    acc := sar(slotBits, sub(acc, v))
                    mstore(add(add(out, 0x20), shl(5, sub(j0, mul(s, step)))), v)
                }
            }
            // The dispatch keeps its inputs in memory (a job record past the free memory pointer,
            // not kept): job = [p, end, d, mask, bits, slot, sums], so its frame stays shallow.
            function run(job) {
                let lw := mload(add(job, 0x80))
                let sw := mload(add(job, 0xa0))
                let groups := div(sw, lw)
                let last := sub(div(256, lw), 1) // lane of group 0, slot 0 (least significant)
                switch groups
                case 2 {
                    let a0, a1 := acc2(mload(job), mload(add(job, 0x20)), mload(add(job, 0x40)), mload(add(job, 0x60)))
                    spill(a0, last, 2, sw, mload(add(job, 0xc0)))
                    spill(a1, sub(last, 1), 2, sw, mload(add(job, 0xc0)))
                }
                default {
                    for { let g := 0 } lt(g, groups) { g := add(g, 4) } {
                        let a0, a1, a2, a3 := acc4(
                            mload(job), mload(add(job, 0x20)), mload(add(job, 0x40)), mload(add(job, 0x60)), lw, mul(g, lw)
                        )
                        let out := mload(add(job, 0xc0))
                        spill(a0, sub(last, g), groups, sw, out)
                        spill(a1, sub(last, add(g, 1)), groups, sw, out)
                        spill(a2, sub(last, add(g, 2)), groups, sw, out)
                        spill(a3, sub(last, add(g, 3)), groups, sw, out)
                    }
                }
            }

            let job := mload(0x40)
            let ptr := add(buffer, 0x20)
            mstore(job, ptr)
            mstore(add(job, 0x20), add(ptr, mload(buffer))) // end: rows * 32 bytes of weights
            mstore(add(job, 0x40), sub(xPtr, ptr)) // x of row r is at calldata (buffer word r) + d
            // 2^L - 1 at the bottom of every slot: (2^L - 1) * 0x..0001..0001 (one 1 per slot).
            mstore(add(job, 0x60), mul(sub(shl(bits, 1), 1), div(not(0), sub(shl(slot, 1), 1))))
            mstore(add(job, 0x80), bits)
            mstore(add(job, 0xa0), slot)
            mstore(add(job, 0xc0), sums)
            run(job)
        }
    }
}
