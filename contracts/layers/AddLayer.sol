// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";
import {Elementwise} from "../lib/Elementwise.sol";

/// @title AddLayer
/// @notice Keras `Add`: the elementwise sum of two or more inputs of one shape, left to right,
///         exact: an int256 overflow reverts (`Panic(0x11)`, as checked arithmetic does); then
///         the fused ReLU, if the config carries one.
/// @dev Config: `abi.encode(F, bits, size)`; every input has `size` values. Three words more,
///      `(threshold, hasMax, maxValue)` (fixed point 2^-F), carry a ReLU without a negative slope
///      that the deployment plan fused into the sum (python/eternal/fusion.py `merge_epilogues`:
///      a residual block's ReLU, whose only input is this sum): `y = s > max(threshold, 0) ? s : 0`,
///      then `min(y, maxValue)` when `hasMax`, the same integers as the ReLU layer's.
contract AddLayer is SlicedLayerBase {
    /// @dev Bytes of a config with a fused ReLU (three words without).
    uint256 private constant FUSED_RELU_CONFIG_BYTES = 6 * 32;

    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        bytes memory raw = _config();
        (,, size) = abi.decode(raw, (uint256, uint256, uint256));
        if (xs.length < 2) revert WrongLayerInputCount(2, xs.length);
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        for (uint256 k; k < xs.length; ++k) {
            _expectSize(xs, k, size);
            _need(xs, k, from, to);
        }
        output = _allocate(to - from);
        _sumInto(xs, from, output, raw);
    }

    /// @dev `output` = the inputs' values from `from` on, summed (checked), then the fused ReLU
    ///      of `raw` if it has one: in the same pass for a residual block's sum of two and a ReLU
    ///      without a cap, else over the sums.
    function _sumInto(Input[] memory xs, uint256 from, int256[] memory output, bytes memory raw) private pure {
        Elementwise.Relu memory relu = _fusedRelu(raw);
        bool inPass = relu.mode == 1 && xs.length == 2;
        uint256 overflow = inPass
            ? _sumRelu(_at(xs, 0, from), _at(xs, 1, from), _dataAt(output), output.length, relu.above)
            : _sum(_at(xs, 0, from), _at(xs, 1, from), _dataAt(output), output.length);
        for (uint256 k = 2; k < xs.length; ++k) {
            overflow |= _accumulate(_at(xs, k, from), _dataAt(output), output.length);
        }
        if (overflow >> 255 != 0) _revertOverflow();
        if (!inPass) Elementwise.reluInPlace(output, relu);
    }

    /// @dev `out_i = relu(a_i + b_i)` for i < count, the ReLU `s > above ? s : 0`; the overflow
    ///      word as `_sum` (of the sums before the ReLU). Unrolled by 4.
    function _sumRelu(uint256 a, uint256 b, uint256 dst, uint256 count, int256 above)
        private
        pure
        returns (uint256 overflow)
    {
        // Equivalent to `_sum(a, b, dst, count)`, then `Elementwise.reluInPlace` of mode 1 at `above`.
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
                mstore(add(a, delta), mul(r, sgt(r, above)))
                x := calldataload(add(a, 0x20))
                y := calldataload(add(a, add(gap, 0x20)))
                r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(add(a, add(delta, 0x20)), mul(r, sgt(r, above)))
                x := calldataload(add(a, 0x40))
                y := calldataload(add(a, add(gap, 0x40)))
                r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(add(a, add(delta, 0x40)), mul(r, sgt(r, above)))
                x := calldataload(add(a, 0x60))
                y := calldataload(add(a, add(gap, 0x60)))
                r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(add(a, add(delta, 0x60)), mul(r, sgt(r, above)))
            }
            for {} lt(a, end) { a := add(a, 0x20) } {
                let x := calldataload(a)
                let y := calldataload(add(a, gap))
                let r := add(x, y)
                overflow := or(overflow, and(xor(r, x), xor(r, y)))
                mstore(add(a, delta), mul(r, sgt(r, above)))
            }
        }
    }

    /// @dev The fused ReLU of `raw`, its last three words (`Elementwise.rectifier`); none in a
    ///      config of three words.
    function _fusedRelu(bytes memory raw) private pure returns (Elementwise.Relu memory) {
        if (raw.length < FUSED_RELU_CONFIG_BYTES) return Elementwise.Relu(0, 0, 0);
        (,,, int256 threshold, uint256 capped, int256 maxValue) =
            abi.decode(raw, (uint256, uint256, uint256, int256, uint256, int256));
        return Elementwise.rectifier(true, threshold, capped != 0, maxValue);
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
