// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixed, FixedMath} from "../lib/FixedMath.sol";
import {Activations} from "../lib/Activations.sol";

/// @title FixedHarness
/// @notice Test-only: exposes `FixedMath` and `Activations` so tests can compare them with
///         `python/eternal/activations.py` (fixture `test/fixtures/numbers/activations.json`).
contract FixedHarness {
    function rescale(int256 v, int256 fromFrac, int256 toFrac) external pure returns (int256) {
        return FixedMath.rescaleInt(v, fromFrac, toFrac);
    }

    function exp(int256 x, uint256 frac) external pure returns (int256) {
        return Fixed.unwrap(Fixed.wrap(x).exp(frac));
    }

    function sigmoid(int256 x, uint256 frac) external pure returns (int256) {
        return Fixed.unwrap(Fixed.wrap(x).sigmoid(frac));
    }

    function tanh(int256 x, uint256 frac) external pure returns (int256) {
        return Fixed.unwrap(Fixed.wrap(x).tanh(frac));
    }

    function add(int256 a, int256 b) external pure returns (int256) {
        return Fixed.unwrap(Fixed.wrap(a) + Fixed.wrap(b));
    }

    function activate(int256[] memory x, uint256 kind, uint256 frac, uint256 axis) external pure returns (int256[] memory) {
        Activations.activate(x, kind, frac, axis);
        return x;
    }

    function leakyRelu(int256[] memory x, int256 q, int256 qFrac, uint256 frac) external pure returns (int256[] memory) {
        Activations.leakyRelu(x, q, qFrac, frac);
        return x;
    }

    /// @notice Gas of one `exp`, `sigmoid` or `tanh` (kind 0, 1, 2) call, for reports.
    function gasOf(uint256 kind, int256 x, uint256 frac) external view returns (uint256 used) {
        uint256 start = gasleft();
        if (kind == 0) Fixed.wrap(x).exp(frac);
        else if (kind == 1) Fixed.wrap(x).sigmoid(frac);
        else Fixed.wrap(x).tanh(frac);
        used = start - gasleft();
    }
}
