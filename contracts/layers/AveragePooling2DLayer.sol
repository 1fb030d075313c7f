// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Pooling2DBase} from "./base/Pooling2DBase.sol";
import {SpatialMath} from "../lib/SpatialMath.sol";

/// @title AveragePooling2DLayer
/// @notice Keras AveragePooling2D: the mean of each window's valid cells (with 'same' padding
///         the padded cells are not counted), rounded to nearest, ties up
///         (`SpatialMath.divRoundHalfUp`).
contract AveragePooling2DLayer is Pooling2DBase {
    function _pool(uint256 xBase, Config memory c, Window memory w, uint256 out) internal pure override {
        uint256 pixelBytes = c.channels * 32;
        uint256 rowBytes = c.width * pixelBytes;
        // Equivalent to `out[ch] = sum over cells (y, z) of x[(y W + z) C + ch]`, checked: an
        // overflow reverts (Panic 0x11) rather than differ from the emulator.
        assembly ("memory-safe") {
            let y1 := mload(add(w, 0x20))
            for { let ch := 0 } lt(ch, pixelBytes) { ch := add(ch, 0x20) } { mstore(add(out, ch), 0) }
            for { let y := mload(w) } lt(y, y1) { y := add(y, 1) } {
                let row := add(xBase, mul(y, rowBytes))
                let end := add(row, mul(mload(add(w, 0x60)), pixelBytes))
                for { let p := add(row, mul(mload(add(w, 0x40)), pixelBytes)) } lt(p, end) { p := add(p, pixelBytes) } {
                    for { let ch := 0 } lt(ch, pixelBytes) { ch := add(ch, 0x20) } {
                        let v := calldataload(add(p, ch))
                        let o := add(out, ch)
                        let a := mload(o)
                        let r := add(a, v)
                        // Signed overflow iff (r < a) differs from (v < 0).
                        if iszero(eq(slt(r, a), slt(v, 0))) {
                            mstore(0, shl(224, 0x4e487b71)) // Panic(uint256)
                            mstore(4, 0x11) // arithmetic overflow
                            revert(0, 0x24)
                        }
                        mstore(o, r)
                    }
                }
            }
        }
        uint256 cells = (w.y1 - w.y0) * (w.x1 - w.x0);
        for (uint256 ch = 0; ch < pixelBytes; ch += 32) {
            int256 total;
            assembly ("memory-safe") {
                total := mload(add(out, ch))
            }
            int256 mean = SpatialMath.divRoundHalfUp(total, cells);
            assembly ("memory-safe") {
                mstore(add(out, ch), mean)
            }
        }
    }
}
