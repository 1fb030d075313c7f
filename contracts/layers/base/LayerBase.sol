// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LibClone} from "solady/src/utils/LibClone.sol";
import {LibZip} from "solady/src/utils/LibZip.sol";
import {ILayer} from "../../interfaces/ILayer.sol";
import {WeightPages} from "../../lib/WeightPages.sol";
import {
    BadWindow,
    NotAClone,
    UnsupportedWeightBits,
    WindowCountMismatch,
    WindowTooSmall,
    WindowUnsupported
} from "../../lib/LayerErrors.sol";

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

    /// @notice One input as a layer reads it: element i lives at calldata offset `base + 32 i`
    ///         (`_at`), for i in the window `[lo, hi)` only; `size` is the whole input's length.
    /// @dev `base` is the window's calldata offset less `32 lo`, modulo 2^256: it may wrap
    ///      below zero, so it is only ever used with unchecked (modular) arithmetic.
    struct Input {
        uint256 base;
        uint256 size;
        uint256 lo;
        uint256 hi;
    }

    /// @notice The layer got `actual` input tensors; it takes `expected`.
    error WrongLayerInputCount(uint256 expected, uint256 actual);
    /// @notice Input tensor `index` has `actual` values; the layer's config says `expected`.
    error WrongInputSize(uint256 index, uint256 expected, uint256 actual);

    /// @dev The first 10 bytes of a Solady clone's runtime code, before its implementation's address.
    uint256 private constant CLONE_PREFIX = 0x363d3d373d3d3d363d73;

    /// @notice The layer's ABI-encoded config: the immutable args of its clone. Called through
    ///         the clone (its proxy delegates here), the clone is `address(this)`. The model calls
    ///         the implementation directly instead, with the clone's address appended to the
    ///         calldata as one more word (`_directClone`): the proxy would copy the whole calldata
    ///         into memory and the answer once more, quadratic in the tensor's size.
    /// @dev The deployer stores configs compressed (Solady `LibZip.cdCompress` form, ~10x
    ///      smaller, code costs 200 gas a byte; docs/CONTRACTS.md). A compressed config starts
    ///      with 0xff, a raw ABI config with 0x00 (its first word is small): both are accepted.
    /// @return config The config, ABI-encoded (decompressed if it was stored compressed).
    function _config() internal view returns (bytes memory config) {
        config = LibClone.argsOnClone(_isDirect() ? _directClone() : address(this));
        if (config.length != 0 && config[0] == 0xff) config = LibZip.cdDecompress(config);
    }

    /// @dev Whether this call came straight to the implementation, not through a clone's proxy
    ///      (whose code, `address(this)`'s then, starts with the clone prefix). No immutable holds
    ///      the implementation's address: the deployer recognises implementations by their code.
    function _isDirect() private view returns (bool direct) {
        assembly ("memory-safe") {
            mstore(0, 0)
            extcodecopy(address(), 22, 0, 10) // the code's first 10 bytes, at the word's end
            direct := iszero(eq(mload(0), CLONE_PREFIX))
        }
    }

    /// @dev The clone a direct call names in its calldata's last word. Reverts `NotAClone` unless
    ///      that is a Solady clone of this implementation (its code starts with the proxy's 10
    ///      bytes and this address).
    function _directClone() private view returns (address clone) {
        uint256 word;
        bool isClone;
        assembly ("memory-safe") {
            word := calldataload(sub(calldatasize(), 0x20))
            mstore(0, 0)
            extcodecopy(word, 2, 0, 30) // the prefix and the implementation, at the word's end
            isClone := and(iszero(shr(160, word)), eq(mload(0), or(shl(160, CLONE_PREFIX), address())))
        }
        if (!isClone) revert NotAClone(address(uint160(word)));
        clone = address(uint160(word));
    }

    /// @dev `data` (a call of this layer to itself, at the end of allocated memory), with the
    ///      clone's address appended when this call is a direct one (see `_config`).
    function _selfCall(bytes memory data) internal view returns (bytes memory) {
        if (!_isDirect()) return data;
        address clone = _directClone();
        // Equivalent to `data = bytes.concat(data, abi.encode(clone))` in place: nothing is
        // allocated after `data`.
        assembly ("memory-safe") {
            let end := add(add(data, 0x20), mload(data))
            mstore(end, clone)
            mstore(data, add(mload(data), 0x20))
            mstore(0x40, and(add(end, 0x3f), not(31))) // past the clone word, word-aligned
        }
        return data;
    }

    /// @notice The config header: activation fractional bits F and weight width in bits.
    /// @param config The ABI-encoded config (`_config()`).
    /// @return frac  F: activations are fixed point 2^-F.
    /// @return bits  Weight width in bits (8, 16 or 32).
    function _header(bytes memory config) internal pure returns (uint256 frac, uint256 bits) {
        (frac, bits) = abi.decode(config, (uint256, uint256));
    }

    /// @notice Reverts unless there are `count` inputs.
    /// @param inputs The layer's input tensors.
    /// @param count  How many the layer takes.
    function _expectInputs(int256[][] calldata inputs, uint256 count) internal pure {
        if (inputs.length != count) revert WrongLayerInputCount(count, inputs.length);
    }

    /// @notice Reverts unless input `index` has `size` values.
    /// @param inputs The layer's input tensors.
    /// @param index  Which input to check.
    /// @param size   How many values it must have.
    function _expectSize(int256[][] calldata inputs, uint256 index, uint256 size) internal pure {
        if (inputs[index].length != size) revert WrongInputSize(index, size, inputs[index].length);
    }

    /// @notice Reverts unless there are `count` inputs (`_expectInputs` for windows).
    /// @param xs    The layer's inputs.
    /// @param count How many the layer takes.
    function _expectInputs(Input[] memory xs, uint256 count) internal pure {
        if (xs.length != count) revert WrongLayerInputCount(count, xs.length);
    }

    /// @notice Reverts unless input `index` has `size` values in full (its window may hold fewer).
    /// @param xs    The layer's inputs.
    /// @param index Which input to check.
    /// @param size  How many values it must have.
    function _expectSize(Input[] memory xs, uint256 index, uint256 size) internal pure {
        if (xs[index].size != size) revert WrongInputSize(index, size, xs[index].size);
    }

    /// @notice Whole inputs as windows: each from element 0, every value (`forward`, `forwardSlice`).
    /// @param inputs The layer's input tensors.
    /// @return xs One `Input` per tensor.
    function _whole(int256[][] calldata inputs) internal pure returns (Input[] memory xs) {
        xs = new Input[](inputs.length);
        for (uint256 k; k < inputs.length; ++k) {
            int256[] calldata x = inputs[k];
            uint256 base;
            assembly ("memory-safe") {
                base := x.offset
            }
            xs[k] = Input(base, x.length, 0, x.length);
        }
    }

    /// @notice The windows of `forwardWindow` as inputs: window k holds elements `[offsets[k],
    ///         offsets[k] + inputs[k].length)` of an input of `sizes[k]` values.
    /// @dev Reverts `WindowCountMismatch` unless one offset and size per window, `BadWindow`
    ///      when a window does not fit its input.
    /// @param inputs  The windows.
    /// @param offsets Each window's first element.
    /// @param sizes   Each input's full length.
    /// @return xs One `Input` per window.
    function _windows(int256[][] calldata inputs, uint256[] calldata offsets, uint256[] calldata sizes)
        internal
        pure
        returns (Input[] memory xs)
    {
        if (offsets.length != inputs.length || sizes.length != inputs.length) {
            revert WindowCountMismatch(inputs.length, offsets.length, sizes.length);
        }
        xs = new Input[](inputs.length);
        for (uint256 k; k < inputs.length; ++k) {
            int256[] calldata x = inputs[k];
            (uint256 offset, uint256 size) = (offsets[k], sizes[k]);
            if (offset > size || x.length > size - offset) revert BadWindow(k, offset, x.length, size);
            uint256 base;
            assembly ("memory-safe") {
                base := sub(x.offset, shl(5, offset)) // may wrap: see `Input`
            }
            xs[k] = Input(base, size, offset, offset + x.length);
        }
    }

    /// @notice Reverts `WindowTooSmall` unless input `index`'s window holds elements `[lo, hi)`
    ///         (an empty range needs nothing).
    /// @param xs    The layer's inputs.
    /// @param index Which input.
    /// @param lo    First element read.
    /// @param hi    One past the last element read.
    function _need(Input[] memory xs, uint256 index, uint256 lo, uint256 hi) internal pure {
        Input memory x = xs[index];
        if (lo < hi && (lo < x.lo || hi > x.hi)) revert WindowTooSmall(index, lo, hi, x.lo, x.hi);
    }

    /// @notice The calldata offset of element `i` of input `index` (inside its window only after
    ///         `_need`).
    /// @param xs    The layer's inputs.
    /// @param index Which input.
    /// @param i     Element index into the whole input.
    /// @return offset `base + 32 i`, modulo 2^256.
    function _at(Input[] memory xs, uint256 index, uint256 i) internal pure returns (uint256 offset) {
        uint256 base = xs[index].base;
        // Equivalent to `base + 32 i` without the overflow check: `base` may have wrapped (`Input`).
        assembly ("memory-safe") {
            offset := add(base, shl(5, i))
        }
    }

    /// @inheritdoc ILayer
    /// @dev The default, for layers that need whole inputs: with every window whole, exactly
    ///      `forwardSlice` (by a static call of this layer to itself, its return data returned
    ///      as it is); any other window reverts `WindowUnsupported()`.
    function forwardWindow(
        int256[][] calldata inputs,
        uint256[] calldata offsets,
        uint256[] calldata sizes,
        address[] calldata pages,
        uint256 start,
        uint256 end
    ) external view virtual returns (int256[] memory, uint256) {
        Input[] memory xs = _windows(inputs, offsets, sizes);
        for (uint256 k; k < xs.length; ++k) {
            if (xs[k].lo != 0 || xs[k].hi != xs[k].size) revert WindowUnsupported();
        }
        bytes memory data = _selfCall(abi.encodeCall(ILayer.forwardSlice, (inputs, pages, start, end)));
        // Equivalent to `return this.forwardSlice(inputs, pages, start, end);`, its return data
        // (the same ABI as this function's) passed on without decoding it.
        assembly ("memory-safe") {
            let ok := staticcall(gas(), address(), add(data, 0x20), mload(data), 0, 0)
            let out := mload(0x40)
            returndatacopy(out, 0, returndatasize())
            if iszero(ok) { revert(out, returndatasize()) }
            return(out, returndatasize())
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

    /// @inheritdoc ILayer
    /// @dev The default: `forward` in full, by a static call of this layer to itself, then only
    ///      the range copied out of the return data (the whole output is never decoded into
    ///      memory). Layers that can compute a part for less override it.
    function forwardSlice(int256[][] calldata, address[] calldata, uint256 start, uint256 end)
        external
        view
        virtual
        returns (int256[] memory output, uint256 size)
    {
        bytes4 selector = ILayer.forward.selector;
        uint256 at; // return-data offset of the output's length word
        // Equivalent to `int256[] memory full = ILayer(address(this)).forward(inputs, pages);
        // size = full.length;` without decoding `full`.
        assembly ("memory-safe") {
            // `forward`'s calldata is this call's without the head words `start` and `end`
            // (0x44..0x84): the arguments' tails move 0x40 down, and so must both head offsets,
            // which (the ABI decoder checked the tails) point past this call's 4-word head.
            let inputsAt := calldataload(0x04)
            let pagesAt := calldataload(0x24)
            if or(lt(inputsAt, 0x80), lt(pagesAt, 0x80)) { revert(0, 0) } // not a standard encoding
            let data := mload(0x40) // scratch above the free memory pointer: nothing outlives the call
            let tail := sub(calldatasize(), 0x84)
            mstore(data, selector)
            mstore(add(data, 0x04), sub(inputsAt, 0x40))
            mstore(add(data, 0x24), sub(pagesAt, 0x40))
            calldatacopy(add(data, 0x44), 0x84, tail)
            if iszero(staticcall(gas(), address(), data, add(0x44, tail), 0, 0)) {
                returndatacopy(data, 0, returndatasize())
                revert(data, returndatasize())
            }
            // ABI `int256[]`: its offset in word 0, there its length, then the values
            // (returndatacopy past the end reverts, so short return data cannot be misread).
            returndatacopy(0, 0, 0x20)
            at := mload(0)
            returndatacopy(0, at, 0x20)
            size := mload(0)
            if gt(size, shr(5, returndatasize())) { revert(0, 0) } // more values than bytes
        }
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        // Equivalent to `output = full[from:to]` (copied from the return data), two words after
        // the free memory pointer: `_returnSlice` writes the ABI head there.
        assembly ("memory-safe") {
            output := add(mload(0x40), 0x40)
            let bytesOut := shl(5, sub(to, from))
            mstore(output, sub(to, from))
            returndatacopy(add(output, 0x20), add(add(at, 0x20), shl(5, from)), bytesOut)
            mstore(0x40, add(add(output, 0x20), bytesOut))
        }
        _returnSlice(output, size);
    }

    /// @notice The part of `[start, end)` inside an output of `size` elements (`ILayer.forwardSlice`).
    /// @param start First element wanted.
    /// @param end   One past the last element wanted.
    /// @param size  Elements in the whole output.
    /// @return from `min(start, size)`.
    /// @return to   `max(from, min(end, size))`: `[from, to)` is empty when `start >= end`.
    function _sliceBounds(uint256 start, uint256 end, uint256 size) internal pure returns (uint256 from, uint256 to) {
        from = start < size ? start : size;
        to = end < size ? end : size;
        if (to < from) to = from;
    }

    /// @dev `values[from:to]` in place: the array header moves to the word before element `from`
    ///      (element `from - 1`, or the length word, is overwritten). `from <= to <= values.length`.
    function _trim(int256[] memory values, uint256 from, uint256 to) internal pure returns (int256[] memory part) {
        // Equivalent to `part = values[from:to]` (memory slices do not exist in Solidity).
        assembly ("memory-safe") {
            part := add(values, shl(5, from))
            mstore(part, sub(to, from))
        }
    }

    /// @dev Ends the call returning `(output, size)` ABI-encoded as `forwardSlice` returns them,
    ///      without Solidity's copy: the two words before the array (not needed any more) take the
    ///      offset 0x40 and `size`.
    function _returnSlice(int256[] memory output, uint256 size) internal pure {
        // Equivalent to `return (output, size);` from `forwardSlice`.
        assembly ("memory-safe") {
            let start := sub(output, 0x40)
            mstore(start, 0x40)
            mstore(add(start, 0x20), size)
            return(start, add(0x60, shl(5, mload(output))))
        }
    }

    /// @dev A bound on max |x| over the values at calldata `[p, end)`: one more than the OR of
    ///      every v >= 0 and every |v| - 1 for v < 0 (at least the largest |x|, at most twice it;
    ///      2^255 for type(int256).min; 1 for no values). Cheaper than the maximum (no compare and
    ///      branch per value).
    function _magnitudeBound(uint256 p, uint256 end) internal pure returns (uint256 bound) {
        // Equivalent to `for each v in x: bound |= (v < 0 ? -v - 1 : v)`, then `bound + 1`; four
        // values per round (v ^ (v >> 255), arithmetic: v, or ~v = -v - 1).
        assembly ("memory-safe") {
            for {} lt(add(p, 0x60), end) { p := add(p, 0x80) } {
                let v := calldataload(p)
                let u := calldataload(add(p, 0x20))
                let w := calldataload(add(p, 0x40))
                let z := calldataload(add(p, 0x60))
                v := or(xor(v, sar(255, v)), xor(u, sar(255, u)))
                bound := or(bound, or(v, or(xor(w, sar(255, w)), xor(z, sar(255, z)))))
            }
            for {} lt(p, end) { p := add(p, 0x20) } {
                let v := calldataload(p)
                bound := or(bound, xor(v, sar(255, v)))
            }
            bound := add(bound, 1) // below 2^255 + 1: no overflow
        }
    }

    /// @notice The first `count` elements of a `plain` tensor of `bits`-wide offset-binary
    ///         big-endian integers, as signed integers (reads the whole tensor into memory).
    /// @dev Only for small tensors (biases, per-channel scales); kernels are streamed by block.
    /// @param pages  Every weight page of the model.
    /// @param tensor The tensor's place in the weight stream and its frac bits.
    /// @param bits   Element width in bits (8, 16 or 32).
    /// @param count  How many elements to return.
    /// @return values The elements, on the tensor's own scale (2^-tensor.fracBits).
    function _readPlain(address[] calldata pages, WeightTensor memory tensor, uint256 bits, uint256 count)
        internal
        view
        returns (int256[] memory values)
    {
        return _readRescaled(pages, tensor, bits, count, tensor.fracBits, 0);
    }

    /// @notice `_readPlain`, each element rescaled (docs/FORMAT.md: shift left, or round half up)
    ///         from the tensor's frac bits to `toFrac`, then, for a caller that finishes sums
    ///         with one right shift by `left` (Dense), moved up `left` bits with 2^(left-1) added.
    /// @dev The rescale equals `FixedMath.rescaleInt` (elements are below 2^32: nothing
    ///      overflows); an empty tensor reads as zeros. Frac bits are small (|.| < 2^16 in any
    ///      config), so the casts are exact.
    /// @param pages  Every weight page of the model.
    /// @param tensor The tensor's place in the weight stream and its frac bits.
    /// @param bits   Element width in bits (8, 16 or 32).
    /// @param count  How many elements to return.
    /// @param toFrac The frac bits to rescale to.
    /// @param left   Extra left shift (0 for none), with 2^(left-1) added when it is not 0.
    /// @return values The elements, fixed point 2^-(toFrac + left).
    function _readRescaled(
        address[] calldata pages,
        WeightTensor memory tensor,
        uint256 bits,
        uint256 count,
        int256 toFrac,
        uint256 left
    ) internal view returns (int256[] memory values) {
        if (bits != 8 && bits != 16 && bits != 32) revert UnsupportedWeightBits(bits);
        bytes memory raw = WeightPages.read(pages, tensor.offset, tensor.size);
        values = new int256[](count);
        int256 from = tensor.fracBits;
        _fillRescaled(raw, values, bits, from <= toFrac ? uint256(toFrac - from) : 0,
            from > toFrac ? uint256(from - toFrac) : 0, left);
    }

    /// @dev `values[j] = (rescale(b_j) << left) + (left > 0 ? 2^(left-1) : 0)`, b_j the j-th
    ///      `bits`-wide offset-binary element of `raw` (0 when `raw` is empty), rescaled by `up`
    ///      bits left or `down` bits right (half up).
    function _fillRescaled(bytes memory raw, int256[] memory values, uint256 bits, uint256 up, uint256 down, uint256 left)
        private
        pure
    {
        // Equivalent to: for each j: v = raw.length == 0 ? 0 : (down == 0 ? b_j << up
        //   : down > 254 ? 0 : (b_j + 2^(down-1)) >> down); values[j] = (v << left) + half.
        assembly ("memory-safe") {
            let half := 0
            if left { half := shl(sub(left, 1), 1) }
            let dst := add(values, 0x20)
            let end := add(dst, shl(5, mload(values)))
            switch mload(raw)
            case 0 {
                if half { for {} lt(dst, end) { dst := add(dst, 0x20) } { mstore(dst, half) } }
            }
            default {
                // Element j: `bits / 8` bytes at src + j * bits / 8, minus 2^(bits-1).
                let src := add(raw, 0x20)
                let width := shr(3, bits)
                let drop := sub(256, bits)
                let zero := shl(sub(bits, 1), 1)
                switch down
                case 0 {
                    let shift := add(up, left)
                    for {} lt(dst, end) { dst := add(dst, 0x20) } {
                        mstore(dst, add(shl(shift, sub(shr(drop, mload(src)), zero)), half))
                        src := add(src, width)
                    }
                }
                default {
                    let roundHalf := shl(sub(down, 1), 1) // 0 once down > 256
                    for {} lt(dst, end) { dst := add(dst, 0x20) } {
                        let v := sar(down, add(sub(shr(drop, mload(src)), zero), roundHalf))
                        if gt(down, 254) { v := 0 } // |v| < 2^254 rounds to 0
                        mstore(dst, add(shl(left, v), half))
                        src := add(src, width)
                    }
                }
            }
        }
    }
}
