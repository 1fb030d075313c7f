// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./LayerBase.sol";
import {ILayer} from "../../interfaces/ILayer.sol";

/// @title SlicedLayerBase
/// @notice A layer that computes any part of its output on its own (the elementwise, merge,
///         padding and pooling layers), instead of LayerBase's default (all of `forward`, then
///         the range copied): `forward`, `forwardSlice` and `forwardWindow` run one `_slice`,
///         `forward` as the slice `[0, size)` of whole inputs, so they cannot drift apart.
abstract contract SlicedLayerBase is LayerBase {
    /// @inheritdoc ILayer
    /// @dev The slice `[0, size)` of whole inputs.
    function forward(int256[][] calldata inputs, address[] calldata pages)
        external
        view
        returns (int256[] memory output)
    {
        (output,) = _slice(_whole(inputs), pages, 0, type(uint256).max);
        _returnValues(output);
    }

    /// @inheritdoc ILayer
    /// @dev Computes only the elements of the range (the same loop as `forward`).
    function forwardSlice(int256[][] calldata inputs, address[] calldata pages, uint256 start, uint256 end)
        external
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        (output, size) = _slice(_whole(inputs), pages, start, end);
        _returnSlice(output, size);
    }

    /// @inheritdoc ILayer
    /// @dev The same `_slice` as `forward`, on the windows.
    function forwardWindow(
        int256[][] calldata inputs,
        uint256[] calldata offsets,
        uint256[] calldata sizes,
        address[] calldata pages,
        uint256 start,
        uint256 end
    ) external view override returns (int256[] memory output, uint256 size) {
        (output, size) = _slice(_windows(inputs, offsets, sizes), pages, start, end);
        _returnSlice(output, size);
    }

    /// @notice Checks the inputs against the config (the same reverts for any range), then
    ///         computes output elements `[start, end)`, clamped as `forwardSlice` says
    ///         (`_sliceBounds`). An arithmetic revert (an int256 overflow) comes from the
    ///         elements it concerns: a slice reverts iff it holds one. Reads input elements only
    ///         through `_at`, after `_need` for the part of each input the range reads.
    /// @param xs     The layer's inputs (whole, or windows of them).
    /// @param pages  Every weight page of the model.
    /// @param start  First element wanted.
    /// @param end    One past the last element wanted.
    /// @return output The clamped range of the output, fixed point 2^-F.
    /// @return size   The number of elements of the whole output.
    function _slice(Input[] memory xs, address[] calldata pages, uint256 start, uint256 end)
        internal
        view
        virtual
        returns (int256[] memory output, uint256 size);

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

    /// @notice The memory address of `values[0]`.
    /// @param values A memory array.
    /// @return at Where its first element lives.
    function _dataAt(int256[] memory values) internal pure returns (uint256 at) {
        assembly ("memory-safe") {
            at := add(values, 0x20)
        }
    }
}
