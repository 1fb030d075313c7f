// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LibClone} from "solady/src/utils/LibClone.sol";
import {LibZip} from "solady/src/utils/LibZip.sol";

import {ILayer} from "../interfaces/ILayer.sol";
import {WeightPages} from "../lib/WeightPages.sol";

/// @title WeightPagesHarness (tests only)
/// @notice A layer whose output is a slice of the weight stream, one byte per element, plus
///         the sum of its first input: tests `WeightPages` and the model's call path.
/// @dev Config (clone immutable args): `abi.encode(uint256 offset, uint256 length)`, raw or
///      compressed exactly as `LayerBase._config` accepts it.
contract WeightPagesHarness is ILayer {
    /// @inheritdoc ILayer
    function forward(int256[][] calldata inputs, address[] calldata pages)
        external
        view
        returns (int256[] memory output)
    {
        (uint256 offset, uint256 length) = abi.decode(config(), (uint256, uint256));
        bytes memory data = WeightPages.read(pages, offset, length);
        output = new int256[](length + 1);
        for (uint256 i; i < length; ++i) {
            output[i] = int256(uint256(uint8(data[i])));
        }
        int256 total;
        for (uint256 k; k < inputs.length; ++k) {
            for (uint256 i; i < inputs[k].length; ++i) {
                total += inputs[k][i] * int256(k + 1);
            }
        }
        output[length] = total;
    }

    /// @notice The decoded config (as `LayerBase._config`).
    function config() public view returns (bytes memory args) {
        args = LibClone.argsOnClone(address(this));
        if (args.length != 0 && args[0] == 0xff) args = LibZip.cdDecompress(args);
    }

    /// @notice `WeightPages.readInto` on a buffer of `length` bytes, for direct calls.
    function readInto(address[] calldata pages, uint256 offset, uint256 length) external view returns (bytes memory buffer) {
        buffer = new bytes(length);
        WeightPages.readInto(pages, offset, buffer);
    }
}
