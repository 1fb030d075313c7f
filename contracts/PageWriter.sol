// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EfficientHashLib} from "solady/src/utils/EfficientHashLib.sol";
import {SSTORE2} from "solady/src/utils/SSTORE2.sol";

/// @title PageWriter
/// @notice Stores the weight pages of the one EternalModel that created it. It creates nothing
///         but pages, so page i is its (i + 1)-th contract creation and the page's address follows
///         from i alone (`ModelWalk.pageAddresses`): the model keeps no page address, and the walk
///         `predict` reads does not grow with the number of pages.
/// @dev Its one caller is fixed at creation (an immutable, not a transferable owner slot: no
///      storage to write when a model is created, none to read per page).
contract PageWriter {
    /// @notice Only the model that created this writer may write pages; `caller` may not.
    error NotModel(address caller);

    address private immutable _model = msg.sender;

    /// @notice Stores `page` as an SSTORE2 data contract (code = STOP byte + page) and hashes it.
    /// @dev The model only: a creation by anyone else would shift every later page's address.
    /// @param page The page bytes (at most 24,575).
    /// @return pointer The data contract: this contract's next CREATE address.
    /// @return pageHash sha256 of the page.
    function write(bytes calldata page) external returns (address pointer, bytes32 pageHash) {
        if (msg.sender != _model) revert NotModel(msg.sender);
        bytes memory data = page;
        pageHash = EfficientHashLib.sha2(data);
        pointer = SSTORE2.write(data);
    }
}
