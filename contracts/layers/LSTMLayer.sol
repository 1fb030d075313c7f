// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {RecurrentLayer} from "./base/RecurrentLayer.sol";

/// @title LSTMLayer
/// @notice Keras LSTM, gate order i, f, c, o (python/eternal/layers/lstm.py):
///         `z = x_t @ kernel + h @ recurrentKernel + bias`, `i, f, o = recurrentActivation(z_i, z_f, z_o)`,
///         `g = activation(z_c)`, `c = rescale(f*c + i*g, 2F, F)`, `h = rescale(o * activation(c), 2F, F)`.
contract LSTMLayer is RecurrentLayer {
    function _gates() internal pure override returns (uint256) {
        return 4;
    }

    function _hasCell() internal pure override returns (bool) {
        return true;
    }

    /// @dev Unit by unit; every value is 2^-F, products of two are rescaled from 2F (checked).
    function _step(Config memory c, State memory s) internal pure override {
        uint256 u = c.units;
        uint256 frac = c.fracBits;
        uint256 gate = c.recurrentActivation;
        uint256 act = c.activation;
        int256[] memory z = _preActivations(s);
        int256[] memory cell = s.cell;
        int256[] memory h = s.h;
        for (uint256 j; j < u; ++j) {
            int256 next = _cellUpdate(z, cell, j, u, gate, act, frac);
            h[j] = _mul(_activate(gate, z[3 * u + j], frac), _activate(act, next, frac), frac);
        }
    }

    /// @dev `c[j] = rescale(f*c[j] + i*g, 2F, F)` (one rounding for both products, as the
    ///      emulator), with `i, f = recurrentActivation(z_i, z_f)` and `g = activation(z_c)`.
    function _cellUpdate(
        int256[] memory z,
        int256[] memory cell,
        uint256 j,
        uint256 u,
        uint256 gate,
        uint256 act,
        uint256 frac
    ) private pure returns (int256 next) {
        int256 i = _activate(gate, z[j], frac);
        int256 f = _activate(gate, z[u + j], frac);
        int256 g = _activate(act, z[2 * u + j], frac);
        next = _mulAdd(f, cell[j], i, g, frac);
        cell[j] = next;
    }
}
