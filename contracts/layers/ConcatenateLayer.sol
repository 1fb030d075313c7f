// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";

/// @title ConcatenateLayer
/// @notice Keras `Concatenate(axis)` on C-order tensors: for each of the `outer` index tuples
///         before the axis, input k contributes its next run of `inner[k]` values.
/// @dev Config: `abi.encode(F, bits, outer, uint256[] inner)`; input k has `outer * inner[k]` values.
contract ConcatenateLayer is SlicedLayerBase {
    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        (,, uint256 outer, uint256[] memory inner) = abi.decode(_config(), (uint256, uint256, uint256, uint256[]));
        _expectInputs(xs, inner.length);
        uint256 total;
        for (uint256 k; k < inner.length; ++k) {
            _expectSize(xs, k, outer * inner[k]);
            total += inner[k];
        }
        size = outer * total;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        output = _allocate(to - from);
        if (from == to) return (output, size);
        uint256[] memory src = new uint256[](inner.length);
        for (uint256 k; k < inner.length; ++k) {
            // Runs of input k from outer index from / total to (to - 1) / total (whole runs: a
            // bound on what the range reads).
            _need(xs, k, from / total * inner[k], ((to - 1) / total + 1) * inner[k]);
            src[k] = _at(xs, k, 0);
        }
        _gather(src, inner, from, to, _dataAt(output));
    }

    /// @dev Output elements [from, to) (from < to) into memory `dst`: output element i has outer
    ///      index `i / total`, then the runs of each input in turn; input k's values start at
    ///      calldata `src[k]`.
    function _gather(uint256[] memory src, uint256[] memory inner, uint256 from, uint256 to, uint256 dst) private pure {
        uint256 total;
        for (uint256 k; k < inner.length; ++k) {
            total += inner[k];
        }
        uint256 o = from / total;
        uint256 at = o * total; // the next run's first output element
        // Equivalent to: for each outer index o and input k, in order, copy the part of input k's
        // run o (inner[k] values from its element o * inner[k]) inside [from, to). Every position
        // is below the output's or an input's size: nothing overflows.
        assembly ("memory-safe") {
            let inputs := mload(inner)
            for {} lt(at, to) { o := add(o, 1) } {
                for { let k := 0 } lt(k, inputs) { k := add(k, 1) } {
                    let run := mload(add(inner, shl(5, add(k, 1))))
                    let next := add(at, run)
                    let lo := at
                    if lt(lo, from) { lo := from }
                    let hi := next
                    if gt(hi, to) { hi := to }
                    if lt(lo, hi) {
                        let x := add(mload(add(src, shl(5, add(k, 1)))), shl(5, sub(add(mul(o, run), lo), at)))
                        calldatacopy(add(dst, shl(5, sub(lo, from))), x, shl(5, sub(hi, lo)))
                    }
                    at := next
                }
            }
        }
    }
}
