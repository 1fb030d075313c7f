// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Pooling2DBase} from "./base/Pooling2DBase.sol";

/// @title MaxPooling2DLayer
/// @notice Keras MaxPooling2D: the largest value of each window (valid cells only).
contract MaxPooling2DLayer is Pooling2DBase {
    function _pool(uint256 xBase, Config memory c, Window memory w, uint256 out) internal pure override {
        uint256 pixelBytes = c.channels * 32;
        uint256 rowBytes = c.width * pixelBytes;
        // Equivalent to `out[ch] = max over cells (y, z) of x[(y W + z) C + ch]`; the window is
        // clipped to the input, so every calldata read is inside x.
        assembly ("memory-safe") {
            let y1 := mload(add(w, 0x20))
            for { let ch := 0 } lt(ch, pixelBytes) { ch := add(ch, 0x20) } {
                mstore(add(out, ch), shl(255, 1)) // type(int256).min
            }
            for { let y := mload(w) } lt(y, y1) { y := add(y, 1) } {
                let row := add(xBase, mul(y, rowBytes))
                let end := add(row, mul(mload(add(w, 0x60)), pixelBytes))
                for { let p := add(row, mul(mload(add(w, 0x40)), pixelBytes)) } lt(p, end) { p := add(p, pixelBytes) } {
                    for { let ch := 0 } lt(ch, pixelBytes) { ch := add(ch, 0x20) } {
                        let v := calldataload(add(p, ch))
                        let o := add(out, ch)
                        if sgt(v, mload(o)) { mstore(o, v) }
                    }
                }
            }
        }
    }
}
