// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SlicedLayerBase} from "./base/SlicedLayerBase.sol";
import {FixedMath} from "../lib/FixedMath.sol";

/// @title PReLULayer
/// @notice Keras `PReLU`: `x` if `x >= 0`, else `rescale(x * alpha_c, F + alphaFrac, F)` (round
///         half up, checked), value `i` of the flat input taking alpha `c = i % period`.
/// @dev Config: `abi.encode(F, bits, period, alpha)`: `period` alphas, a plain weight tensor (the
///      deployment plan allows only leading shared axes, so alpha `i % period` is value i's).
contract PReLULayer is SlicedLayerBase {
    /// @notice The input's `length` values are not whole runs of `period` alphas.
    error AlphaMismatch(uint256 length, uint256 period);

    function _slice(Input[] memory xs, address[] calldata pages, uint256 start, uint256 end)
        internal
        view
        override
        returns (int256[] memory output, uint256 size)
    {
        (uint256 frac, uint256 bits, uint256 period, WeightTensor memory alpha) =
            abi.decode(_config(), (uint256, uint256, uint256, WeightTensor));
        _expectInputs(xs, 1);
        size = xs[0].size;
        if (period == 0 || size % period != 0) revert AlphaMismatch(size, period);
        (uint256 from, uint256 to) = _sliceBounds(start, end, size);
        _need(xs, 0, from, to);
        int256[] memory alphas = _readPlain(pages, alpha, bits, period);
        output = _allocate(to - from);
        uint256 src = _at(xs, 0, from);
        if (!_fast(src, output, alphas, from % period, alpha.fracBits)) {
            _rectify(src, output, alphas, from % period, int256(frac) + alpha.fracBits, int256(frac));
        }
    }

    /// @dev `_rectify` unchecked, in one `mul`, `add`, `sar` a negative value: the product
    ///      `x * alpha` rescaled from F + alphaFrac to F is `sar(down, x * (alpha << up) + half)`
    ///      (up = -alphaFrac or down = alphaFrac; alphas are at most 32-bit weights, alphaFrac in
    ///      [-64, 96]), exact while |x| <= 2^(222 - up) keeps |x * (alpha << up)| below 2^254.
    ///      Returns false, having written values that may be wrong, when a negative value is below
    ///      that bound or alphaFrac is outside the range (then `_rectify` runs).
    function _fast(uint256 src, int256[] memory output, int256[] memory alphas, uint256 channel, int256 alphaFrac)
        private
        pure
        returns (bool fits)
    {
        if (alphaFrac < -64 || alphaFrac > 96) return false;
        (uint256 up, uint256 down) = alphaFrac < 0 ? (uint256(-alphaFrac), uint256(0)) : (uint256(0), uint256(alphaFrac));
        uint256 bound = 222 - up;
        (uint256 first, uint256 o) = (_dataAt(alphas), _dataAt(output));
        uint256 seen = _fastLoop(
            [src, o, o + 32 * output.length, first + 32 * channel, first, first + 32 * alphas.length], up, down, bound
        );
        fits = seen >> bound == 0;
    }

    /// @dev The loop of `_fast` over `at` = [src, out, outEnd, alpha, firstAlpha, alphasEnd]
    ///      (calldata, memory addresses): returns every negative `x + 2^bound` OR-ed together.
    function _fastLoop(uint256[6] memory at, uint256 up, uint256 down, uint256 bound) private pure returns (uint256 seen) {
        // Equivalent to: for each out: x = x_j; if x < 0: seen |= x + 2^bound,
        // x = (x * (alpha << up) + 2^(down-1)) >> down (no rounding term for down = 0); out = x;
        // the alpha pointer moves on one word, back to the first at the end.
        assembly ("memory-safe") {
            let half := 0
            if down { half := shl(sub(down, 1), 1) }
            let offset := shl(bound, 1)
            let src := mload(at)
            let o := mload(add(at, 0x20))
            let end := mload(add(at, 0x40))
            let a := mload(add(at, 0x60))
            let first := mload(add(at, 0x80))
            let last := mload(add(at, 0xa0))
            for {} lt(o, end) { o := add(o, 0x20) } {
                let x := calldataload(src)
                if slt(x, 0) {
                    seen := or(seen, add(x, offset))
                    x := sar(down, add(mul(x, shl(up, mload(a))), half))
                }
                mstore(o, x)
                src := add(src, 0x20)
                a := add(a, 0x20)
                if eq(a, last) { a := first }
            }
        }
    }


    /// @dev `output[j] = x_j < 0 ? rescaleInt(x_j * alphas[c], productFrac, frac) : x_j` for the
    ///      calldata values `x_j` from `src` on, `c` counting up from `channel` modulo the alphas.
    function _rectify(
        uint256 src,
        int256[] memory output,
        int256[] memory alphas,
        uint256 channel,
        int256 productFrac,
        int256 frac
    ) private pure {
        for (uint256 j; j < output.length; ++j) {
            int256 x;
            // Equivalent to `x = inputs[0][from + j]` (inside the window: `_need` was called).
            assembly ("memory-safe") {
                x := calldataload(add(src, shl(5, j)))
            }
            output[j] = x < 0 ? FixedMath.rescaleInt(x * alphas[channel], productFrac, frac) : x;
            if (++channel == alphas.length) channel = 0;
        }
    }
}
