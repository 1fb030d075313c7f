// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LibBit} from "solady/src/utils/LibBit.sol";

/// @title PackedTensor
/// @notice Tensors as compact bytes (docs/FORMAT.md, "Packed tensors"): one byte `w` (1..32),
///         then every value in `w` bytes, big-endian two's complement, `w` the smallest width
///         that holds every value exactly (1 for an empty or all-zero tensor). Fixed-point
///         activations of a few integer bits take 4 bytes a value instead of an ABI word's 32:
///         calldata for staged inference (`IEternalModel.runStage`) shrinks ~8x.
/// @dev Same bytes as python/eternal/tensorpack.py. Gas, measured (test/lib/PackedTensor.test.js,
///      4-byte values, memory expansion included): `pack` ~87 a value, `unpack` ~51 (a 96x96x3
///      image: ~3M, a third of it the quadratic memory of its 27,648 words).
library PackedTensor {
    /// @notice `length` bytes with width byte `width` are not a packed tensor: no width byte
    ///         (`length` 0), a width outside 1..32, or `length - 1` not a multiple of it.
    error MalformedPackedTensor(uint256 length, uint256 width);

    /// @notice The smallest `w` in 1..32 whose `w`-byte two's complement holds every value.
    /// @param values Any int256 values.
    /// @return w The width in bytes (1 when `values` is empty or all zero).
    function width(int256[] memory values) internal pure returns (uint256 w) {
        uint256 magnitudes;
        // Equivalent to `for each v: magnitudes |= uint256(v < 0 ? ~v : v)`: v fits w bytes iff
        // -2^(8w-1) <= v < 2^(8w-1), i.e. iff v (or ~v, for v < 0) is below 2^(8w-1).
        assembly ("memory-safe") {
            // sar(255, v): 0, or all ones if v < 0. Four values a round (a loop step costs more
            // than the work), then the rest.
            let p := add(values, 0x20)
            let end := add(p, shl(5, mload(values)))
            for { let quads := add(p, shl(7, shr(2, mload(values)))) } lt(p, quads) { p := add(p, 0x80) } {
                let a := mload(p)
                let b := mload(add(p, 0x20))
                let c := mload(add(p, 0x40))
                let d := mload(add(p, 0x60))
                magnitudes := or(
                    or(magnitudes, or(xor(a, sar(255, a)), xor(b, sar(255, b)))),
                    or(xor(c, sar(255, c)), xor(d, sar(255, d)))
                )
            }
            for {} lt(p, end) { p := add(p, 0x20) } {
                let v := mload(p)
                magnitudes := or(magnitudes, xor(v, sar(255, v)))
            }
        }
        // Bits needed: the highest set bit's index + 2 (the sign bit), in whole bytes.
        w = magnitudes == 0 ? 1 : (LibBit.fls(magnitudes) + 9) / 8;
    }

    /// @notice Packs `values` at their smallest width.
    /// @param values Any int256 values (activations: fixed point 2^-F).
    /// @return packed One width byte, then every value in that many bytes, big-endian.
    function pack(int256[] memory values) internal pure returns (bytes memory packed) {
        uint256 w = width(values);
        uint256 n = values.length;
        packed = new bytes(1 + n * w);
        // Equivalent to `packed = bytes1(w) ++ concat(bytes(v)[32 - w:] for v in values)`.
        assembly ("memory-safe") {
            // Back to front, one word per value, stored so that it ends at the value's last byte:
            // the value's low w bytes land in place, its 32 - w high bytes fall on the values
            // before it (written after it) or, for value 0, on the width byte and the length
            // word, both written last.
            // Four values a round, then the rest.
            let src := add(values, shl(5, n)) // &values[n - 1]
            let dst := add(packed, add(1, mul(n, w))) // the last value's end - 32
            let w4 := shl(2, w)
            for { let quads := sub(src, shl(7, shr(2, n))) } gt(src, quads) {
                src := sub(src, 0x80)
                dst := sub(dst, w4)
            } {
                mstore(dst, mload(src))
                mstore(sub(dst, w), mload(sub(src, 0x20)))
                mstore(sub(dst, shl(1, w)), mload(sub(src, 0x40)))
                mstore(sub(dst, mul(3, w)), mload(sub(src, 0x60)))
            }
            for {} gt(src, values) {
                src := sub(src, 0x20)
                dst := sub(dst, w)
            } { mstore(dst, mload(src)) }
            mstore(packed, add(1, mul(n, w)))
            mstore8(add(packed, 0x20), w)
        }
    }

    /// @notice Whether `packed` is a packed tensor (the checks `unpack` makes).
    /// @param packed Any bytes.
    /// @return ok True iff it has a width byte `w` in 1..32 and `(length - 1) % w == 0`.
    function isWellFormed(bytes calldata packed) internal pure returns (bool ok) {
        if (packed.length == 0) return false;
        uint256 w = uint8(packed[0]);
        ok = w != 0 && w <= 32 && (packed.length - 1) % w == 0;
    }

    /// @notice The values of a packed tensor in calldata.
    /// @dev Reverts `MalformedPackedTensor(length, width)` unless `isWellFormed(packed)`.
    /// @param packed A packed tensor.
    /// @return values Its values, sign-extended to int256.
    function unpack(bytes calldata packed) internal pure returns (int256[] memory values) {
        (uint256 n, uint256 w) = _shape(packed.length, packed.length == 0 ? 0 : uint8(packed[0]));
        values = _allocate(n);
        _unpackInto(packed, n, w, _dataOf(values));
    }

    /// @notice The number of values of a packed tensor in calldata.
    /// @dev Reverts `MalformedPackedTensor(length, width)` unless `isWellFormed(packed)`.
    /// @param packed A packed tensor.
    /// @return n `(length - 1) / w`.
    function count(bytes calldata packed) internal pure returns (uint256 n) {
        (n,) = _shape(packed.length, packed.length == 0 ? 0 : uint8(packed[0]));
    }

    /// @notice Writes the values of a packed tensor in calldata as `count(packed)` words from
    ///         memory address `dst` on (no length word): `unpack` into memory the caller owns,
    ///         e.g. inside an ABI-encoded call (`EternalModel.runWindow`).
    /// @dev Reverts `MalformedPackedTensor(length, width)` unless `isWellFormed(packed)`.
    /// @param packed A packed tensor.
    /// @param dst    Memory address of the first value's word.
    function unpackTo(bytes calldata packed, uint256 dst) internal pure {
        (uint256 n, uint256 w) = _shape(packed.length, packed.length == 0 ? 0 : uint8(packed[0]));
        _unpackInto(packed, n, w, dst);
    }

    /// @dev The `n` values of width `w` of `packed` (its shape checked) as words from `dst` on.
    function _unpackInto(bytes calldata packed, uint256 n, uint256 w, uint256 dst) private pure {
        // Equivalent to `dst[i] = int256(bytes(packed[1 + i w : 1 + (i + 1) w]))`, sign-extended.
        assembly ("memory-safe") {
            // A value's word starts at its first byte; the bytes after it (the next values, or
            // whatever follows the tensor: never past 32 bytes) are shifted out.
            let shift := sub(256, shl(3, w))
            let src := add(packed.offset, 1)
            let end := add(dst, shl(5, n))
            // Four values a round, then the rest.
            let w4 := shl(2, w)
            for { let quads := add(dst, shl(7, shr(2, n))) } lt(dst, quads) {
                dst := add(dst, 0x80)
                src := add(src, w4)
            } {
                mstore(dst, sar(shift, calldataload(src)))
                mstore(add(dst, 0x20), sar(shift, calldataload(add(src, w))))
                mstore(add(dst, 0x40), sar(shift, calldataload(add(src, shl(1, w)))))
                mstore(add(dst, 0x60), sar(shift, calldataload(add(src, mul(3, w)))))
            }
            for {} lt(dst, end) {
                dst := add(dst, 0x20)
                src := add(src, w)
            } { mstore(dst, sar(shift, calldataload(src))) }
        }
    }

    /// @notice The values of a packed tensor in memory (as `unpack`).
    /// @dev Reverts `MalformedPackedTensor(length, width)` unless it is well formed.
    /// @param packed A packed tensor.
    /// @return values Its values, sign-extended to int256.
    function unpackMemory(bytes memory packed) internal pure returns (int256[] memory values) {
        (uint256 n, uint256 w) = _shape(packed.length, packed.length == 0 ? 0 : uint8(packed[0]));
        values = _allocate(n);
        // Equivalent to `unpack` on memory; a read past `packed`'s end is shifted out.
        assembly ("memory-safe") {
            let shift := sub(256, shl(3, w))
            let src := add(packed, 0x21) // skip the length word and the width byte
            let dst := add(values, 0x20)
            for { let end := add(dst, shl(5, n)) } lt(dst, end) {
                dst := add(dst, 0x20)
                src := add(src, w)
            } { mstore(dst, sar(shift, mload(src))) }
        }
    }

    /// @dev The value count and width of a packed tensor of `length` bytes and width byte `w`.
    function _shape(uint256 length, uint256 w) private pure returns (uint256 n, uint256) {
        if (length == 0 || w == 0 || w > 32 || (length - 1) % w != 0) revert MalformedPackedTensor(length, w);
        n = (length - 1) / w;
        return (n, w);
    }

    /// @dev The memory address of `values[0]`.
    function _dataOf(int256[] memory values) private pure returns (uint256 at) {
        assembly ("memory-safe") {
            at := add(values, 0x20)
        }
    }

    /// @dev A new int256[] of `n` elements, not zeroed (the caller writes every one).
    function _allocate(uint256 n) private pure returns (int256[] memory values) {
        // Equivalent to `new int256[](n)` without the zeroing: every element is written next.
        assembly ("memory-safe") {
            values := mload(0x40)
            mstore(values, n)
            mstore(0x40, add(values, add(0x20, shl(5, n))))
        }
    }
}
