// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./base/LayerBase.sol";

/// @title ZeroPadding2DLayer
/// @notice Keras ZeroPadding2D: `top`/`bottom` rows and `left`/`right` columns of zeros.
contract ZeroPadding2DLayer is LayerBase {
    /// @notice The layer config (`abi_config` in python/eternal/layers/zero_padding2d.py).
    struct Config {
        uint256 fracBits;
        uint256 weightBits;
        uint256 height;
        uint256 width;
        uint256 channels;
        uint256 top;
        uint256 bottom;
        uint256 left;
        uint256 right;
    }

    /// @notice Pads the image. See `ILayer.forward`.
    /// @return output (height + top + bottom, width + left + right, channels), flattened, 2^-F.
    function forward(int256[][] calldata inputs, address[] calldata)
        external
        view
        returns (int256[] memory output)
    {
        Config memory c = abi.decode(_config(), (Config));
        _expectInputs(inputs, 1);
        _expectSize(inputs, 0, c.height * c.width * c.channels);
        uint256 outWidth = c.left + c.width + c.right;
        output = new int256[]((c.top + c.height + c.bottom) * outWidth * c.channels);
        uint256 rowBytes = c.width * c.channels * 32;
        int256[] calldata x = inputs[0];
        uint256 start;
        assembly ("memory-safe") {
            start := x.offset
        }
        for (uint256 y = 0; y < c.height; ++y) {
            uint256 from;
            uint256 to;
            unchecked {
                // Row y of the input lands at row top + y, column left of the output: in range.
                from = start + y * rowBytes;
                to = 32 + ((c.top + y) * outWidth + c.left) * c.channels * 32;
            }
            // Equivalent to `output[(top + y, left + i)] = x[(y, i)]` for the row's values.
            assembly ("memory-safe") {
                calldatacopy(add(output, to), from, rowBytes)
            }
        }
    }
}
