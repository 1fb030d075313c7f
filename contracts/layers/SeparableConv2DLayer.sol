// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {DepthwiseConv2DLayer} from "./DepthwiseConv2DLayer.sol";
import {Activations} from "../lib/Activations.sol";
import {FixedMath} from "../lib/FixedMath.sol";

/// @title SeparableConv2DLayer
/// @notice Keras SeparableConv2D (channels last, no dilation): the depthwise stage of
///         `DepthwiseConv2DLayer` (no bias, linear), then output channel f of each position is
///         `activation(rescale(sum_c d_c * p[f, c], F + pFrac, F) + rescale(bias_f, bFrac, F))`,
///         as a 1x1 Conv2D rounds it (python/eternal/layers/separable_conv2d.py).
/// @dev Config: the depthwise stage's DepthwiseConv2D config (21 words), then
///      `(filters, activation, pointwise kernel, bias)` (8 words), then a fused epilogue's `Post`,
///      if any. The pointwise kernel is `plain`, transposed to `(filters, C M)`: the weights of a
///      block of filters are one run of the stream, read once a call. Every depthwise output must be
///      in [-2^160, 2^160): with |p| < 2^31 no sum can overflow.
contract SeparableConv2DLayer is DepthwiseConv2DLayer {
    uint256 private constant POINTWISE_BYTES = 8 * 32;
    uint256 private constant DEPTHWISE_BITS = 160;
    uint256 private constant FILTER_BLOCK = 64; // filters whose weights are in memory at a time

    /// @notice A depthwise output is outside [-2^160, 2^160) (fixed point).
    error SeparableInputTooLarge();
    /// @notice The config has no pointwise words, or no filters.
    error SeparableConfigInvalid();

    /// @notice The pointwise stage's config words.
    struct Pointwise {
        uint256 filters;
        uint256 activation;
        WeightTensor kernel;
        WeightTensor bias;
    }

    /// @notice Output elements `[start, end)` (clamped): the positions the range touches, whole
    ///         (as `DepthwiseConv2DLayer`), through both stages, then the fused epilogue.
    /// @param xs    One image (height, width, channels), flattened, fixed point 2^-F (or a window of it).
    /// @param pages Every weight page of the model, in order.
    /// @param start First element wanted (flat index into (outHeight, outWidth, filters)).
    /// @param end   One past the last element wanted.
    /// @return output The elements `[start, end)` (clamped to the output), fixed point 2^-F.
    /// @return size   outHeight * outWidth * filters.
    function _slice(Input[] memory xs, address[] calldata pages, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        (Config memory c, bytes memory raw) = _checkedConfig(xs);
        Pointwise memory p = _pointwiseConfig(raw);
        size = c.outHeight * c.outWidth * p.filters;
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        uint256 first = from / p.filters;
        output = _stages(xs, pages, c, p, first, to == from ? first : (to - 1) / p.filters + 1);
        _applyPost(_withoutPointwise(raw), pages, output, c.fracBits, c.weightBits, p.filters);
        output = _trim(output, from - first * p.filters, to - first * p.filters);
    }

    /// @dev Positions `[first, last)` through the depthwise stage, the pointwise stage and the activation.
    function _stages(
        Input[] memory xs,
        address[] calldata pages,
        Config memory c,
        Pointwise memory p,
        uint256 first,
        uint256 last
    ) private view returns (int256[] memory output) {
        int256[] memory depthwise = _positions(c, _image(xs, c, first, last), pages, first, last);
        output = _pointwise(depthwise, c, p, pages);
        Activations.activate(output, p.activation, c.fracBits, p.filters);
    }

    /// @dev The pointwise words after the depthwise config. Clobbers `raw`'s last depthwise word
    ///      (decoded already), as `_applyPost` does.
    function _pointwiseConfig(bytes memory raw) private pure returns (Pointwise memory p) {
        uint256 base = SPATIAL_CONFIG_BYTES;
        if (raw.length < base + POINTWISE_BYTES) revert SeparableConfigInvalid();
        bytes memory tail;
        assembly ("memory-safe") {
            // Equivalent to `tail = raw[SPATIAL_CONFIG_BYTES:]` in place.
            tail := add(raw, base)
            mstore(tail, sub(mload(raw), base))
        }
        p = abi.decode(tail, (Pointwise));
        if (p.filters == 0) revert SeparableConfigInvalid();
    }

    /// @dev `raw` as `_applyPost` reads it: the depthwise config then the `Post` words, the pointwise
    ///      words taken out (in place).
    function _withoutPointwise(bytes memory raw) private pure returns (bytes memory) {
        (uint256 base, uint256 pointwise) = (SPATIAL_CONFIG_BYTES, POINTWISE_BYTES);
        assembly ("memory-safe") {
            let rest := sub(mload(raw), add(base, pointwise))
            let data := add(raw, 0x20)
            mcopy(add(data, base), add(data, add(base, pointwise)), rest)
            mstore(raw, add(base, rest))
        }
        return raw;
    }

    /// @dev The pointwise stage over whole positions of the depthwise output (`C M` values each):
    ///      `positions * filters` values, before the activation.
    function _pointwise(int256[] memory depthwise, Config memory c, Pointwise memory p, address[] calldata pages)
        private
        view
        returns (int256[] memory output)
    {
        Block memory b = Block(c.channels * c.multiplier, p.filters, 0, 0, c.fracBits, p.kernel.fracBits);
        _checkBound(depthwise);
        output = new int256[]((depthwise.length / b.depth) * p.filters);
        int256[] memory bias = _readRescaled(pages, p.bias, c.weightBits, p.filters, int256(c.fracBits), 0);
        for (; b.first < p.filters; b.first += FILTER_BLOCK) {
            b.count = p.filters - b.first < FILTER_BLOCK ? p.filters - b.first : FILTER_BLOCK;
            _block(depthwise, _blockWeights(pages, p.kernel, b, c.weightBits), output, bias, b);
        }
    }

    /// @dev The pointwise weights of block `b`'s filters: `count` rows of `depth`, one run of the stream.
    function _blockWeights(address[] calldata pages, WeightTensor memory kernel, Block memory b, uint256 bits)
        private
        view
        returns (int256[] memory)
    {
        uint256 row = b.depth * (bits / 8);
        return _readPlain(pages, WeightTensor(kernel.offset + b.first * row, b.count * row, kernel.fracBits), bits,
            b.count * b.depth);
    }

    /// @dev One block of filters of `_pointwise`.
    struct Block {
        uint256 depth;
        uint256 filters;
        uint256 first; // the block's first filter
        uint256 count; // its filters
        uint256 frac;
        int256 weightFrac;
    }

    /// @dev `output[pos * filters + f] = rescale(dot(depthwise[pos], weights[f - first]), F + weightFrac,
    ///      F) + bias[f]` for the block's filters f and every position.
    function _block(
        int256[] memory depthwise,
        int256[] memory weights,
        int256[] memory output,
        int256[] memory bias,
        Block memory b
    ) private pure {
        uint256 positions = depthwise.length / b.depth;
        int256 fromFrac = int256(b.frac) + b.weightFrac;
        for (uint256 pos; pos < positions; ++pos) {
            for (uint256 f; f < b.count; ++f) {
                int256 sum = _dot(depthwise, pos * b.depth, weights, f * b.depth, b.depth);
                output[pos * b.filters + b.first + f] =
                    FixedMath.rescaleInt(sum, fromFrac, int256(b.frac)) + bias[b.first + f];
            }
        }
    }

    /// @dev `sum_{c < n} x[i + c] * w[j + c]`, unchecked: |x| < 2^160 and |w| < 2^31.
    function _dot(int256[] memory x, uint256 i, int256[] memory w, uint256 j, uint256 n)
        private
        pure
        returns (int256 sum)
    {
        assembly ("memory-safe") {
            let xp := add(add(x, 0x20), shl(5, i))
            let wp := add(add(w, 0x20), shl(5, j))
            for { let end := add(xp, shl(5, n)) } lt(xp, end) {
                xp := add(xp, 0x20)
                wp := add(wp, 0x20)
            } { sum := add(sum, mul(mload(xp), mload(wp))) }
        }
    }

    /// @dev Reverts `SeparableInputTooLarge` unless every value is in [-2^160, 2^160).
    function _checkBound(int256[] memory values) private pure {
        uint256 seen;
        // Equivalent to: seen |= x ^ (x >> 255) (|x|, one less for a negative x) for each x.
        assembly ("memory-safe") {
            let p := add(values, 0x20)
            for { let end := add(p, shl(5, mload(values))) } lt(p, end) { p := add(p, 0x20) } {
                let x := mload(p)
                seen := or(seen, xor(x, sar(255, x)))
            }
        }
        if (seen >> DEPTHWISE_BITS != 0) revert SeparableInputTooLarge();
    }
}
