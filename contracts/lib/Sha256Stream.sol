// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Sha256Stream
/// @notice SHA-256 (FIPS 180-4) of a message of whole 32-byte words, absorbed a 64-byte block at a
///         time, so a contract can hash a message that arrives over many transactions and keep
///         only the 32-byte chaining value between them. `digest` equals the `sha256` precompile
///         over the concatenated words.
/// @dev The chaining value is one word: H0 in the top 32 bits down to H7 in the low 32 bits,
///      which is also how the final digest reads as `bytes32`. Absorb words in pairs with
///      `compress`; an odd last word stays pending until `digest` pads it.
library Sha256Stream {
    /// @notice SHA-256's initial hash value H(0) (FIPS 180-4, 5.3.3), packed as a chaining value.
    uint256 internal constant INITIAL_STATE = 0x6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19;

    // solhint-disable function-max-lines
    // One assembly kernel kept whole: the 64 rounds, eight per pass, rename the working variables
    // instead of moving them, which a function per round would undo (jumps and stack shuffles).

    /// @notice The SHA-256 compression function on one 64-byte block `first || second`.
    /// @dev Equivalent to FIPS 180-4 6.2.2 steps 1-4 with H(i-1) = `state`. Uses 2.25 KiB of scratch
    ///      memory past the free memory pointer (not allocated): W[0..63], then K[0..63] packed
    ///      eight to a word. 32-bit words live in 256-bit ones: sums and xors of them are exact in
    ///      their low 32 bits, so values are masked (`0xffffffff`: one 32-bit word) only where a
    ///      full 32-bit word is needed (stored schedule words, the working variables).
    /// @param state  Chaining value before the block (`INITIAL_STATE` for the first block).
    /// @param first  Block bytes 0..31.
    /// @param second Block bytes 32..63.
    /// @return next Chaining value after the block.
    function compress(uint256 state, bytes32 first, bytes32 second) internal pure returns (uint256 next) {
        assembly ("memory-safe") {
            {
                // Message schedule: W[t] at w + 32 t, t = 0..63 (FIPS 180-4 6.2.2 step 1).
                let w := mload(0x40)
                for { let t := 0 } lt(t, 8) { t := add(t, 1) } {
                    let shift := sub(224, shl(5, t)) // word t of a 32-byte half sits at bits 224 - 32 t
                    mstore(add(w, shl(5, t)), and(shr(shift, first), 0xffffffff))
                    mstore(add(w, shl(5, add(t, 8))), and(shr(shift, second), 0xffffffff))
                }
                // Four steps a pass (48 = 4 x 12): the loop's jumps cost as much as a third of a step.
                for { let p := add(w, 0x200) } lt(p, add(w, 0x800)) { p := add(p, 0x20) } {
                    // x2 = x || x (64 bits): shr(n, x2) is ROTR^n(x) in its low 32 bits.
                    let x
                    let x2
                    let sigma0
                    x := mload(sub(p, 0x1e0)) // W[t-15]
                    x2 := or(x, shl(32, x))
                    sigma0 := xor(xor(shr(7, x2), shr(18, x2)), shr(3, x))
                    x := mload(sub(p, 0x40)) // W[t-2]
                    x2 := or(x, shl(32, x))
                    // W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16]
                    x := add(xor(xor(shr(17, x2), shr(19, x2)), shr(10, x)), mload(sub(p, 0xe0)))
                    mstore(p, and(add(x, add(sigma0, mload(sub(p, 0x200)))), 0xffffffff))
                    p := add(p, 0x20)
                    x := mload(sub(p, 0x1e0))
                    x2 := or(x, shl(32, x))
                    sigma0 := xor(xor(shr(7, x2), shr(18, x2)), shr(3, x))
                    x := mload(sub(p, 0x40))
                    x2 := or(x, shl(32, x))
                    x := add(xor(xor(shr(17, x2), shr(19, x2)), shr(10, x)), mload(sub(p, 0xe0)))
                    mstore(p, and(add(x, add(sigma0, mload(sub(p, 0x200)))), 0xffffffff))
                    p := add(p, 0x20)
                    x := mload(sub(p, 0x1e0))
                    x2 := or(x, shl(32, x))
                    sigma0 := xor(xor(shr(7, x2), shr(18, x2)), shr(3, x))
                    x := mload(sub(p, 0x40))
                    x2 := or(x, shl(32, x))
                    x := add(xor(xor(shr(17, x2), shr(19, x2)), shr(10, x)), mload(sub(p, 0xe0)))
                    mstore(p, and(add(x, add(sigma0, mload(sub(p, 0x200)))), 0xffffffff))
                    p := add(p, 0x20)
                    x := mload(sub(p, 0x1e0))
                    x2 := or(x, shl(32, x))
                    sigma0 := xor(xor(shr(7, x2), shr(18, x2)), shr(3, x))
                    x := mload(sub(p, 0x40))
                    x2 := or(x, shl(32, x))
                    x := add(xor(xor(shr(17, x2), shr(19, x2)), shr(10, x)), mload(sub(p, 0xe0)))
                    mstore(p, and(add(x, add(sigma0, mload(sub(p, 0x200)))), 0xffffffff))
                }
                // K[0..63] (FIPS 180-4 4.2.2), eight 32-bit constants per word, after the schedule.
                let kt := add(w, 0x800)
                mstore(kt, 0x428a2f9871374491b5c0fbcfe9b5dba53956c25b59f111f1923f82a4ab1c5ed5)
                mstore(add(kt, 0x20), 0xd807aa9812835b01243185be550c7dc372be5d7480deb1fe9bdc06a7c19bf174)
                mstore(add(kt, 0x40), 0xe49b69c1efbe47860fc19dc6240ca1cc2de92c6f4a7484aa5cb0a9dc76f988da)
                mstore(add(kt, 0x60), 0x983e5152a831c66db00327c8bf597fc7c6e00bf3d5a7914706ca635114292967)
                mstore(add(kt, 0x80), 0x27b70a852e1b21384d2c6dfc53380d13650a7354766a0abb81c2c92e92722c85)
                mstore(add(kt, 0xa0), 0xa2bfe8a1a81a664bc24b8b70c76c51a3d192e819d6990624f40e3585106aa070)
                mstore(add(kt, 0xc0), 0x19a4c1161e376c082748774c34b0bcb5391c0cb34ed8aa4a5b9cca4f682e6ff3)
                mstore(add(kt, 0xe0), 0x748f82ee78a5636f84c878148cc7020890befffaa4506cebbef9a3f7c67178f2)
            }
            // Working variables (FIPS 180-4 6.2.2 steps 2-3).
            let a := shr(224, state)
            let b := and(shr(192, state), 0xffffffff)
            let c := and(shr(160, state), 0xffffffff)
            let d := and(shr(128, state), 0xffffffff)
            let e := and(shr(96, state), 0xffffffff)
            let f := and(shr(64, state), 0xffffffff)
            let g := and(shr(32, state), 0xffffffff)
            let h := and(state, 0xffffffff)
            // Eight rounds per pass. A round only changes two words: with T1 = h + S1(e) + Ch(e, f, g)
            // + K[t] + W[t], e' = d + T1 and a' = T1 + S0(a) + Maj(a, b, c); the others move one place
            // (b' = a, ..., h' = g). Renaming instead of moving: round r writes e' into the variable
            // that held d and a' into the one that held h, and the next round reads its a..h from
            // the names shifted by one.
            for { let p := mload(0x40) } lt(p, add(mload(0x40), 0x800)) { p := add(p, 0x100) } {
                // K[8 n .. 8 n + 7]: the table word at W + 0x800 + (p - W) / 8, K[8 n + j] in the low 32
                // bits of shr(224 - 32 j, k) (the bits above do not change a sum's low 32 bits).
                let k := mload(add(add(mload(0x40), 0x800), shr(3, sub(p, mload(0x40)))))
                let t1
                // round 8 n + 0: (a, b, c, d, e, f, g, h)
                t1 := or(e, shl(32, e))
                t1 := add(add(h, add(mload(p), shr(224, k))), add(xor(xor(shr(6, t1), shr(11, t1)), shr(25, t1)), xor(g, and(e, xor(f, g)))))
                d := and(add(d, t1), 0xffffffff)
                h := or(a, shl(32, a))
                h := and(add(t1, add(xor(xor(shr(2, h), shr(13, h)), shr(22, h)), or(and(a, b), and(c, or(a, b))))), 0xffffffff)
                // round 8 n + 1: (h, a, b, c, d, e, f, g)
                t1 := or(d, shl(32, d))
                t1 := add(add(g, add(mload(add(p, 0x20)), shr(192, k))), add(xor(xor(shr(6, t1), shr(11, t1)), shr(25, t1)), xor(f, and(d, xor(e, f)))))
                c := and(add(c, t1), 0xffffffff)
                g := or(h, shl(32, h))
                g := and(add(t1, add(xor(xor(shr(2, g), shr(13, g)), shr(22, g)), or(and(h, a), and(b, or(h, a))))), 0xffffffff)
                // round 8 n + 2: (g, h, a, b, c, d, e, f)
                t1 := or(c, shl(32, c))
                t1 := add(add(f, add(mload(add(p, 0x40)), shr(160, k))), add(xor(xor(shr(6, t1), shr(11, t1)), shr(25, t1)), xor(e, and(c, xor(d, e)))))
                b := and(add(b, t1), 0xffffffff)
                f := or(g, shl(32, g))
                f := and(add(t1, add(xor(xor(shr(2, f), shr(13, f)), shr(22, f)), or(and(g, h), and(a, or(g, h))))), 0xffffffff)
                // round 8 n + 3: (f, g, h, a, b, c, d, e)
                t1 := or(b, shl(32, b))
                t1 := add(add(e, add(mload(add(p, 0x60)), shr(128, k))), add(xor(xor(shr(6, t1), shr(11, t1)), shr(25, t1)), xor(d, and(b, xor(c, d)))))
                a := and(add(a, t1), 0xffffffff)
                e := or(f, shl(32, f))
                e := and(add(t1, add(xor(xor(shr(2, e), shr(13, e)), shr(22, e)), or(and(f, g), and(h, or(f, g))))), 0xffffffff)
                // round 8 n + 4: (e, f, g, h, a, b, c, d)
                t1 := or(a, shl(32, a))
                t1 := add(add(d, add(mload(add(p, 0x80)), shr(96, k))), add(xor(xor(shr(6, t1), shr(11, t1)), shr(25, t1)), xor(c, and(a, xor(b, c)))))
                h := and(add(h, t1), 0xffffffff)
                d := or(e, shl(32, e))
                d := and(add(t1, add(xor(xor(shr(2, d), shr(13, d)), shr(22, d)), or(and(e, f), and(g, or(e, f))))), 0xffffffff)
                // round 8 n + 5: (d, e, f, g, h, a, b, c)
                t1 := or(h, shl(32, h))
                t1 := add(add(c, add(mload(add(p, 0xa0)), shr(64, k))), add(xor(xor(shr(6, t1), shr(11, t1)), shr(25, t1)), xor(b, and(h, xor(a, b)))))
                g := and(add(g, t1), 0xffffffff)
                c := or(d, shl(32, d))
                c := and(add(t1, add(xor(xor(shr(2, c), shr(13, c)), shr(22, c)), or(and(d, e), and(f, or(d, e))))), 0xffffffff)
                // round 8 n + 6: (c, d, e, f, g, h, a, b)
                t1 := or(g, shl(32, g))
                t1 := add(add(b, add(mload(add(p, 0xc0)), shr(32, k))), add(xor(xor(shr(6, t1), shr(11, t1)), shr(25, t1)), xor(a, and(g, xor(h, a)))))
                f := and(add(f, t1), 0xffffffff)
                b := or(c, shl(32, c))
                b := and(add(t1, add(xor(xor(shr(2, b), shr(13, b)), shr(22, b)), or(and(c, d), and(e, or(c, d))))), 0xffffffff)
                // round 8 n + 7: (b, c, d, e, f, g, h, a)
                t1 := or(f, shl(32, f))
                t1 := add(add(a, add(mload(add(p, 0xe0)), k)), add(xor(xor(shr(6, t1), shr(11, t1)), shr(25, t1)), xor(h, and(f, xor(g, h)))))
                e := and(add(e, t1), 0xffffffff)
                a := or(b, shl(32, b))
                a := and(add(t1, add(xor(xor(shr(2, a), shr(13, a)), shr(22, a)), or(and(b, c), and(d, or(b, c))))), 0xffffffff)
                // After eight renamings every name holds its own role again.
            }
            // H(i) = H(i-1) + (a, ..., h), word by word (FIPS 180-4 6.2.2 step 4).
            next := or(
                or(
                    or(shl(224, and(add(a, shr(224, state)), 0xffffffff)), shl(192, and(add(b, shr(192, state)), 0xffffffff))),
                    or(shl(160, and(add(c, shr(160, state)), 0xffffffff)), shl(128, and(add(d, shr(128, state)), 0xffffffff)))
                ),
                or(
                    or(shl(96, and(add(e, shr(96, state)), 0xffffffff)), shl(64, and(add(f, shr(64, state)), 0xffffffff))),
                    or(shl(32, and(add(g, shr(32, state)), 0xffffffff)), and(add(h, state), 0xffffffff))
                )
            )
        }
    }

    // solhint-enable function-max-lines

    /// @notice SHA-256 of the `count` words absorbed into `state`: pads and compresses the last block.
    /// @dev Words 0..count-1 (count even) or 0..count-2 (count odd) must have been absorbed in pairs
    ///      by `compress`, starting from `INITIAL_STATE`; an odd last word is `pending`. The message
    ///      is 256 count bits long; one block always holds the padding (32 + 1 + 8 <= 64 bytes).
    /// @param state   Chaining value after the absorbed pairs.
    /// @param pending The last word when `count` is odd (ignored when even).
    /// @param count   Number of 32-byte words in the message (below 2^56).
    /// @return The SHA-256 digest of the words, as the precompile returns it.
    function digest(uint256 state, bytes32 pending, uint256 count) internal pure returns (bytes32) {
        uint256 bits = count << 8; // the message length in bits, the last 8 bytes of the block
        uint256 marker = 0x80 << 248; // the 1 bit that ends the message, then zeros
        uint256 last = count % 2 == 1
            ? compress(state, pending, bytes32(marker | bits))
            : compress(state, bytes32(marker), bytes32(bits));
        return bytes32(last);
    }
}
