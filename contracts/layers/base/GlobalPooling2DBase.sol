// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./LayerBase.sol";

/// @title GlobalPooling2DBase
/// @notice One value per channel over all `cells = H * W` positions (keepdims changes only the
///         shape, not the flat values).
abstract contract GlobalPooling2DBase is LayerBase {
    /// @notice The layer config (`abi_config` in python/eternal/layers/global_pooling2d.py).
    struct Config {
        uint256 fracBits;
        uint256 weightBits;
        uint256 cells;
        uint256 channels;
    }

    /// @notice Pools each channel. See `ILayer.forward`.
    /// @return output One value per channel, fixed point 2^-F.
    function forward(int256[][] calldata inputs, address[] calldata)
        external
        view
        returns (int256[] memory output)
    {
        Config memory c = abi.decode(_config(), (Config));
        _expectInputs(inputs, 1);
        _expectSize(inputs, 0, c.cells * c.channels);
        output = new int256[](c.channels);
        for (uint256 ch = 0; ch < c.channels; ++ch) {
            output[ch] = _pool(inputs[0], c.cells, c.channels, ch);
        }
    }

    /// @notice The pooled value of channel `ch` (values `ch`, `ch + channels`, ...).
    /// @param x        The input, (cells, channels) flattened, fixed point 2^-F.
    /// @param cells    Number of cells (height * width).
    /// @param channels Number of channels.
    /// @param ch       The channel to pool.
    function _pool(int256[] calldata x, uint256 cells, uint256 channels, uint256 ch)
        internal
        pure
        virtual
        returns (int256);
}
