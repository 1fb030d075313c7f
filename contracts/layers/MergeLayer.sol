// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";
import {PoolKernels} from "../lib/PoolKernels.sol";
import {FixedMath} from "../lib/FixedMath.sol";

/// @title MergeLayer
/// @notice Keras `Subtract`, `Average`, `Maximum` and `Minimum`, and `Add`, `Multiply` and those
///         whose inputs broadcast: elementwise, the config's op code choosing which. Subtract takes
///         exactly two inputs, the others two or more. Input k of `sizes[k]` values gives output
///         value i its value `i % sizes[k]` (Keras broadcasting along leading axes: an input of
///         shape (1, 1, C) against (H, W, C) repeats its C values).
/// @dev Config: `abi.encode(F, bits, size, op, uint256[] sizes)`: the output's and each input's
///      number of values (each a divisor of `size`). Ops, left to right over the inputs:
///      0 Subtract `a - b`, exact: an int256 overflow reverts (`Panic(0x11)`);
///      1 Average `floor((2 sum + n) / 2n)`, the pooling layers' mean (`PoolKernels.meanInto`:
///        nearest, ties up; reverts `Panic(0x11)` if the sum or twice it overflows);
///      2 Maximum and 3 Minimum, exact; 4 Add, exact (as `AddLayer`); 5 Multiply, each product
///      rescaled from 2F to F, round half up (as `MultiplyLayer`). Inputs of one size run
///      unrolled loops (ops 0-3); a broadcast, or ops 4-5 (which a deployment gives this contract
///      only when they broadcast), the checked loop `_broadcast`.
contract MergeLayer is SlicedLayerBase {
    uint256 private constant _SUBTRACT = 0;
    uint256 private constant _AVERAGE = 1;
    uint256 private constant _MAXIMUM = 2;
    uint256 private constant _MINIMUM = 3;
    uint256 private constant _ADD = 4;
    uint256 private constant _MULTIPLY = 5;

    /// @notice The config's op code names no merge (0 Subtract, 1 Average, 2 Maximum, 3 Minimum,
    ///         4 Add, 5 Multiply).
    error UnknownMergeOp(uint256 op);

    /// @notice Input `index` of `inputSize` values does not repeat evenly over `size` values.
    error BadBroadcast(uint256 index, uint256 inputSize, uint256 size);

    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        (uint256 frac,, uint256 total, uint256 op, uint256[] memory sizes) =
            abi.decode(_config(), (uint256, uint256, uint256, uint256, uint256[]));
        size = total;
        _checkInputs(xs, op, sizes, size);
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        bool repeats = _needRange(xs, sizes, size, from, to);
        output = _allocate(to - from);
        if (!repeats && op <= _MINIMUM) _sameSize(xs, from, output, op);
        else if (xs.length != 2 || op == _AVERAGE || !_pair(xs, sizes, from, output, op, frac)) {
            _broadcast(xs, sizes, from, output, op, frac);
        }
    }

    /// @dev Reverts unless the op is known, the input count fits it and `sizes`, and each input
    ///      has its size and repeats evenly over `size` values.
    function _checkInputs(Input[] memory xs, uint256 op, uint256[] memory sizes, uint256 size) private pure {
        if (op > _MULTIPLY) revert UnknownMergeOp(op);
        if (op == _SUBTRACT) _expectInputs(xs, 2);
        else if (xs.length < 2) revert WrongLayerInputCount(2, xs.length);
        if (sizes.length != xs.length) revert WrongLayerInputCount(sizes.length, xs.length);
        for (uint256 k; k < xs.length; ++k) {
            if (sizes[k] == 0 || size % sizes[k] != 0) revert BadBroadcast(k, sizes[k], size);
            _expectSize(xs, k, sizes[k]);
        }
    }

    /// @dev `_need` of what values `[from, to)` read: that range of a full-size input, all of an
    ///      input that repeats (nothing for an empty range); whether some input repeats.
    function _needRange(Input[] memory xs, uint256[] memory sizes, uint256 size, uint256 from, uint256 to)
        private
        pure
        returns (bool repeats)
    {
        for (uint256 k; k < xs.length; ++k) {
            bool full = sizes[k] == size;
            _need(xs, k, full ? from : 0, full ? to : (from < to ? sizes[k] : 0));
            repeats = repeats || !full;
        }
    }

    /// @dev Ops 0-3 on inputs of the output's size: values `[from, from + output.length)`.
    function _sameSize(Input[] memory xs, uint256 from, int256[] memory output, uint256 op) private pure {
        uint256[] memory cells = new uint256[](xs.length); // each input's calldata offset of element `from`
        for (uint256 k; k < xs.length; ++k) {
            cells[k] = _at(xs, k, from);
        }
        (uint256 first, uint256 last) = (_wordsAt(cells), _wordsAt(cells) + 32 * xs.length);
        if (op == _SUBTRACT) _difference(cells[0], cells[1], _dataAt(output), output.length);
        else if (op == _AVERAGE) PoolKernels.meanInto(first, last, _dataAt(output), output.length);
        else if (op == _MAXIMUM) PoolKernels.maxInto(first, last, _dataAt(output), output.length);
        else _minInto(first, last, _dataAt(output), output.length);
    }

    /// @dev Two inputs (one repeating, or ops 4-5 of one size), any op but Average, in one
    ///      unchecked pass: each input's cursor wraps back to its first value at its end. Sums and
    ///      differences that overflow revert (`Panic(0x11)`, as checked arithmetic); returns
    ///      false, having written values that are not the products, when a Multiply factor is
    ///      outside [-2^126, 2^126) or F > 254 (then the checked loop `_broadcast` runs).
    function _pair(
        Input[] memory xs,
        uint256[] memory sizes,
        uint256 from,
        int256[] memory output,
        uint256 op,
        uint256 frac
    ) private pure returns (bool fits) {
        if (op == _MULTIPLY && frac > 254) return false;
        // Each input's cursor: its value `from % size`, its first value, one past its last.
        uint256[10] memory run = [
            _at(xs, 0, from % sizes[0]), _at(xs, 0, 0), _at(xs, 0, sizes[0]),
            _at(xs, 1, from % sizes[1]), _at(xs, 1, 0), _at(xs, 1, sizes[1]),
            _dataAt(output), output.length, op, frac
        ];
        uint256 flags = _pairLoop(run);
        if (op != _MULTIPLY) {
            if (flags >> 255 != 0) _revertOverflow();
            return true;
        }
        fits = flags >> 127 == 0;
    }

    /// @dev The loop of `_pair` over `run` = [p0, first0, end0, p1, first1, end1, dst, count, op,
    ///      F]: `out_j = op(x0, x1)` at the cursors, each cursor moved on one value and wrapped.
    ///      Returns the overflow word (Subtract, Add: top bit set iff one overflowed), or every
    ///      Multiply factor `+ 2^126` OR-ed together; nothing for Maximum, Minimum.
    function _pairLoop(uint256[10] memory run) private pure returns (uint256 flags) {
        // Equivalent to: for j < count: x = x0[p0], y = x1[p1]; out_j = x - y (op 0), max (2),
        // min (3), x + y (4), (x * y + 2^(F-1)) >> F (5, no rounding term for F = 0); each p
        // moved on one word, back to its first at its end. The overflow checks as `AddLayer`'s.
        assembly ("memory-safe") {
            let p0 := mload(run)
            let p1 := mload(add(run, 0x60))
            let end0 := mload(add(run, 0x40))
            let end1 := mload(add(run, 0xa0))
            let o := mload(add(run, 0xc0))
            let end := add(o, shl(5, mload(add(run, 0xe0))))
            let op := mload(add(run, 0x100))
            let frac := mload(add(run, 0x120))
            let half := 0
            if frac { half := shl(sub(frac, 1), 1) }
            for {} lt(o, end) { o := add(o, 0x20) } {
                let x := calldataload(p0)
                let y := calldataload(p1)
                let r
                switch op // a squeeze-and-excite's Multiply first, then Add
                case 5 {
                    flags := or(flags, or(add(x, shl(126, 1)), add(y, shl(126, 1))))
                    r := sar(frac, add(mul(x, y), half))
                }
                case 4 {
                    r := add(x, y)
                    flags := or(flags, and(xor(r, x), xor(r, y)))
                }
                case 0 {
                    r := sub(x, y)
                    flags := or(flags, and(xor(x, y), xor(x, r)))
                }
                case 2 { r := xor(y, mul(xor(x, y), sgt(x, y))) }
                default { r := xor(y, mul(xor(x, y), slt(x, y))) }
                mstore(o, r)
                p0 := add(p0, 0x20)
                if eq(p0, end0) { p0 := mload(add(run, 0x20)) }
                p1 := add(p1, 0x20)
                if eq(p1, end1) { p1 := mload(add(run, 0x80)) }
            }
        }
    }

    /// @dev Any op with inputs that repeat: `output[j]` = the op over `x_k[(from + j) % sizes[k]]`,
    ///      left to right, checked (the same integers and reverts as the unrolled loops and as
    ///      `AddLayer`, `MultiplyLayer`).
    function _broadcast(
        Input[] memory xs,
        uint256[] memory sizes,
        uint256 from,
        int256[] memory output,
        uint256 op,
        uint256 frac
    ) private pure {
        for (uint256 j; j < output.length; ++j) {
            uint256 i = from + j;
            int256 acc = _value(_at(xs, 0, i % sizes[0]));
            for (uint256 k = 1; k < xs.length; ++k) {
                acc = _combine(op, acc, _value(_at(xs, k, i % sizes[k])), frac);
            }
            if (op == _AVERAGE) {
                // floor((2 acc + n) / 2n), checked: PoolKernels.meanInto's mean.
                int256 m = 2 * acc + int256(xs.length);
                int256 d = 2 * int256(xs.length);
                acc = m / d - (m % d < 0 ? int256(1) : int256(0));
            }
            output[j] = acc;
        }
    }

    /// @dev One step of `op` (checked): the running value `acc` and the next input's value `v`.
    function _combine(uint256 op, int256 acc, int256 v, uint256 frac) private pure returns (int256) {
        if (op == _SUBTRACT) return acc - v;
        if (op == _AVERAGE || op == _ADD) return acc + v;
        if (op == _MAXIMUM) return v > acc ? v : acc;
        if (op == _MINIMUM) return v < acc ? v : acc;
        return FixedMath.rescaleInt(acc * v, 2 * int256(frac), int256(frac));
    }

    /// @dev The int256 at calldata offset `at`.
    function _value(uint256 at) private pure returns (int256 v) {
        assembly ("memory-safe") {
            v := calldataload(at)
        }
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
