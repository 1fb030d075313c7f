// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";
import {FixedMath} from "../lib/FixedMath.sol";

/// @title MultiplyLayer
/// @notice Keras `Multiply`: the elementwise product of two or more inputs, left to right, each
///         product rescaled from 2F to F (round half up): `rescale(rescale(a * b) * c)`.
/// @dev Config: `abi.encode(F, bits, size)`; every input has `size` values. Products run unchecked
///      while every factor is in [-2^126, 2^126) (then |a * b| < 2^252 and nothing overflows),
///      checked once for the range; a range that breaks it runs the checked loop.
contract MultiplyLayer is SlicedLayerBase {
    /// @dev log2 of the largest factor magnitude (exclusive) the unchecked loop takes.
    uint256 private constant _BOUND = 126;

    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        uint256 frac;
        (frac,, size) = abi.decode(_config(), (uint256, uint256, uint256));
        if (xs.length < 2) revert WrongLayerInputCount(2, xs.length);
        int256 twice = 2 * int256(frac); // checked, as the reference always did
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        for (uint256 k; k < xs.length; ++k) {
            _expectSize(xs, k, size);
            _need(xs, k, from, to);
        }
        output = _allocate(to - from);
        // rescale(v, 2F, F) is v for F = 0, else (v + 2^(F-1)) >> F; past a shift of 254 it is 0
        // (FixedMath.rescaleInt): left to the checked loop.
        if (frac > 254 || !_fast(xs, from, to, frac, _dataAt(output))) {
            _checked(xs, from, to, twice, int256(frac), output);
        }
    }

    /// @dev The unchecked products of [from, to) into memory `dst`; whether every factor was in
    ///      [-2^126, 2^126) (else the values written are not the products).
    function _fast(Input[] memory xs, uint256 from, uint256 to, uint256 frac, uint256 dst)
        private
        pure
        returns (bool fits)
    {
        uint256 seen = _first(_at(xs, 0, from), _at(xs, 1, from), dst, to - from, frac);
        for (uint256 k = 2; k < xs.length; ++k) {
            seen |= _next(_at(xs, k, from), dst, to - from, frac);
        }
        fits = seen >> (_BOUND + 1) == 0;
    }

    /// @dev `out_i = rescale(a_i * b_i, 2F, F)` unchecked for i < count (calldata a, b): `(v + 2^(F-1))
    ///      >> F`, no rounding term for F = 0; returns every factor `+ 2^126` OR-ed together.
    ///      Unrolled by 4.
    function _first(uint256 a, uint256 b, uint256 dst, uint256 count, uint256 frac) private pure returns (uint256 seen) {
        uint256 offset = 1 << _BOUND;
        // Equivalent to: for i < count: out_i = rescale(a_i * b_i, 2F, F);
        // seen |= (a_i + 2^126) | (b_i + 2^126).
        assembly ("memory-safe") {
            let half := 0
            if frac { half := shl(sub(frac, 1), 1) }
            let end := add(b, shl(5, count))
            let delta := sub(dst, b) // out_i lives at (offset of b_i) + delta
            let gap := sub(a, b) // a_i lives at (offset of b_i) + gap
            let end4 := sub(end, and(shl(5, count), 0x60)) // whole groups of 4
            for {} lt(b, end4) { b := add(b, 0x80) } {
                let x := calldataload(add(b, gap))
                let y := calldataload(b)
                seen := or(seen, or(add(x, offset), add(y, offset)))
                mstore(add(b, delta), sar(frac, add(mul(x, y), half)))
                x := calldataload(add(b, add(gap, 0x20)))
                y := calldataload(add(b, 0x20))
                seen := or(seen, or(add(x, offset), add(y, offset)))
                mstore(add(b, add(delta, 0x20)), sar(frac, add(mul(x, y), half)))
                x := calldataload(add(b, add(gap, 0x40)))
                y := calldataload(add(b, 0x40))
                seen := or(seen, or(add(x, offset), add(y, offset)))
                mstore(add(b, add(delta, 0x40)), sar(frac, add(mul(x, y), half)))
                x := calldataload(add(b, add(gap, 0x60)))
                y := calldataload(add(b, 0x60))
                seen := or(seen, or(add(x, offset), add(y, offset)))
                mstore(add(b, add(delta, 0x60)), sar(frac, add(mul(x, y), half)))
            }
            for {} lt(b, end) { b := add(b, 0x20) } {
                let x := calldataload(add(b, gap))
                let y := calldataload(b)
                seen := or(seen, or(add(x, offset), add(y, offset)))
                mstore(add(b, delta), sar(frac, add(mul(x, y), half)))
            }
        }
    }

    /// @dev `out_i = rescale(out_i * b_i, 2F, F)` unchecked for i < count (the running product
    ///      times calldata b); returns every factor `+ 2^126` OR-ed together.
    function _next(uint256 b, uint256 dst, uint256 count, uint256 frac) private pure returns (uint256 seen) {
        uint256 offset = 1 << _BOUND;
        // Equivalent to: for i < count: out_i = rescale(out_i * b_i, 2F, F);
        // seen |= (out_i + 2^126) | (b_i + 2^126).
        assembly ("memory-safe") {
            let half := 0
            if frac { half := shl(sub(frac, 1), 1) }
            let end := add(b, shl(5, count))
            let delta := sub(dst, b) // out_i lives at (offset of b_i) + delta
            for {} lt(b, end) { b := add(b, 0x20) } {
                let o := add(b, delta)
                let x := mload(o)
                let y := calldataload(b)
                seen := or(seen, or(add(x, offset), add(y, offset)))
                mstore(o, sar(frac, add(mul(x, y), half)))
            }
        }
    }

    /// @dev The checked loop: the products of docs/FORMAT.md, reverting on any int256 overflow.
    function _checked(Input[] memory xs, uint256 from, uint256 to, int256 twice, int256 frac, int256[] memory output)
        private
        pure
    {
        for (uint256 i = from; i < to; ++i) {
            int256 product = _value(xs, 0, i);
            for (uint256 k = 1; k < xs.length; ++k) {
                product = FixedMath.rescaleInt(product * _value(xs, k, i), twice, frac);
            }
            output[i - from] = product;
        }
    }

    /// @dev Element `i` of input `k` (inside its window: `_need` was called for the range).
    function _value(Input[] memory xs, uint256 k, uint256 i) private pure returns (int256 v) {
        uint256 at = _at(xs, k, i);
        assembly ("memory-safe") {
            v := calldataload(at)
        }
    }
}
