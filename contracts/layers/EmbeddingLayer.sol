// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FixedMath} from "../lib/FixedMath.sol";
import {WeightPages} from "../lib/WeightPages.sol";
import {LayerBase} from "./base/LayerBase.sol";
import {UnsupportedWeightBits} from "../lib/LayerErrors.sol";

/// @title EmbeddingLayer
/// @notice Keras Embedding: each input id selects one row of the table (python/eternal/layers/embedding.py).
/// @dev The input is fixed point like any activation (`id * 2^F`); the id is `rescale(x, F, 0)`
///      (round half up). Only the rows asked for are read from the pages, one reused buffer.
contract EmbeddingLayer is LayerBase {
    /// @notice The layer config (`abi_config` in python/eternal/layers/embedding.py).
    struct Config {
        uint256 fracBits; // F, activations' fractional bits
        uint256 weightBits; // L: 8, 16 or 32
        uint256 inputDim; // vocabulary size
        uint256 outputDim; // values per row
        WeightTensor embeddings; // (inputDim, outputDim), plain
    }

    /// @notice Input `position` reads as id `id`; ids must be in [0, inputDim).
    error EmbeddingIdOutOfRange(uint256 position, int256 id, uint256 inputDim);
    /// @notice The table holds `actual` bytes; (inputDim, outputDim) at the weight width needs `expected`.
    error EmbeddingTableTooSmall(uint256 expected, uint256 actual);

    /// @notice Looks up every input id. See `ILayer.forward`.
    /// @param inputs One tensor of ids, each `id * 2^F`, any shape (flattened).
    /// @param pages  Every weight page of the model, in order (SSTORE2 data contracts).
    /// @return output The rows, shape (inputs, outputDim), rescaled to 2^-F.
    function forward(int256[][] calldata inputs, address[] calldata pages)
        external
        view
        returns (int256[] memory output)
    {
        _expectInputs(inputs, 1);
        Config memory c = abi.decode(_config(), (Config));
        if (c.weightBits != 8 && c.weightBits != 16 && c.weightBits != 32) revert UnsupportedWeightBits(c.weightBits);
        int256[] calldata x = inputs[0];
        uint256 width = c.weightBits / 8;
        uint256 rowBytes = c.outputDim * width;
        if (c.inputDim * rowBytes > c.embeddings.size) {
            revert EmbeddingTableTooSmall(c.inputDim * rowBytes, c.embeddings.size);
        }
        output = new int256[](x.length * c.outputDim);
        bytes memory row = new bytes(rowBytes);
        for (uint256 p; p < x.length; ++p) {
            int256 id = FixedMath.rescaleInt(x[p], int256(c.fracBits), 0);
            if (id < 0 || uint256(id) >= c.inputDim) revert EmbeddingIdOutOfRange(p, id, c.inputDim);
            WeightPages.readInto(pages, c.embeddings.offset + uint256(id) * rowBytes, row);
            _decodeRow(c, row, output, p * c.outputDim);
        }
    }

    /// @dev `output[first + j] = rescale(q_j, fracBits, F)` for the row's offset-binary values q_j.
    function _decodeRow(Config memory c, bytes memory row, int256[] memory output, uint256 first) private pure {
        uint256 bits = c.weightBits;
        uint256 width = bits / 8;
        int256 zero = int256(1 << (bits - 1)); // offset-binary zero
        int256 from = c.embeddings.fracBits;
        int256 to = int256(c.fracBits);
        for (uint256 j; j < c.outputDim; ++j) {
            uint256 raw;
            // Equivalent to `raw = uint(bytes row[j*width .. j*width + width])`, big-endian: the
            //      word read may run past the row; the shift by 256 - bits drops those bytes.
            assembly ("memory-safe") {
                raw := shr(sub(256, bits), mload(add(add(row, 0x20), mul(j, width))))
            }
            output[first + j] = FixedMath.rescaleInt(int256(raw) - zero, from, to);
        }
    }
}
