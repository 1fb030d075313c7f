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

    /// @notice Part of the output from part of the inputs: `forward(full inputs, pages)[start:end]`,
    ///         bit for bit, where `inputs[k]` holds only elements `[offsets[k], offsets[k] +
    ///         inputs[k].length)` of input k, whose full length is `sizes[k]`. For staged inference
    ///         of layers whose inputs are too large for one call (`IEternalModel.runWindow`).
    /// @dev The range is clamped as `forwardSlice` says. Reverts `WindowTooSmall(input, needLo,
    ///      needHi, haveLo, haveHi)` when a window does not hold every element the range reads
    ///      (nothing outside a window is ever read), `BadWindow` when a window does not fit its
    ///      input's size, `WindowCountMismatch` unless there is one offset and size per input.
    ///      The default (`LayerBase`) takes whole windows only (else `WindowUnsupported()`);
    ///      the elementwise, merge, padding, pooling and convolution layers take any window.
    /// @param inputs  Each input's window, flattened in C order, fixed point 2^-F.
    /// @param offsets Element of its input where each window starts.
    /// @param sizes   Each input's full length, in elements.
    /// @param pages   As `forward`.
    /// @param start   First element wanted (flat C-order index into the output).
    /// @param end     One past the last element wanted.
    /// @return output The elements `[start, end)` of the output (clamped), fixed point 2^-F.
    /// @return size   The number of elements of the whole output.
    function forwardWindow(
        int256[][] calldata inputs,
        uint256[] calldata offsets,
        uint256[] calldata sizes,
        address[] calldata pages,
        uint256 start,
        uint256 end
    ) external view returns (int256[] memory output, uint256 size);
}
