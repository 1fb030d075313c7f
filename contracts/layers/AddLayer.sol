// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";

/// @title AddLayer
/// @notice Keras `Add`: the elementwise sum of two or more inputs of one shape, left to right,
///         exact: an int256 overflow reverts (`Panic(0x11)`, as checked arithmetic does).
/// @dev Config: `abi.encode(F, bits, size)`; every input has `size` values.
contract AddLayer is SlicedLayerBase {
    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        (,, size) = abi.decode(_config(), (uint256, uint256, uint256));
        if (xs.length < 2) revert WrongLayerInputCount(2, xs.length);
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        for (uint256 k; k < xs.length; ++k) {
            _expectSize(xs, k, size);
            _need(xs, k, from, to);
        }
        output = _allocate(to - from);
        uint256 dst = _dataAt(output);
        uint256 overflow = _sum(_at(xs, 0, from), _at(xs, 1, from), dst, to - from);
        for (uint256 k = 2; k < xs.length; ++k) {
            overflow |= _accumulate(_at(xs, k, from), dst, to - from);
        }
        if (overflow >> 255 != 0) _revertOverflow();
    }

    /// @dev `out_i = a_i + b_i` for i < count (calldata a, b; memory out), wrapping; returns a
    ///      word whose top bit is set iff some sum overflowed. Unrolled by 4.
    function _sum(uint256 a, uint256 b, uint256 dst, uint256 count) private pure returns (uint256 overflow) {
        // Equivalent to `out_i = a_i + b_i` checked, the revert deferred: a signed sum overflows
        // iff its sign differs from both operands' (`(r ^ x) & (r ^ y) < 0`).
        assembly ("memory-safe") {
            let end := add(a, shl(5, count))
            let gap := sub(b, a) // b_i lives at (offset of a_i) + gap
            let delta := sub(dst, a) // out_i lives at (offset of a_i) + delta
            let end4 := sub(end, and(shl(5, count), 0x60)) // whole groups of 4
            for {} lt(a, end4) { a := add(a, 0x80) } {
                let x := calldataload(a)
                let y := calldataload(add(a, gap))
                let r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(add(a, delta), r)
                x := calldataload(add(a, 0x20))
                y := calldataload(add(a, add(gap, 0x20)))
                r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(add(a, add(delta, 0x20)), r)
                x := calldataload(add(a, 0x40))
                y := calldataload(add(a, add(gap, 0x40)))
                r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(add(a, add(delta, 0x40)), r)
                x := calldataload(add(a, 0x60))
                y := calldataload(add(a, add(gap, 0x60)))
                r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(add(a, add(delta, 0x60)), r)
            }
            for {} lt(a, end) { a := add(a, 0x20) } {
                let x := calldataload(a)
                let y := calldataload(add(a, gap))
                let r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(add(a, delta), r)
            }
        }
    }

    /// @dev `out_i += c_i` for i < count (calldata c), wrapping; the overflow word as `_sum`.
    ///      Unrolled by 4.
    function _accumulate(uint256 c, uint256 dst, uint256 count) private pure returns (uint256 overflow) {
        // Equivalent to `out_i += c_i` checked, the revert deferred (see `_sum`).
        assembly ("memory-safe") {
            let end := add(c, shl(5, count))
            let delta := sub(dst, c)
            let end4 := sub(end, and(shl(5, count), 0x60)) // whole groups of 4
            for {} lt(c, end4) { c := add(c, 0x80) } {
                let o := add(c, delta)
                let x := mload(o)
                let y := calldataload(c)
                let r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(o, r)
                o := add(c, add(delta, 0x20))
                x := mload(o)
                y := calldataload(add(c, 0x20))
                r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(o, r)
                o := add(c, add(delta, 0x40))
                x := mload(o)
                y := calldataload(add(c, 0x40))
                r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(o, r)
                o := add(c, add(delta, 0x60))
                x := mload(o)
                y := calldataload(add(c, 0x60))
                r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(o, r)
            }
            for {} lt(c, end) { c := add(c, 0x20) } {
                let o := add(c, delta)
                let x := mload(o)
                let y := calldataload(c)
                let r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(o, r)
            }
        }
    }
}
