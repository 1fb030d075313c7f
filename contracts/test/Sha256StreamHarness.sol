// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Sha256Stream} from "../lib/Sha256Stream.sol";

/// @title Sha256StreamHarness
/// @notice Test-only: exposes `Sha256Stream` so tests can compare it with the `sha256` precompile.
contract Sha256StreamHarness {
    /// @notice SHA-256 of `words` concatenated, streamed a pair at a time as `EternalModel` streams
    ///         its page hashes.
    /// @param words The message, in 32-byte words.
    /// @return The digest.
    function hashWords(bytes32[] calldata words) external pure returns (bytes32) {
        uint256 state = absorb(Sha256Stream.INITIAL_STATE, words[:words.length - words.length % 2]);
        bytes32 pending = words.length % 2 == 1 ? words[words.length - 1] : bytes32(0);
        return Sha256Stream.digest(state, pending, words.length);
    }

    /// @notice `state` after absorbing `pairs` (an even number of words), a block per pair.
    /// @param state Chaining value before (`Sha256Stream.INITIAL_STATE` at the start).
    /// @param pairs The next words of the message.
    /// @return The chaining value after.
    function absorb(uint256 state, bytes32[] calldata pairs) public pure returns (uint256) {
        for (uint256 i = 1; i < pairs.length; i += 2) {
            state = Sha256Stream.compress(state, pairs[i - 1], pairs[i]);
        }
        return state;
    }

    /// @notice `Sha256Stream.digest`.
    /// @param state   Chaining value after the absorbed pairs.
    /// @param pending The last word when `count` is odd.
    /// @param count   Words in the message.
    /// @return The digest.
    function digest(uint256 state, bytes32 pending, uint256 count) external pure returns (bytes32) {
        return Sha256Stream.digest(state, pending, count);
    }

    /// @notice The gas of one `Sha256Stream.compress`, measured inside the call.
    /// @param state  Chaining value.
    /// @param first  Block bytes 0..31.
    /// @param second Block bytes 32..63.
    /// @return next The chaining value after the block.
    /// @return gasUsed Gas the compression took.
    function compressGas(uint256 state, bytes32 first, bytes32 second) external view returns (uint256 next, uint256 gasUsed) {
        gasUsed = gasleft();
        next = Sha256Stream.compress(state, first, second);
        gasUsed -= gasleft();
    }
}
