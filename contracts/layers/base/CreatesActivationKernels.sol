// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ActivationKernels} from "../ActivationKernels.sol";

/// @title CreatesActivationKernels
/// @notice Base of the layer implementations whose activations may be extended ones: their
///         constructor creates their `ActivationKernels` as their first creation (nonce 1), where
///         `Activations.activate` finds it from the implementation's address alone (no storage, no
///         immutable: the runtime code stays the artifact's).
abstract contract CreatesActivationKernels {
    constructor() {
        new ActivationKernels();
    }
}
