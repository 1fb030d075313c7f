// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Activations} from "../lib/Activations.sol";

/// @title BareActivationHarness
/// @notice `Activations.activate` in a contract that created no `ActivationKernels`: an extended
///         code reverts `ActivationKernelsMissing` (test/lib/Activations.test.js).
contract BareActivationHarness {
    // solhint-disable gas-calldata-parameters
    /// @notice `Activations.activate(x, kind, frac, axis)`; returns `x` after it.
    /// @param x    Fixed point 2^-frac.
    /// @param kind An activation code.
    /// @param frac F.
    /// @param axis Softmax's run length.
    function activate(int256[] memory x, uint256 kind, uint256 frac, uint256 axis) external view returns (int256[] memory) {
        Activations.activate(x, kind, frac, axis);
        return x;
    }
    // solhint-enable gas-calldata-parameters
}
