// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title WeightPages
/// @notice Reads byte ranges of a model's weight stream out of its pages (SSTORE2 data
///         contracts of `PAGE_SIZE` bytes; page byte i sits at code offset i + 1).
/// @dev Layers stream weights block by block into one reused memory buffer: EVM memory
///      cost is quadratic, so never load a whole tensor when a block will do.
library WeightPages {
    /// @notice Bytes per page (the last page of a model may be shorter).
    uint256 internal constant PAGE_SIZE = 24575;

    /// @notice The range `[offset, offset + length)` ends on page `lastPage`, but the model
    ///         has only `pageCount` pages.
    error WeightRangeOutOfBounds(uint256 offset, uint256 length, uint256 lastPage, uint256 pageCount);

    /// @notice Copies weight-stream bytes `[offset, offset + length)` to memory at `destination`.
    /// @dev Writes exactly `length` bytes at `destination`; allocates nothing, so the caller
    ///      owns (and may reuse) the destination region. Ranges may span several pages.
    ///      Equivalent to, for each byte k: `mem[destination + k] =
    ///      code(pages[(offset + k) / PAGE_SIZE])[(offset + k) % PAGE_SIZE + 1]`.
    /// @param pages       The model's pages, in order.
    /// @param offset      First byte in the weight stream (bytes from the stream start).
    /// @param length      Number of bytes to copy.
    /// @param destination Memory address to write to.
    function copy(address[] calldata pages, uint256 offset, uint256 length, uint256 destination) internal view {
        if (length == 0) return;
        uint256 lastPage = (offset + length - 1) / PAGE_SIZE;
        if (lastPage >= pages.length) revert WeightRangeOutOfBounds(offset, length, lastPage, pages.length);
        assembly ("memory-safe") {
            let page := div(offset, PAGE_SIZE)
            let within := mod(offset, PAGE_SIZE)
            for {} length {} {
                // n = min(length, bytes left on this page)
                let n := sub(PAGE_SIZE, within)
                if lt(length, n) { n := length }
                // + 1 skips the STOP byte SSTORE2 puts in front of the data.
                extcodecopy(calldataload(add(pages.offset, shl(5, page))), destination, add(within, 1), n)
                destination := add(destination, n)
                length := sub(length, n)
                page := add(page, 1)
                within := 0
            }
        }
    }

    /// @notice Fills `buffer` (all of its `buffer.length` bytes) from the weight stream at `offset`.
    /// @dev For a reused buffer: allocate once, refill per block.
    /// @param pages  The model's pages, in order.
    /// @param offset First byte in the weight stream.
    /// @param buffer Memory bytes to overwrite; its length is the number of bytes read.
    function readInto(address[] calldata pages, uint256 offset, bytes memory buffer) internal view {
        uint256 destination;
        assembly ("memory-safe") {
            destination := add(buffer, 0x20) // skip the length word
        }
        copy(pages, offset, buffer.length, destination);
    }

    /// @notice A new memory copy of weight-stream bytes `[offset, offset + length)`.
    /// @param pages  The model's pages, in order.
    /// @param offset First byte in the weight stream.
    /// @param length Number of bytes.
    /// @return data The bytes.
    function read(address[] calldata pages, uint256 offset, uint256 length) internal view returns (bytes memory data) {
        data = new bytes(length);
        readInto(pages, offset, data);
    }
}
