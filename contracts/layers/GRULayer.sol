// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {RecurrentLayer} from "./base/RecurrentLayer.sol";

/// @title GRULayer
/// @notice Keras GRU with `reset_after=True`, gate order z, r, h (python/eternal/layers/gru.py):
///         `xz = x_t @ kernel + b_in`, `hz = h @ recurrentKernel + b_rec`,
///         `z, r = recurrentActivation(xz + hz)`, `hh = activation(xz_h + rescale(r * hz_h, 2F, F))`,
///         `h = rescale(z * h + (2^F - z) * hh, 2F, F)`.
contract GRULayer is RecurrentLayer {
    function _gates() internal pure override returns (uint256) {
        return 3;
    }

    /// @dev Bias (2, 3 units): the input bias, then the recurrent bias.
    function _biasRows() internal pure override returns (uint256) {
        return 2;
    }

    /// @dev Unit by unit; every value is 2^-F, products of two are rescaled from 2F (checked).
    function _step(Config memory c, State memory s) internal pure override {
        uint256 u = c.units;
        uint256 frac = c.fracBits;
        int256[] memory xz = _withBias(s.zx, s.bias, 0); // x_t @ kernel + b_in
        int256[] memory hz = _withBias(s.zh, s.bias, 3 * u); // h @ recurrentKernel + b_rec
        int256[] memory h = s.h;
        for (uint256 j; j < u; ++j) {
            int256 z = _activate(c.recurrentActivation, xz[j] + hz[j], frac);
            int256 hh = _candidate(c, xz, hz, j, frac);
            // One rounding for the blend, as the emulator: rescale(z*h + (1-z)*hh, 2F, F).
            h[j] = _mulAdd(z, h[j], int256(1 << frac) - z, hh, frac);
        }
    }

    /// @dev `hh = activation(xz_h + rescale(r * hz_h, 2F, F))` with `r = recurrentActivation(xz_r + hz_r)`.
    function _candidate(Config memory c, int256[] memory xz, int256[] memory hz, uint256 j, uint256 frac)
        private
        pure
        returns (int256)
    {
        uint256 u = c.units;
        int256 r = _activate(c.recurrentActivation, xz[u + j] + hz[u + j], frac);
        uint256 k = 2 * u + j;
        return _activate(c.activation, xz[k] + _mul(r, hz[k], frac), frac);
    }

    /// @dev `v[k] += bias[first + k]` for every k, in place (checked adds); returns `v`.
    function _withBias(int256[] memory v, int256[] memory bias, uint256 first)
        private
        pure
        returns (int256[] memory)
    {
        for (uint256 k; k < v.length; ++k) {
            v[k] = v[k] + bias[first + k];
        }
        return v;
    }
}
