// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SSTORE2} from "solady/src/utils/SSTORE2.sol";
import {WeightPages} from "./WeightPages.sol";

/// @title DataChunks
/// @notice Bytes of any length kept in SSTORE2 data contracts ("chunks") of at most
///         `WeightPages.PAGE_SIZE` (24,575) bytes each, their addresses in a storage array:
///         ~200 gas a byte to write (code deposit), ~3 gas a word plus 2,600 a chunk to read.
/// @dev Used by EternalModel (graph, walk) and InferenceJobs (stored outputs).
library DataChunks {
    /// @notice Stores `data` in new data contracts of at most 24,575 bytes each, appended to `chunks`.
    /// @param chunks The chunk addresses (storage) to append to.
    /// @param data   The bytes to store (nothing is created for empty data).
    function write(address[] storage chunks, bytes memory data) internal {
        uint256 size = WeightPages.PAGE_SIZE;
        for (uint256 start; start < data.length; start += size) {
            uint256 end = start + size < data.length ? start + size : data.length;
            bytes memory chunk = new bytes(end - start);
            assembly ("memory-safe") {
                // Equivalent to `chunk = data[start:end]` (memory slices do not exist in Solidity).
                mcopy(add(chunk, 0x20), add(add(data, 0x20), start), sub(end, start))
            }
            chunks.push(SSTORE2.write(chunk));
        }
    }

    /// @notice The bytes of the data contracts `chunks`, concatenated in order.
    /// @param chunks The chunk addresses (storage).
    /// @return data Their bytes (empty for no chunks).
    function read(address[] storage chunks) internal view returns (bytes memory data) {
        uint256 count = chunks.length;
        uint256 total;
        for (uint256 i; i < count; ++i) {
            total += chunks[i].code.length - 1; // - 1: SSTORE2's STOP prefix byte
        }
        data = new bytes(total);
        uint256 destination;
        assembly ("memory-safe") {
            destination := add(data, 0x20) // skip the length word
        }
        for (uint256 i; i < count; ++i) {
            address chunk = chunks[i];
            uint256 size = chunk.code.length - 1;
            assembly ("memory-safe") {
                // Equivalent to appending `SSTORE2.read(chunk)`; code offset 1 skips the STOP byte.
                extcodecopy(chunk, destination, 1, size)
                destination := add(destination, size)
            }
        }
    }
}
