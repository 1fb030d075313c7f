// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PackedTensor} from "../lib/PackedTensor.sol";

/// @title PackedTensorHarness
/// @notice Test-only: exposes `PackedTensor` and the gas of each call.
contract PackedTensorHarness {
    /// @notice `PackedTensor.pack(values)` and the gas it took (memory expansion included).
    /// @param values Any int256 values.
    /// @return packed  The packed tensor.
    /// @return gasUsed Gas of the library call.
    function pack(int256[] calldata values) external view returns (bytes memory packed, uint256 gasUsed) {
        int256[] memory copy = values;
        gasUsed = gasleft();
        packed = PackedTensor.pack(copy);
        gasUsed -= gasleft();
    }

    /// @notice `PackedTensor.width(values)`.
    /// @param values Any int256 values.
    /// @return The smallest width in bytes.
    function width(int256[] calldata values) external pure returns (uint256) {
        return PackedTensor.width(values);
    }

    /// @notice `PackedTensor.unpack(packed)` (calldata) and the gas it took (memory expansion included).
    /// @param packed A packed tensor.
    /// @return values  Its values.
    /// @return gasUsed Gas of the library call.
    function unpack(bytes calldata packed) external view returns (int256[] memory values, uint256 gasUsed) {
        gasUsed = gasleft();
        values = PackedTensor.unpack(packed);
        gasUsed -= gasleft();
    }

    // solhint-disable gas-calldata-parameters
    // `memory` on purpose: this exposes the memory-bytes unpack.

    /// @notice `PackedTensor.unpackMemory(packed)`.
    /// @param packed A packed tensor.
    /// @return values Its values.
    function unpackMemory(bytes memory packed) external pure returns (int256[] memory values) {
        return PackedTensor.unpackMemory(packed);
    }

    // solhint-enable gas-calldata-parameters

    /// @notice `PackedTensor.isWellFormed(packed)`.
    /// @param packed Any bytes.
    /// @return Whether they are a packed tensor.
    function isWellFormed(bytes calldata packed) external pure returns (bool) {
        return PackedTensor.isWellFormed(packed);
    }
}
