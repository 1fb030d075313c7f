// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./LayerBase.sol";

/// @title Pooling2DBase
/// @notice What MaxPooling2D, AveragePooling2D and MaxPooling1D share: windows of
///         `poolHeight x poolWidth` cells every `strideY, strideX`, clipped to the input
///         (with 'same' padding the padded cells are skipped, as Keras does).
abstract contract Pooling2DBase is LayerBase {
    /// @notice The layer config (`abi_config` in python/eternal/layers/pooling2d_base.py).
    struct Config {
        uint256 fracBits;
        uint256 weightBits;
        uint256 height;
        uint256 width;
        uint256 channels;
        uint256 poolHeight;
        uint256 poolWidth;
        uint256 strideY;
        uint256 strideX;
        uint256 padTop;
        uint256 padLeft;
        uint256 outHeight;
        uint256 outWidth;
    }

    /// @notice A window of the input, clipped: rows `[y0, y1)`, columns `[x0, x1)`.
    struct Window {
        uint256 y0;
        uint256 y1;
        uint256 x0;
        uint256 x1;
    }

    /// @notice Pools every window. See `ILayer.forward`.
    /// @return output (outHeight, outWidth, channels), flattened, fixed point 2^-F.
    function forward(int256[][] calldata inputs, address[] calldata)
        external
        view
        returns (int256[] memory output)
    {
        Config memory c = abi.decode(_config(), (Config));
        _expectInputs(inputs, 1);
        _expectSize(inputs, 0, c.height * c.width * c.channels);
        output = new int256[](c.outHeight * c.outWidth * c.channels);
        Window memory w;
        int256[] calldata x = inputs[0];
        uint256 xBase; // calldata offset of x[0]
        uint256 out; // memory address of the current position's first output
        assembly ("memory-safe") {
            xBase := x.offset
            out := add(output, 0x20)
        }
        unchecked {
            // Geometry values are small and the window is clipped to the input, so the int256
            // casts are exact and every pointer stays inside the input and the output.
            for (uint256 oy = 0; oy < c.outHeight; ++oy) {
                int256 top = int256(oy * c.strideY) - int256(c.padTop);
                w.y0 = top < 0 ? 0 : uint256(top);
                w.y1 = uint256(_minInt(top + int256(c.poolHeight), int256(c.height)));
                for (uint256 ox = 0; ox < c.outWidth; ++ox) {
                    int256 left = int256(ox * c.strideX) - int256(c.padLeft);
                    w.x0 = left < 0 ? 0 : uint256(left);
                    w.x1 = uint256(_minInt(left + int256(c.poolWidth), int256(c.width)));
                    _pool(xBase, c, w, out);
                    out += c.channels * 32;
                }
            }
        }
    }

    /// @notice Pools every channel of window `w` (at least one cell) into the C values at
    ///         memory `out`.
    /// @param xBase calldata offset of the input's first value.
    /// @param c     The layer config.
    /// @param w     The window, clipped to the input.
    /// @param out   Memory address of the window's first output.
    function _pool(uint256 xBase, Config memory c, Window memory w, uint256 out) internal pure virtual;

    function _minInt(int256 a, int256 b) private pure returns (int256) {
        return a < b ? a : b;
    }
}
