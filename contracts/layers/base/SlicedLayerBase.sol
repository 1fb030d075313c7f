// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./LayerBase.sol";

/// @title SlicedLayerBase
/// @notice A layer that computes any part of its output on its own (the elementwise, merge,
///         padding and pooling layers): `forward` and `forwardSlice` run one `_slice`, `forward`
///         as the slice `[0, size)`, so the two cannot drift apart.
abstract contract SlicedLayerBase is LayerBase {
    /// @notice Runs the layer on its input tensors. See `ILayer.forward`.
    /// @param inputs The layer's input tensors, flattened in C order, fixed point 2^-F.
    /// @param pages  Every weight page of the model.
    /// @return output The output tensor, flattened in C order, fixed point 2^-F.
    function forward(int256[][] calldata inputs, address[] calldata pages)
        external
        view
        returns (int256[] memory output)
    {
        (output,) = _slice(inputs, pages, 0, type(uint256).max);
        _returnValues(output);
    }

    /// @notice Part of the output, `forward(inputs, pages)[start:end]` bit for bit, computing only
    ///         those elements. The range is clamped to the output as a slice is:
    ///         `[min(start, size), max(that, min(end, size)))`.
    /// @param inputs As `forward`.
    /// @param pages  As `forward`.
    /// @param start  First element wanted (flat C-order index into the output).
    /// @param end    One past the last element wanted.
    /// @return output The elements `[start, end)` of the output (clamped), fixed point 2^-F.
    function forwardSlice(int256[][] calldata inputs, address[] calldata pages, uint256 start, uint256 end)
        external
        view
        returns (int256[] memory output)
    {
        (output,) = _slice(inputs, pages, start, end);
        _returnValues(output);
    }

    /// @notice Checks the inputs against the config (the same reverts for any range), then
    ///         computes output elements `[start, end)`, clamped as `forwardSlice` says.
    /// @param inputs The layer's input tensors.
    /// @param pages  Every weight page of the model.
    /// @param start  First element wanted.
    /// @param end    One past the last element wanted.
    /// @return output The clamped range of the output, fixed point 2^-F.
    /// @return size   The number of elements of the whole output.
    function _slice(int256[][] calldata inputs, address[] calldata pages, uint256 start, uint256 end)
        internal
        view
        virtual
        returns (int256[] memory output, uint256 size);

    /// @notice The part of `[start, end)` inside an output of `size` elements.
    /// @param start First element wanted.
    /// @param end   One past the last element wanted.
    /// @param size  Elements in the whole output.
    /// @return from `min(start, size)`.
    /// @return to   `max(from, min(end, size))`: `[from, to)` is empty when `start >= end`.
    function _clamp(uint256 start, uint256 end, uint256 size) internal pure returns (uint256 from, uint256 to) {
        from = start < size ? start : size;
        to = end < size ? end : size;
        if (to < from) to = from;
    }

    /// @notice A new `int256[]` of `count` elements whose values are left as memory holds them:
    ///         for a caller that writes every element (Solidity's `new` would zero them first).
    /// @param count Its length.
    /// @return values The array (length set, elements not cleared).
    function _allocate(uint256 count) internal pure returns (int256[] memory values) {
        // Equivalent to `values = new int256[](count)` without zeroing; count is at most the
        // calldata's size in words, so the size cannot overflow.
        assembly ("memory-safe") {
            values := mload(0x40)
            mstore(values, count)
            mstore(0x40, add(values, shl(5, add(count, 1))))
        }
    }

    /// @notice `values[from:to]` in place: the array header moves to the word before element
    ///         `from` (element `from - 1`, or the length word, is overwritten).
    /// @param values A memory array, not used afterwards.
    /// @param from   First element kept.
    /// @param to     One past the last, `from <= to <= values.length`.
    /// @return part The elements `[from, to)`.
    function _subarray(int256[] memory values, uint256 from, uint256 to) internal pure returns (int256[] memory part) {
        // Equivalent to `part = values[from:to]` (memory slices do not exist in Solidity).
        assembly ("memory-safe") {
            part := add(values, shl(5, from))
            mstore(part, sub(to, from))
        }
    }

    /// @notice Reverts as checked arithmetic does on an overflow, for loops that run unchecked
    ///         and track overflows themselves.
    function _revertOverflow() internal pure {
        // Equivalent to the revert of a checked `+` that overflows.
        assembly ("memory-safe") {
            mstore(0, shl(224, 0x4e487b71)) // Panic(uint256)
            mstore(4, 0x11) // arithmetic overflow
            revert(0, 0x24)
        }
    }

    /// @notice The calldata offset of input `index`'s first value.
    /// @param inputs The layer's input tensors.
    /// @param index  Which input (checked against `inputs.length`).
    /// @return offset Its first value's calldata offset.
    function _valuesAt(int256[][] calldata inputs, uint256 index) internal pure returns (uint256 offset) {
        int256[] calldata x = inputs[index];
        assembly ("memory-safe") {
            offset := x.offset
        }
    }

    /// @notice The memory address of `values[0]`.
    /// @param values A memory array.
    /// @return at Where its first element lives.
    function _dataAt(int256[] memory values) internal pure returns (uint256 at) {
        assembly ("memory-safe") {
            at := add(values, 0x20)
        }
    }
}
