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
}
