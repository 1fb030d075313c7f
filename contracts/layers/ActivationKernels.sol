// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ExtendedActivations} from "../lib/ExtendedActivations.sol";

/// @title ActivationKernels
/// @notice The extended activations (codes 6 and up, `ExtendedActivations`) for the layers whose own
///         bytecode has no room for them: each such implementation creates one in its constructor
///         (`CreatesActivationKernels`, its first creation, so at the CREATE address of its nonce 1)
///         and `Activations.activate` calls it there.
/// @dev Calldata: `abi.encodePacked(uint256 kind, uint256 frac | axis << 128, int256[] values)`
///      (`kind` a code or an elu word with its alpha, `axis` the last axis's length, for
///      log_softmax: `ExtendedActivations.applyKindInPlace`); returns the activated values, packed
///      the same way (32 bytes each). Stateless.
contract ActivationKernels {
    /// @notice The calldata is not two header words and whole 32-byte values.
    error BadKernelCall(uint256 size);

    // solhint-disable no-complex-fallback
    /// @notice Activation `kind` of the values after the 64-byte header, fixed point 2^-frac.
    /// @dev A fallback, not a named function: its callers send the values in place, no selector.
    fallback() external {
        if (msg.data.length < 64 || msg.data.length % 32 != 0) revert BadKernelCall(msg.data.length);
        uint256 at;
        uint256 end;
        uint256 kind;
        uint256 frac;
        // Equivalent to `(kind, frac) = abi.decode(msg.data[:64])` and a fresh memory copy of the rest.
        assembly ("memory-safe") {
            kind := calldataload(0)
            frac := calldataload(0x20)
            at := mload(0x40)
            end := add(at, sub(calldatasize(), 0x40))
            calldatacopy(at, 0x40, sub(calldatasize(), 0x40))
            mstore(0x40, end)
        }
        ExtendedActivations.applyKindInPlace(at, end, kind, frac);
        assembly ("memory-safe") {
            return(at, sub(end, at))
        }
    }
    // solhint-enable no-complex-fallback
}
