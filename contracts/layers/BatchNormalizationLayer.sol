// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LayerBase} from "./base/LayerBase.sol";
import {ILayer} from "../interfaces/ILayer.sol";
import {FixedMath} from "../lib/FixedMath.sol";

/// @title BatchNormalizationLayer
/// @notice Keras `BatchNormalization` at inference, folded per channel (last axis):
///         `rescale(x * scale_c, F + scaleFrac, F) + rescale(offset_c, offsetFrac, F)`.
/// @dev Config: `abi.encode(F, bits, channels, scale, offset)`, both tensors plain, `channels` long.
contract BatchNormalizationLayer is LayerBase {
    /// @notice The input's `length` values are not whole runs of `channels`.
    error ChannelMismatch(uint256 length, uint256 channels);

    /// @inheritdoc ILayer
    function forward(int256[][] calldata inputs, address[] calldata pages)
        external
        view
        override
        returns (int256[] memory output)
    {
        (uint256 frac, uint256 bits, uint256 channels, WeightTensor memory scale, WeightTensor memory offset) =
            abi.decode(_config(), (uint256, uint256, uint256, WeightTensor, WeightTensor));
        _expectInputs(inputs, 1);
        if (channels == 0 || inputs[0].length % channels != 0) revert ChannelMismatch(inputs[0].length, channels);
        int256[] memory scales = _readPlain(pages, scale, bits, channels);
        int256[] memory offsets = _readRescaled(pages, offset, bits, channels, int256(frac), 0);
        output = inputs[0];
        int256 productFrac = int256(frac) + scale.fracBits;
        for (uint256 i; i < output.length; ++i) {
            uint256 c = i % channels;
            output[i] = FixedMath.rescaleInt(output[i] * scales[c], productFrac, int256(frac)) + offsets[c];
        }
    }
}
