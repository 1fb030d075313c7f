// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LibClone} from "solady/src/utils/LibClone.sol";
import {SSTORE2} from "solady/src/utils/SSTORE2.sol";
import {ILayer} from "../interfaces/ILayer.sol";

/// @title LayerHarness
/// @notice Test-only: clones layer implementations with their configs, stores weight pages and
///         measures `forward` and `forwardSlice` gas, so layers can be tested without an EternalModel.
contract LayerHarness {
    /// @notice A layer clone was created.
    /// @param layer The clone.
    event Cloned(address layer);
    /// @notice Weight pages were stored.
    /// @param pages Their data contracts, in order.
    event PagesWritten(address[] pages);

    /// @notice Clones `implementation` with `config` as its immutable args.
    /// @param implementation A layer implementation.
    /// @param config         Its config, raw ABI or compressed.
    /// @return layer The clone.
    function clone(address implementation, bytes calldata config) external returns (address layer) {
        layer = LibClone.clone(implementation, config);
        emit Cloned(layer);
    }

    /// @notice Stores each of `pages` as an SSTORE2 data contract.
    /// @param pages Weight pages, in order.
    /// @return pointers Their data contracts, in order.
    function writePages(bytes[] calldata pages) external returns (address[] memory pointers) {
        pointers = new address[](pages.length);
        for (uint256 i; i < pages.length; ++i) {
            pointers[i] = SSTORE2.write(pages[i]);
        }
        emit PagesWritten(pointers);
    }

    /// @notice `layer.forward(inputs, pages)` and the gas it took.
    /// @param layer  A layer clone.
    /// @param inputs Its input tensors.
    /// @param pages  The weight pages.
    /// @return output  What `forward` returned.
    /// @return gasUsed Gas the call took, the call itself included.
    function measure(address layer, int256[][] calldata inputs, address[] calldata pages)
        external
        view
        returns (int256[] memory output, uint256 gasUsed)
    {
        uint256 start = gasleft();
        output = ILayer(layer).forward(inputs, pages);
        gasUsed = start - gasleft();
    }

    /// @notice `layer.forwardSlice(inputs, pages, start, end)` and the gas it took.
    /// @param layer  A layer clone.
    /// @param inputs Its input tensors.
    /// @param pages  The weight pages.
    /// @param start  First element wanted.
    /// @param end    One past the last element wanted.
    /// @return output  The slice `forwardSlice` returned.
    /// @return size    The output size it reported.
    /// @return gasUsed Gas the call took, the call itself included.
    function measureSlice(address layer, int256[][] calldata inputs, address[] calldata pages, uint256 start, uint256 end)
        external
        view
        returns (int256[] memory output, uint256 size, uint256 gasUsed)
    {
        gasUsed = gasleft();
        (output, size) = ILayer(layer).forwardSlice(inputs, pages, start, end);
        gasUsed -= gasleft();
    }

    /// @notice A static call to `target` with `data` (e.g. the calldata of `forward`) and the gas
    ///         it took inside the callee, as a call tracer reports a call's `gasUsed`, plus the
    ///         100 of a warm account access: not the copy of `data` or of the answer.
    /// @param target The contract to call (warmed first, so its cold access is not counted).
    /// @param data   The calldata.
    /// @return result  What the call returned.
    /// @return gasUsed Gas of the STATICCALL: 100 + the callee's execution.
    function measureCall(address target, bytes calldata data)
        external
        view
        returns (bytes memory result, uint256 gasUsed)
    {
        bool ok;
        // Equivalent to `(ok, result) = target.staticcall(data)` with `gasleft()` read just
        // before and after the call: the arguments are copied to memory and the answer out of
        // it outside the measured span.
        assembly ("memory-safe") {
            pop(extcodesize(target)) // warm the account: the measured call pays 100 for it
            let args := mload(0x40)
            calldatacopy(args, data.offset, data.length)
            let before := gas()
            ok := staticcall(gas(), target, args, data.length, 0, 0)
            gasUsed := sub(before, gas())
            result := args
            mstore(result, returndatasize())
            returndatacopy(add(result, 0x20), 0, returndatasize())
            mstore(0x40, add(add(result, 0x20), and(add(returndatasize(), 0x1f), not(0x1f))))
        }
        if (!ok) {
            // Equivalent to rethrowing the callee's revert data.
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}
