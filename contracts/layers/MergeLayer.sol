// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";
import {PoolKernels} from "../lib/PoolKernels.sol";

/// @title MergeLayer
/// @notice Keras `Subtract`, `Average`, `Maximum` and `Minimum`: elementwise over inputs of one
///         shape, the config's op code choosing which. Subtract takes exactly two inputs, the
///         others two or more.
/// @dev Config: `abi.encode(F, bits, size, op)`; every input has `size` values. Ops:
///      0 Subtract `a - b`, exact: an int256 overflow reverts (`Panic(0x11)`);
///      1 Average `floor((2 sum + n) / 2n)`, the pooling layers' mean (`PoolKernels.meanInto`:
///        nearest, ties up; reverts `Panic(0x11)` if the sum or twice it overflows);
///      2 Maximum and 3 Minimum, exact. Add and Multiply keep their own contracts.
contract MergeLayer is SlicedLayerBase {
    uint256 private constant _SUBTRACT = 0;
    uint256 private constant _AVERAGE = 1;
    uint256 private constant _MAXIMUM = 2;
    uint256 private constant _MINIMUM = 3;

    /// @notice The config's op code names no merge (0 Subtract, 1 Average, 2 Maximum, 3 Minimum).
    error UnknownMergeOp(uint256 op);

    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        uint256 op;
        (,, size, op) = abi.decode(_config(), (uint256, uint256, uint256, uint256));
        if (op > _MINIMUM) revert UnknownMergeOp(op);
        if (op == _SUBTRACT) _expectInputs(xs, 2);
        else if (xs.length < 2) revert WrongLayerInputCount(2, xs.length);
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        uint256[] memory cells = new uint256[](xs.length); // each input's calldata offset of element `from`
        for (uint256 k; k < xs.length; ++k) {
            _expectSize(xs, k, size);
            _need(xs, k, from, to);
            cells[k] = _at(xs, k, from);
        }
        output = _allocate(to - from);
        (uint256 first, uint256 last) = (_wordsAt(cells), _wordsAt(cells) + 32 * xs.length);
        if (op == _SUBTRACT) _difference(cells[0], cells[1], _dataAt(output), to - from);
        else if (op == _AVERAGE) PoolKernels.meanInto(first, last, _dataAt(output), to - from);
        else if (op == _MAXIMUM) PoolKernels.maxInto(first, last, _dataAt(output), to - from);
        else _minInto(first, last, _dataAt(output), to - from);
    }

    /// @dev `out_i = a_i - b_i` for i < count (calldata a, b; memory out), checked: reverts
    ///      `Panic(0x11)` if some difference overflows.
    function _difference(uint256 a, uint256 b, uint256 dst, uint256 count) private pure {
        uint256 overflow;
        // Equivalent to `out_i = a_i - b_i` checked, the revert deferred: a signed difference
        // overflows iff the operands' signs differ and the result's differs from a's
        // (`(x ^ y) & (x ^ r) < 0`).
        assembly ("memory-safe") {
            let end := add(a, shl(5, count))
            let gap := sub(b, a) // b_i lives at (offset of a_i) + gap
            let delta := sub(dst, a) // out_i lives at (offset of a_i) + delta
            for {} lt(a, end) { a := add(a, 0x20) } {
                let x := calldataload(a)
                let y := calldataload(add(a, gap))
                let r := sub(x, y)
                overflow := or(overflow, and(xor(x, y), xor(x, r)))
                mstore(add(a, delta), r)
            }
        }
        if (overflow >> 255 != 0) _revertOverflow();
    }

    /// @dev `out_i = min over the inputs of x_i` for i < count: `cells` to `cellsEnd` (memory)
    ///      hold each input's calldata offset of its first value, at least one.
    function _minInto(uint256 cells, uint256 cellsEnd, uint256 out, uint256 count) private pure {
        // Equivalent to `out_i = x_0,i`, then `out_i = min(out_i, x_k,i)` for each further input.
        assembly ("memory-safe") {
            let width := shl(5, count)
            calldatacopy(out, mload(cells), width)
            for { let k := add(cells, 0x20) } lt(k, cellsEnd) { k := add(k, 0x20) } {
                let delta := sub(mload(k), out) // x_k,i lives at (address of out_i) + delta
                for { let o := out } lt(o, add(out, width)) { o := add(o, 0x20) } {
                    let v := calldataload(add(o, delta))
                    if slt(v, mload(o)) { mstore(o, v) }
                }
            }
        }
    }

    /// @dev The memory address of `values[0]`.
    function _wordsAt(uint256[] memory values) private pure returns (uint256 at) {
        assembly ("memory-safe") {
            at := add(values, 0x20)
        }
    }
}
