// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";
import {Elementwise} from "../lib/Elementwise.sol";

/// @title RescalingLayer
/// @notice Keras `Rescaling(scale, offset)`: `rescale(x * q, F + qFrac, F) + offset`.
/// @dev Config: `abi.encode(F, bits, int256 q, int256 qFrac, int256 offset)`: `scale = q * 2^-qFrac`
///      (a 32-bit multiplier), `offset` on the activation scale 2^-F. `Elementwise.affine` with
///      one channel.
contract RescalingLayer is SlicedLayerBase {
    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        Elementwise.Affine memory map = _constants();
        _expectInputs(xs, 1);
        size = xs[0].size;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        _need(xs, 0, from, to);
        output = _allocate(to - from);
        Elementwise.affine(_at(xs, 0, 0), _dataAt(output), from, to, map);
    }

    /// @dev The config as `affine`'s constants: one channel.
    function _constants() private view returns (Elementwise.Affine memory map) {
        (uint256 frac,, int256 q, int256 qFrac, int256 offset) =
            abi.decode(_config(), (uint256, uint256, int256, int256, int256));
        map = Elementwise.Affine({scales: new int256[](1), offsets: new int256[](1), scaleFrac: qFrac, frac: frac});
        (map.scales[0], map.offsets[0]) = (q, offset);
    }
}
