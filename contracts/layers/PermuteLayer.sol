// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";

/// @title PermuteLayer
/// @notice Keras Permute: any permutation of the non-batch axes, as a strided gather. Output
///         element (i_0, ..., i_{r-1}) is input element `sum_k i_k strides[k]`.
/// @dev Config: `abi.encode(F, bits, uint256[] shape, uint256[] strides)`: the output's shape and,
///      for each output axis, the input stride (in values) of the input axis it takes. Reads the
///      whole input for any slice (a range of the output may read anywhere in it).
contract PermuteLayer is SlicedLayerBase {
    /// @notice The config's `shape` and `strides` differ in length.
    error PermuteConfigMismatch(uint256 shapeAxes, uint256 strideAxes);

    function _slice(Input[] memory xs, address[] calldata, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        (,, uint256[] memory shape, uint256[] memory strides) =
            abi.decode(_config(), (uint256, uint256, uint256[], uint256[]));
        if (shape.length != strides.length || shape.length == 0) {
            revert PermuteConfigMismatch(shape.length, strides.length);
        }
        _expectInputs(xs, 1);
        size = 1;
        for (uint256 k; k < shape.length; ++k) {
            size *= shape[k];
        }
        _expectSize(xs, 0, size);
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        output = _allocate(to - from);
        if (from == to) return (output, size);
        _need(xs, 0, 0, size);
        _gather(_at(xs, 0, 0), _dataAt(output), from, to, shape, strides);
    }

    /// @dev Output elements [from, to) (from < to) into memory `out`, from the input at calldata
    ///      `src`: runs along the last output axis (one calldata copy when its stride is 1, else
    ///      value by value), an odometer over the other axes.
    function _gather(uint256 src, uint256 out, uint256 from, uint256 to, uint256[] memory shape, uint256[] memory strides)
        private
        pure
    {
        uint256 rank = shape.length;
        uint256[] memory index = new uint256[](rank);
        uint256 offset; // input element of output element `at`
        uint256 rest = from;
        for (uint256 k = rank; k > 0; --k) {
            index[k - 1] = rest % shape[k - 1];
            rest /= shape[k - 1];
            offset += index[k - 1] * strides[k - 1];
        }
        (uint256 n, uint256 stride) = (shape[rank - 1], strides[rank - 1]);
        for (uint256 at = from; at < to;) {
            uint256 count = n - index[rank - 1];
            if (count > to - at) count = to - at;
            _run(src + offset * 32, out + (at - from) * 32, count, stride);
            at += count;
            if (at == to) break;
            // The run ended its row (it did not end the range): carry into the axes before.
            offset -= index[rank - 1] * stride;
            index[rank - 1] = 0;
            for (uint256 k = rank - 1; k > 0; --k) {
                offset += strides[k - 1];
                if (++index[k - 1] < shape[k - 1]) break;
                offset -= shape[k - 1] * strides[k - 1];
                index[k - 1] = 0;
            }
        }
    }

    /// @dev `count` values to memory `out`, value j from calldata `src + 32 j stride`.
    function _run(uint256 src, uint256 out, uint256 count, uint256 stride) private pure {
        // Equivalent to `out[j] = x[j * stride]` for j < count. Offsets stay inside the calldata
        // (`src` may have wrapped, `Input`: modular arithmetic lands inside the window).
        assembly ("memory-safe") {
            switch stride
            case 1 { calldatacopy(out, src, shl(5, count)) }
            default {
                let step := shl(5, stride)
                let end := add(out, shl(5, count))
                for {} lt(out, end) { out := add(out, 0x20) } {
                    mstore(out, calldataload(src))
                    src := add(src, step)
                }
            }
        }
    }
}
