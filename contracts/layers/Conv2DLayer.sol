// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {WeightPages} from "../lib/WeightPages.sol";
import {SpatialBase} from "./base/SpatialBase.sol";
import {KernelSizeMismatch, UnsupportedWeightBits} from "../lib/LayerErrors.sol";

/// @title Conv2DLayer
/// @notice Keras Conv2D (channels last, no dilation, 'valid' or 'same' padding):
///         `activation(rescale(sum x * kernel, F + kernelFrac, F) + rescale(bias, biasFrac, F))`.
/// @dev The kernel is `blocked` (docs/FORMAT.md): for each block of E = 256/L filters, one
///      32-byte word per kernel row r = (dy * KW + dx) * C + c. Each block is streamed into one
///      reused buffer and expanded once into signed SWAR lanes, its real filters only (the last
///      block's padding lanes are dropped: `SpatialBase._fit`, `_expand`); for every
///      output position the rows under the window form up to KH contiguous runs (of the input
///      and of the block alike), summed by the SWAR loop of `SpatialBase._accumulate`. Padded
///      cells are skipped, not multiplied by zero.
contract Conv2DLayer is SpatialBase {
    /// @notice The layer config (`abi_config` in python/eternal/layers/conv2d.py).
    struct Config {
        uint256 fracBits; // F, activations' fractional bits
        uint256 weightBits; // L: 8, 16 or 32
        uint256 height;
        uint256 width;
        uint256 channels;
        uint256 kernelHeight;
        uint256 kernelWidth;
        uint256 filters;
        uint256 strideY;
        uint256 strideX;
        uint256 padTop;
        uint256 padLeft;
        uint256 outHeight;
        uint256 outWidth;
        uint256 activation;
        WeightTensor kernel;
        WeightTensor bias;
    }

    /// @notice Runs the convolution. See `ILayer.forward`.
    /// @dev Reverts `ActivationsTooLarge` only when no 256-bit slot holds the exact sums
    ///      (max|x| * rows * 2^(L-1) >= 2^254), which no real model reaches; `KernelSizeMismatch`
    ///      when the config's kernel is not `blocks * rows * 32` bytes.
    /// @param inputs One image (height, width, channels), flattened, fixed point 2^-F.
    /// @param pages  Every weight page of the model, in order (SSTORE2 data contracts).
    /// @return output (outHeight, outWidth, filters), flattened, fixed point 2^-F.
    function forward(int256[][] calldata inputs, address[] calldata pages)
        external
        view
        returns (int256[] memory output)
    {
        Config memory c = abi.decode(_config(), (Config));
        _expectInputs(inputs, 1);
        _expectSize(inputs, 0, c.height * c.width * c.channels);
        int256[] calldata x = inputs[0];
        output = new int256[](c.outHeight * c.outWidth * c.filters);
        _convolve(c, x, pages, output);
        _finishSums(pages, output, c.fracBits, c.weightBits, c.kernel.fracBits, c.bias, c.filters, c.activation);
        _returnValues(output);
    }

    /// @dev The exact sums `sum x q` of every output, block by block of E filters.
    function _convolve(Config memory c, int256[] calldata x, address[] calldata pages, int256[] memory output)
        private
        view
    {
        if (c.weightBits != 8 && c.weightBits != 16 && c.weightBits != 32) revert UnsupportedWeightBits(c.weightBits);
        uint256 rows = c.kernelHeight * c.kernelWidth * c.channels;
        uint256 perWord = 256 / c.weightBits;
        uint256 expected = (c.filters + perWord - 1) / perWord * rows * 32;
        if (c.kernel.size != expected) revert KernelSizeMismatch(c.kernel.offset, expected, c.kernel.size);
        Swar memory s = _swar(c.weightBits, x, rows);
        _fit(s, _min(perWord, c.filters)); // the first block has the most groups
        bytes memory raw = new bytes(rows * 32);
        Run memory run = _newRun(c, x, output, new bytes(rows * 32 * s.groups));
        for (uint256 k = 0; k * perWord < c.filters; ++k) {
            _block(c, pages, s, run, raw, k);
        }
    }

    /// @dev Block `k`: up to E filters, `rows` words, streamed into the reused buffer `raw`,
    ///      expanded, then multiplied at every output position.
    function _block(Config memory c, address[] calldata pages, Swar memory s, Run memory run, bytes memory raw, uint256 k)
        private
        view
    {
        uint256 rows = raw.length / 32;
        WeightPages.readInto(pages, c.kernel.offset + k * raw.length, raw);
        uint256 rawData;
        assembly ("memory-safe") {
            rawData := add(raw, 0x20)
        }
        uint256 perWord = 256 / c.weightBits;
        run.firstFilter = k * perWord;
        _fit(s, _min(perWord, c.filters - run.firstFilter));
        run.weightStep = c.kernelWidth * run.rowBytes * s.groups;
        _expand(rawData, run.weightBase, rows, s, c.weightBits);
        for (uint256 oy = 0; oy < c.outHeight; ++oy) {
            for (uint256 ox = 0; ox < c.outWidth; ++ox) {
                _position(c, s, run, oy, ox);
            }
        }
    }

    /// @dev The per-call constants of the SWAR kernel (see `SpatialBase.Run`; `_block` sets the
    ///      per-block ones).
    function _newRun(Config memory c, int256[] calldata x, int256[] memory output, bytes memory expanded)
        private
        pure
        returns (Run memory run)
    {
        run.rowBytes = c.channels * 32;
        run.inputStep = c.width * run.rowBytes;
        uint256 inputBase;
        uint256 weightBase;
        uint256 outputBase;
        assembly ("memory-safe") {
            inputBase := x.offset
            weightBase := add(expanded, 0x20)
            outputBase := add(output, 0x20)
        }
        run.inputBase = inputBase;
        run.weightBase = weightBase;
        run.outputBase = outputBase;
    }

    /// @dev One output position: the window's rows inside the input form `count` runs of
    ///      `(dx1 - dx0) C` contiguous rows, in the input and in the block alike.
    function _position(Config memory c, Swar memory s, Run memory run, uint256 oy, uint256 ox) private pure {
        (uint256 xStart, uint256 wStart, uint256 count) = _window(c, run, s, oy, ox);
        unchecked {
            // The position's first output: output[(oy OW + ox) filters], inside the output.
            run.outputRow = run.outputBase + (oy * c.outWidth + ox) * c.filters * 32;
            // pass < passes <= 8; each pass starts 4 expanded words (128 bytes) further.
            for (uint256 pass = 0; pass < s.passes; ++pass) {
                _accumulate(run, s, xStart, wStart + pass * 128, count, pass);
            }
        }
    }

    /// @dev Clips the window of output (oy, ox) to the input: sets `run.length` and returns the
    ///      first run's input offset and expanded-weight address, and the number of runs.
    function _window(Config memory c, Run memory run, Swar memory s, uint256 oy, uint256 ox)
        private
        pure
        returns (uint256 xStart, uint256 wStart, uint256 count)
    {
        unchecked {
            // Geometry values are small (the tensors fit in memory), so the int256 casts are
            // exact; the window is clipped to the input, so every pointer stays inside the
            // input and the expanded block.
            {
                (uint256 dy0, uint256 dy1, int256 iy) = _clip(oy * c.strideY, c.padTop, c.kernelHeight, c.height);
                count = dy1 - dy0;
                xStart = uint256(iy + int256(dy0)) * c.width; // first input row's pixel index
                wStart = dy0 * c.kernelWidth; // first kernel row's tap index
            }
            (uint256 dx0, uint256 dx1, int256 ix) = _clip(ox * c.strideX, c.padLeft, c.kernelWidth, c.width);
            run.length = (dx1 - dx0) * run.rowBytes;
            xStart = run.inputBase + (xStart + uint256(ix + int256(dx0))) * run.rowBytes;
            wStart = run.weightBase + (wStart + dx0) * run.rowBytes * s.groups;
        }
    }
}
