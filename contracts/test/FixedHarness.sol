// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixed, FixedMath} from "../lib/FixedMath.sol";
import {Activations} from "../lib/Activations.sol";
import {FixedLog} from "../lib/FixedLog.sol";
import {CreatesActivationKernels} from "../layers/base/CreatesActivationKernels.sol";

/// @title FixedHarness
/// @notice Test-only: exposes `FixedMath` and `Activations` so tests can compare them with
///         `python/eternal/activations.py` (fixture `test/fixtures/numbers/activations.json`).
contract FixedHarness is CreatesActivationKernels {
    /// @notice `FixedMath.rescaleInt(v, fromFrac, toFrac)`.
    /// @param v        Fixed point 2^-fromFrac.
    /// @param fromFrac Its frac bits.
    /// @param toFrac   The result's frac bits.
    function rescale(int256 v, int256 fromFrac, int256 toFrac) external pure returns (int256) {
        return FixedMath.rescaleInt(v, fromFrac, toFrac);
    }

    /// @notice `FixedMath.exp(x, frac)`.
    /// @param x    Fixed point 2^-frac.
    /// @param frac F, at most 64.
    function exp(int256 x, uint256 frac) external pure returns (int256) {
        return Fixed.unwrap(Fixed.wrap(x).exp(frac));
    }

    /// @notice `FixedLog.lnQ64(u)`.
    /// @param u Q64, at least 2^64.
    function lnQ64(uint256 u) external pure returns (int256) {
        return FixedLog.lnQ64(u);
    }

    /// @notice `FixedMath.sigmoid(x, frac)`.
    /// @param x    Fixed point 2^-frac.
    /// @param frac F, at most 64.
    function sigmoid(int256 x, uint256 frac) external pure returns (int256) {
        return Fixed.unwrap(Fixed.wrap(x).sigmoid(frac));
    }

    /// @notice `FixedMath.tanh(x, frac)`.
    /// @param x    Fixed point 2^-frac.
    /// @param frac F, at most 64.
    function tanh(int256 x, uint256 frac) external pure returns (int256) {
        return Fixed.unwrap(Fixed.wrap(x).tanh(frac));
    }

    /// @notice `a + b` through `Fixed`'s global `+` (checked).
    /// @param a Fixed point, any scale.
    /// @param b On the scale of `a`.
    function add(int256 a, int256 b) external pure returns (int256) {
        return Fixed.unwrap(Fixed.wrap(a) + Fixed.wrap(b));
    }

    // solhint-disable gas-calldata-parameters
    // `x` is in memory because the library functions below update it in place.

    /// @notice `Activations.activate(x, kind, frac, axis)`; returns `x` after it.
    /// @param x    Fixed point 2^-frac.
    /// @param kind An `Activations` code.
    /// @param frac F.
    /// @param axis Softmax run length.
    function activate(int256[] memory x, uint256 kind, uint256 frac, uint256 axis) external view returns (int256[] memory) {
        Activations.activate(x, kind, frac, axis);
        return x;
    }

    /// @notice Gas of `Activations.activate(x, kind, frac, axis)` alone (for bench/gas_activations.js:
    ///         codes 6 and up call this harness's ActivationKernels, as Dense and Conv2D do).
    /// @param x    Fixed point 2^-frac.
    /// @param kind An activation code.
    /// @param frac F.
    /// @param axis Softmax's run length.
    /// @return used Gas the call took.
    function activateGas(int256[] memory x, uint256 kind, uint256 frac, uint256 axis) external view returns (uint256 used) {
        uint256 start = gasleft();
        Activations.activate(x, kind, frac, axis);
        used = start - gasleft();
    }

    /// @notice `Activations.leakyRelu(x, q, qFrac, frac)`; returns `x` after it.
    /// @param x     Fixed point 2^-frac.
    /// @param q     The slope's multiplier (slope `q * 2^-qFrac`).
    /// @param qFrac The slope's frac bits.
    /// @param frac  F.
    function leakyRelu(int256[] memory x, int256 q, int256 qFrac, uint256 frac) external pure returns (int256[] memory) {
        Activations.leakyRelu(x, q, qFrac, frac);
        return x;
    }

    // solhint-enable gas-calldata-parameters

    /// @notice Gas of one `exp`, `sigmoid` or `tanh` (kind 0, 1, 2) call, for reports.
    /// @param kind 0: exp, 1: sigmoid, 2: tanh.
    /// @param x    Fixed point 2^-frac.
    /// @param frac F.
    /// @return used Gas the call took.
    function gasOf(uint256 kind, int256 x, uint256 frac) external view returns (uint256 used) {
        uint256 start = gasleft();
        if (kind == 0) Fixed.wrap(x).exp(frac);
        else if (kind == 1) Fixed.wrap(x).sigmoid(frac);
        else Fixed.wrap(x).tanh(frac);
        used = start - gasleft();
    }
}
