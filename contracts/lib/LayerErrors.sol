// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// The custom errors that more than one layer contract or library raises, declared once as
// file-level errors (as `FixedMath.sol` declares its own, and PRBMath its `Errors.sol`); errors of a
// single contract stay in it. A contract that reverts with one lists it in its ABI, so selectors
// and revert decoding are unchanged.

/// @notice The config's weight width `bits` is not 8, 16 or 32.
error UnsupportedWeightBits(uint256 bits);

/// @notice The blocked kernel at `offset` has `actual` stored bytes; the layer's shape (its rows
///         and outputs, docs/FORMAT.md `blocked`) needs `expected`.
error KernelSizeMismatch(uint256 offset, uint256 expected, uint256 actual);
