// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LibBit} from "solady/src/utils/LibBit.sol";

/// @title PoolKernels
/// @notice The reductions of the pooling layers (MaxPooling2D/1D, AveragePooling2D and the global
///         ones): over a window's cells, `count` consecutive channels at once, into memory.
/// @dev A window is a list of cells in memory, per cell the calldata offset of its value of the
///      first channel pooled; a channel's value in a cell is `count` words further at most.
///      Inner loops take 4 channels a round.
library PoolKernels {
    /// @notice `out[ch] = max over the cells of x_cell[ch]` for ch < count (`type(int256).min`
    ///         for a window without cells).
    /// @param cells    Memory address of the first cell's calldata offset.
    /// @param cellsEnd One past the last cell.
    /// @param out      Memory address of the first output.
    /// @param count    How many channels.
    function maxInto(uint256 cells, uint256 cellsEnd, uint256 out, uint256 count) internal pure {
        // Equivalent to `out[ch] = max(type(int256).min, x_cell[ch] for each cell)`: the first
        // cell copied, the others compared.
        assembly ("memory-safe") {
            let width := shl(5, count)
            switch eq(cells, cellsEnd)
            case 1 {
                for { let ch := 0 } lt(ch, width) { ch := add(ch, 0x20) } {
                    mstore(add(out, ch), shl(255, 1)) // type(int256).min
                }
            }
            default { calldatacopy(out, mload(cells), width) }
            for { let k := add(cells, 0x20) } lt(k, cellsEnd) { k := add(k, 0x20) } {
                let p := mload(k)
                let ch := 0
                for {} lt(ch, and(width, not(0x7f))) { ch := add(ch, 0x80) } {
                    let v := calldataload(add(p, ch))
                    let o := add(out, ch)
                    if sgt(v, mload(o)) { mstore(o, v) }
                    v := calldataload(add(p, add(ch, 0x20)))
                    o := add(o, 0x20)
                    if sgt(v, mload(o)) { mstore(o, v) }
                    v := calldataload(add(p, add(ch, 0x40)))
                    o := add(o, 0x20)
                    if sgt(v, mload(o)) { mstore(o, v) }
                    v := calldataload(add(p, add(ch, 0x60)))
                    o := add(o, 0x20)
                    if sgt(v, mload(o)) { mstore(o, v) }
                }
                for {} lt(ch, width) { ch := add(ch, 0x20) } {
                    let v := calldataload(add(p, ch))
                    let o := add(out, ch)
                    if sgt(v, mload(o)) { mstore(o, v) }
                }
            }
        }
    }

    /// @notice Max pooling of `n` output positions along a row whose windows lie inside the input,
    ///         all `channels` of each: `out[i C + ch] = max over r < poolHeight, k < poolWidth of
    ///         x[p + i posStep + r rowStep + k C 32 + 32 ch]` (calldata byte offsets). The same values
    ///         as `maxInto` over the cells `_cells` lists, without listing them: one assembly loop
    ///         per position and channel, a 2x2 window unrolled.
    /// @param p         Calldata offset of the first position's first cell, channel 0.
    /// @param out       Memory address of the first output.
    /// @param n         How many positions.
    /// @param channels  C, values per cell.
    /// @param posStep   Bytes from one position's first cell to the next's (strideX C 32).
    /// @param rowStep   Bytes from one input row to the next (W C 32).
    /// @param poolHeight Window rows (at least 1).
    /// @param poolWidth  Window columns (at least 1).
    function maxRun(
        uint256 p,
        uint256 out,
        uint256 n,
        uint256 channels,
        uint256 posStep,
        uint256 rowStep,
        uint256 poolHeight,
        uint256 poolWidth
    ) internal pure {
        assembly ("memory-safe") {
            let width := shl(5, channels)
            let end := add(out, mul(n, width))
            switch and(eq(poolHeight, 2), eq(poolWidth, 2))
            case 1 {
                for {} lt(out, end) { p := add(p, posStep) } {
                    let last := add(p, width)
                    for { let q := p } lt(q, last) { q := add(q, 0x20) } {
                        let m := calldataload(q)
                        let v := calldataload(add(q, width))
                        if sgt(v, m) { m := v }
                        let below := add(q, rowStep)
                        v := calldataload(below)
                        if sgt(v, m) { m := v }
                        v := calldataload(add(below, width))
                        if sgt(v, m) { m := v }
                        mstore(out, m)
                        out := add(out, 0x20)
                    }
                }
            }
            default {
                let rowsEnd := mul(poolHeight, rowStep)
                let colsEnd := mul(poolWidth, width)
                for {} lt(out, end) { p := add(p, posStep) } {
                    let last := add(p, width)
                    for { let q := p } lt(q, last) { q := add(q, 0x20) } {
                        let m := calldataload(q)
                        for { let r := q } lt(r, add(q, rowsEnd)) { r := add(r, rowStep) } {
                            for { let k := r } lt(k, add(r, colsEnd)) { k := add(k, width) } {
                                let v := calldataload(k)
                                if sgt(v, m) { m := v }
                            }
                        }
                        mstore(out, m)
                        out := add(out, 0x20)
                    }
                }
            }
        }
    }

    /// @notice `out[ch] = SpatialMath.divRoundHalfUp(sum over the n cells of x_cell[ch], n)` for
    ///         ch < count: the mean, nearest with ties up (`floor((2 sum + n) / 2n)`). Reverts as
    ///         the checked arithmetic would: `Panic(0x11)` on an int256 overflow, `Panic(0x12)`
    ///         for a window without cells.
    /// @param cells    Memory address of the first cell's calldata offset.
    /// @param cellsEnd One past the last cell.
    /// @param out      Memory address of the first output.
    /// @param count    How many channels.
    function meanInto(uint256 cells, uint256 cellsEnd, uint256 out, uint256 count) internal pure {
        uint256 n;
        uint256 overflow;
        unchecked {
            // Memory addresses and byte counts of the output: far from 2^256.
            n = (cellsEnd - cells) / 32;
            if (n == 0) _panic(0x12); // division by zero: the mean of nothing
            overflow = _sumInto(cells, cellsEnd, out, count * 32);
        }
        // Equivalent to `out[ch] = SpatialMath.divRoundHalfUp(out[ch], n)`: m = 2 total + n (2 total
        // overflows iff total's top two bits differ; + n iff the sum falls below 2 total), then
        // floor(m / 2n): an arithmetic shift when 2n is a power of two, else m / 2n truncated,
        // minus 1 where that is not the floor (m % 2n < 0).
        uint256 shift = LibBit.fls(2 * n); // log2(2n) when 2n is a power of two
        assembly ("memory-safe") {
            let den := shl(1, n)
            let outEnd := add(out, shl(5, count))
            switch and(den, sub(den, 1))
            case 0 {
                for { let o := out } lt(o, outEnd) { o := add(o, 0x20) } {
                    let total := mload(o)
                    let twice := shl(1, total)
                    let m := add(twice, n)
                    overflow := or(overflow, or(xor(total, twice), shl(255, slt(m, twice))))
                    mstore(o, sar(shift, m))
                }
            }
            default {
                for { let o := out } lt(o, outEnd) { o := add(o, 0x20) } {
                    let total := mload(o)
                    let twice := shl(1, total)
                    let m := add(twice, n)
                    overflow := or(overflow, or(xor(total, twice), shl(255, slt(m, twice))))
                    mstore(o, sub(sdiv(m, den), slt(smod(m, den), 0)))
                }
            }
        }
        if (overflow >> 255 != 0) _panic(0x11);
    }

    /// @dev `out[ch] = sum over the cells of x_cell[ch]` for the channels in `width` bytes (at
    ///      least one cell), wrapping; returns a word whose top bit is set iff some sum overflowed.
    function _sumInto(uint256 cells, uint256 cellsEnd, uint256 out, uint256 width) private pure returns (uint256 overflow) {
        // Equivalent to `out[ch] += x_cell[ch]` checked, the revert deferred: a signed sum
        // overflows iff its sign differs from both operands' (`(r ^ a) & (r ^ v) < 0`).
        assembly ("memory-safe") {
            calldatacopy(out, mload(cells), width)
            for { let k := add(cells, 0x20) } lt(k, cellsEnd) { k := add(k, 0x20) } {
                let p := mload(k)
                let ch := 0
                for {} lt(ch, and(width, not(0x7f))) { ch := add(ch, 0x80) } {
                    let o := add(out, ch)
                    let a := mload(o)
                    let v := calldataload(add(p, ch))
                    let r := add(a, v)
                    overflow := or(overflow, and(xor(r, a), xor(r, v)))
                    mstore(o, r)
                    o := add(o, 0x20)
                    a := mload(o)
                    v := calldataload(add(p, add(ch, 0x20)))
                    r := add(a, v)
                    overflow := or(overflow, and(xor(r, a), xor(r, v)))
                    mstore(o, r)
                    o := add(o, 0x20)
                    a := mload(o)
                    v := calldataload(add(p, add(ch, 0x40)))
                    r := add(a, v)
                    overflow := or(overflow, and(xor(r, a), xor(r, v)))
                    mstore(o, r)
                    o := add(o, 0x20)
                    a := mload(o)
                    v := calldataload(add(p, add(ch, 0x60)))
                    r := add(a, v)
                    overflow := or(overflow, and(xor(r, a), xor(r, v)))
                    mstore(o, r)
                }
                for {} lt(ch, width) { ch := add(ch, 0x20) } {
                    let o := add(out, ch)
                    let a := mload(o)
                    let v := calldataload(add(p, ch))
                    let r := add(a, v)
                    overflow := or(overflow, and(xor(r, a), xor(r, v)))
                    mstore(o, r)
                }
            }
        }
    }

    /// @dev Reverts as checked arithmetic does: `Panic(code)` (0x11 overflow, 0x12 division by zero).
    function _panic(uint256 code) private pure {
        // Equivalent to the revert of a checked operation that fails with `code`.
        assembly ("memory-safe") {
            mstore(0, shl(224, 0x4e487b71)) // Panic(uint256)
            mstore(4, code)
            revert(0, 0x24)
        }
    }
}
