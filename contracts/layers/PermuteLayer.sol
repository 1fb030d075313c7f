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
        uint256 at = src; // calldata offset of output element `from`'s input value
        uint256 rest = from;
        for (uint256 k = rank; k > 0; --k) {
            index[k - 1] = rest % shape[k - 1];
            rest /= shape[k - 1];
            strides[k - 1] *= 32; // in bytes from here on
            unchecked {
                // `src` may have wrapped (`Input`): modulo 2^256 it lands inside the window.
                at += index[k - 1] * strides[k - 1];
            }
        }
        _runs(at, out, out + (to - from) * 32, shape, strides, index);
    }

    /// @dev Output values into memory [out, end) from output index `index` (input value at
    ///      calldata `at`) on: each run along the last axis, then the odometer's carry into the
    ///      axes before it, which keeps `at = src + sum_k index[k] strides[k]` (`strides` in bytes).
    // solhint-disable-next-line function-max-lines
    function _runs( // the gather kernel: one assembly block, its two helpers Yul functions inside it
        uint256 at,
        uint256 out,
        uint256 end,
        uint256[] memory shape,
        uint256[] memory strides,
        uint256[] memory index
    ) private pure {
        // Equivalent to: for each output element in turn, out[j] = x[element at `at`]; then index
        // and `at` step to the next element. Indices stay below their axis (the range lies inside
        // the output): the products cannot overflow, and the subtractions take back what was
        // added (modulo 2^256, exact).
        assembly ("memory-safe") {
            /// Copies the run of `count` values at stride `gap` (bytes) from calldata `source` to
            /// memory `dst`; returns the memory after it.
            function copyRun(dst, source, count, gap) -> next {
                next := add(dst, shl(5, count))
                switch gap
                case 0x20 { calldatacopy(dst, source, shl(5, count)) }
                default {
                    // Four values a round (0x60: the round's last value is inside the run).
                    let gap2 := add(gap, gap)
                    let gap3 := add(gap2, gap)
                    let gap4 := add(gap2, gap2)
                    for {} lt(add(dst, 0x60), next) { dst := add(dst, 0x80) } {
                        mstore(dst, calldataload(source))
                        mstore(add(dst, 0x20), calldataload(add(source, gap)))
                        mstore(add(dst, 0x40), calldataload(add(source, gap2)))
                        mstore(add(dst, 0x60), calldataload(add(source, gap3)))
                        source := add(source, gap4)
                    }
                    for {} lt(dst, next) { dst := add(dst, 0x20) } {
                        mstore(dst, calldataload(source))
                        source := add(source, gap)
                    }
                }
            }
            /// The odometer's carry from the axis at byte offset `axis` down: returns `position`
            /// moved as the index changed.
            function carry(idx, dims, steps, axis, position) -> moved {
                moved := position
                for {} axis { axis := sub(axis, 0x20) } {
                    let v := add(mload(add(idx, axis)), 1)
                    let axisStride := mload(add(steps, axis))
                    moved := add(moved, axisStride)
                    if lt(v, mload(add(dims, axis))) {
                        mstore(add(idx, axis), v)
                        break
                    }
                    mstore(add(idx, axis), 0)
                    moved := sub(moved, mul(v, axisStride))
                }
            }
            let last := shl(5, mload(shape)) // byte offset of the last axis' word (arrays start at 0x20)
            let step := mload(add(strides, last))
            for {} 1 {} {
                let i := mload(add(index, last))
                let run := sub(mload(add(shape, last)), i)
                if gt(run, shr(5, sub(end, out))) { run := shr(5, sub(end, out)) }
                out := copyRun(out, at, run, step)
                if eq(out, end) { break }
                // The run ended its row: the last axis back to 0, carry into the axes before.
                mstore(add(index, last), 0)
                at := carry(index, shape, strides, sub(last, 0x20), sub(at, mul(i, step)))
            }
        }
    }
}
