// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";
import {Elementwise} from "../lib/Elementwise.sol";

/// @title BatchNormalizationLayer
/// @notice Keras `BatchNormalization` at inference, folded per channel (last axis):
///         `rescale(x * scale_c, F + scaleFrac, F) + rescale(offset_c, offsetFrac, F)`.
/// @dev Config: `abi.encode(F, bits, channels, scale, offset)`, both tensors plain, `channels` long.
///      The per-value work is `Elementwise.affine`.
contract BatchNormalizationLayer is SlicedLayerBase {
    /// @notice The input's `length` values are not whole runs of `channels`.
    error ChannelMismatch(uint256 length, uint256 channels);

    function _slice(Input[] memory xs, address[] calldata pages, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        Elementwise.Affine memory map = _constants(xs, pages);
        size = xs[0].size;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        _need(xs, 0, from, to);
        output = _allocate(to - from);
        Elementwise.affine(_at(xs, 0, 0), _dataAt(output), from, to, map);
    }

    /// @dev The scales, the offsets (rescaled to F) and their scales, after checking the input
    ///      against the channel count.
    function _constants(Input[] memory xs, address[] calldata pages)
        private
        view
        returns (Elementwise.Affine memory map)
    {
        (uint256 frac, uint256 bits, uint256 channels, WeightTensor memory scale, WeightTensor memory offset) =
            abi.decode(_config(), (uint256, uint256, uint256, WeightTensor, WeightTensor));
        _expectInputs(xs, 1);
        uint256 length = xs[0].size;
        if (channels == 0 || length % channels != 0) revert ChannelMismatch(length, channels);
        map.scales = _readPlain(pages, scale, bits, channels);
        map.offsets = _readRescaled(pages, offset, bits, channels, int256(frac), 0);
        (map.scaleFrac, map.frac) = (scale.fracBits, frac);
    }
}
