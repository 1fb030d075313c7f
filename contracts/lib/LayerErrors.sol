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

/// @notice `forwardWindow` got `offsets` offsets and `sizes` sizes for `inputs` windows: one of
///         each per input.
error WindowCountMismatch(uint256 inputs, uint256 offsets, uint256 sizes);

/// @notice Window `input` holds `length` values from element `offset` of an input of `size`
///         values: it does not fit (`offset + length > size`).
error BadWindow(uint256 input, uint256 offset, uint256 length, uint256 size);

/// @notice The range asked for reads elements `[needLo, needHi)` of input `input`; its window
///         holds only `[haveLo, haveHi)`. Nothing outside a window is ever read.
error WindowTooSmall(uint256 input, uint256 needLo, uint256 needHi, uint256 haveLo, uint256 haveHi);

/// @notice The layer computes from whole inputs only: `forwardWindow` takes whole windows
///         (offset 0, every value) and nothing less.
error WindowUnsupported();

/// @notice A direct call of a layer implementation (the model's, past the clone's proxy) must end
///         with the address of a clone of that implementation, whose config it reads; `source` is not one.
error NotAClone(address source);
