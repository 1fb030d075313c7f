// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LibClone} from "solady/src/utils/LibClone.sol";
import {LibZip} from "solady/src/utils/LibZip.sol";
import {ILayer} from "../interfaces/ILayer.sol";
import {WeightPages} from "../lib/WeightPages.sol";

/// @title LayerBase
/// @notice What every layer implementation shares: its config (the clone's immutable args,
///         `abi.encode(uint256 activationFracBits, uint256 weightBits, ...layer fields)`),
///         input checks and weight-tensor reading (docs/CONTRACTS.md, docs/FORMAT.md).
abstract contract LayerBase is ILayer {
    /// @notice A weight tensor in the model's weight stream: byte `offset` and `size` (padding
    ///         included), and its scale (`fracBits` fractional bits, may be negative).
    struct WeightTensor {
        uint256 offset;
        uint256 size;
        int256 fracBits;
    }

    /// @notice The layer got `actual` input tensors; it takes `expected`.
    error WrongLayerInputCount(uint256 expected, uint256 actual);
    /// @notice Input tensor `index` has `actual` values; the layer's config says `expected`.
    error WrongInputSize(uint256 index, uint256 expected, uint256 actual);
    /// @notice The config's weight width is not 8, 16 or 32 bits.
    error UnsupportedWeightBits(uint256 bits);

    /// @notice The layer's ABI-encoded config: the immutable args of this clone.
    /// @dev The deployer stores configs compressed (Solady `LibZip.cdCompress` form, ~10x
    ///      smaller, code costs 200 gas a byte; docs/CONTRACTS.md). A compressed config starts
    ///      with 0xff, a raw ABI config with 0x00 (its first word is small): both are accepted.
    function _config() internal view returns (bytes memory config) {
        config = LibClone.argsOnClone(address(this));
        if (config.length != 0 && config[0] == 0xff) config = LibZip.cdDecompress(config);
    }

    /// @notice The config header: activation fractional bits F and weight width in bits.
    function _header(bytes memory config) internal pure returns (uint256 frac, uint256 bits) {
        (frac, bits) = abi.decode(config, (uint256, uint256));
    }

    /// @notice Reverts unless there are `count` inputs.
    function _expectInputs(int256[][] calldata inputs, uint256 count) internal pure {
        if (inputs.length != count) revert WrongLayerInputCount(count, inputs.length);
    }

    /// @notice Reverts unless input `index` has `size` values.
    function _expectSize(int256[][] calldata inputs, uint256 index, uint256 size) internal pure {
        if (inputs[index].length != size) revert WrongInputSize(index, size, inputs[index].length);
    }

    /// @notice `rescale` (docs/FORMAT.md: shift left, or round half up) of every value, in place.
    /// @dev Same results as `FixedMath.rescaleInt` for |v| < 2^254 (weights are below 2^32), without
    ///      its overflow checks.
    function _rescaleAll(int256[] memory values, int256 fromFrac, int256 toFrac) internal pure {
        // Equivalent to: for each i: values[i] = FixedMath.rescaleInt(values[i], fromFrac, toFrac).
        assembly ("memory-safe") {
            let n := mload(values)
            let p := add(values, 0x20)
            let end := add(p, shl(5, n))
            switch sgt(fromFrac, toFrac)
            case 0 {
                let s := sub(toFrac, fromFrac)
                for {} lt(p, end) { p := add(p, 0x20) } { mstore(p, shl(s, mload(p))) }
            }
            default {
                let d := sub(fromFrac, toFrac)
                let half := shl(sub(d, 1), 1) // 2^(d-1); 0 once d > 256
                if gt(d, 254) { half := 0 }
                for {} lt(p, end) { p := add(p, 0x20) } {
                    let v := sar(d, add(mload(p), half))
                    if gt(d, 254) { v := 0 } // |v| < 2^254 rounds to 0
                    mstore(p, v)
                }
            }
        }
    }

    /// @dev Ends the call returning `output` ABI-encoded as the `int256[]` of `forward`, without
    ///      Solidity's copy of it: the word before the array (not needed any more) takes the ABI
    ///      offset 0x20.
    function _returnValues(int256[] memory output) internal pure {
        // Equivalent to `return output;` from `forward`.
        assembly ("memory-safe") {
            let start := sub(output, 0x20)
            mstore(start, 0x20)
            return(start, add(0x40, shl(5, mload(output))))
        }
    }

    /// @notice The first `count` elements of a `plain` tensor of `bits`-wide offset-binary
    ///         big-endian integers, as signed integers (reads the whole tensor into memory).
    /// @dev Only for small tensors (biases, per-channel scales); kernels are streamed by block.
    function _readPlain(address[] calldata pages, WeightTensor memory tensor, uint256 bits, uint256 count)
        internal
        view
        returns (int256[] memory values)
    {
        if (bits != 8 && bits != 16 && bits != 32) revert UnsupportedWeightBits(bits);
        bytes memory raw = WeightPages.read(pages, tensor.offset, tensor.size);
        values = new int256[](count);
        // Equivalent to `values[i] = int256(uint(bytes at i * bits/8, bits/8 long)) - 2^(bits-1)`.
        assembly ("memory-safe") {
            let width := shr(3, bits) // bytes per element
            let drop := sub(256, bits) // right shift that leaves one element
            let bias := shl(sub(bits, 1), 1) // 2^(bits-1), the offset-binary zero
            let src := add(raw, 0x20)
            let dst := add(values, 0x20)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                mstore(add(dst, shl(5, i)), sub(shr(drop, mload(add(src, mul(i, width)))), bias))
            }
        }
    }
}
