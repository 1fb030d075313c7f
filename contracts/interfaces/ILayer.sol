// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ILayer
/// @notice One layer of an Eternal model: a clone (Solady `LibClone`, immutable args) of a
///         per-type implementation, configured by its ABI-encoded config (docs/CONTRACTS.md).
interface ILayer {
    /// @notice Runs the layer on its input tensors.
    /// @param inputs The layer's input tensors, each flattened in C order (channels last,
    ///        no batch axis), fixed point with F = activationFracBits fractional bits (2^-F scale).
    /// @param pages  Every weight page of the model, in order (SSTORE2 data contracts; page byte
    ///        i at code offset i + 1). Read them with `WeightPages`.
    /// @return output The output tensor, flattened in C order, fixed point 2^-F.
    function forward(int256[][] calldata inputs, address[] calldata pages)
        external
        view
        returns (int256[] memory output);

    /// @notice Part of the output: `forward(inputs, pages)[start:end]`, bit for bit, and the
    ///         output's full length. For staged inference (`IEternalModel.runSlice`).
    /// @dev The range is clamped to the output, `[min(start, size), max(that, min(end, size)))`,
    ///      so the caller learns `size` even from a range past the end (and checks it). The
    ///      default (`LayerBase`) runs `forward` in full; Conv2D and DepthwiseConv2D compute only
    ///      the output positions the range covers.
    /// @param inputs As `forward`.
    /// @param pages  As `forward`.
    /// @param start  First element wanted (flat C-order index into the output).
    /// @param end    One past the last element wanted.
    /// @return output The elements `[start, end)` of the output (clamped), fixed point 2^-F.
    /// @return size   The number of elements of the whole output.
    function forwardSlice(int256[][] calldata inputs, address[] calldata pages, uint256 start, uint256 end)
        external
        view
        returns (int256[] memory output, uint256 size);
}
