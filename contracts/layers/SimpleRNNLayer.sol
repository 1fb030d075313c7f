// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {RecurrentLayer} from "./base/RecurrentLayer.sol";

/// @title SimpleRNNLayer
/// @notice Keras SimpleRNN: `h = activation(x_t @ kernel + h @ recurrentKernel + bias)`
///         (python/eternal/layers/simple_rnn.py).
contract SimpleRNNLayer is RecurrentLayer {
    function _gates() internal pure override returns (uint256) {
        return 1;
    }

    /// @dev `h[j] = activation(zx[j] + zh[j] + bias[j])`, all 2^-F (checked adds).
    function _step(Config memory c, State memory s) internal pure override {
        uint256 frac = c.fracBits;
        uint256 act = c.activation;
        int256[] memory z = _preActivations(s);
        int256[] memory h = s.h;
        for (uint256 j; j < h.length; ++j) {
            h[j] = _activate(act, z[j], frac);
        }
    }
}
