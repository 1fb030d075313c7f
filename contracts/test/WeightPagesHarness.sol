// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ILayer} from "../interfaces/ILayer.sol";
import {LayerBase} from "../layers/base/LayerBase.sol";
import {WeightPages} from "../lib/WeightPages.sol";

/// @title WeightPagesHarness (tests only)
/// @notice A layer whose output is a slice of the weight stream, one byte per element, plus
///         the sum of its first input: tests `WeightPages` and the model's call path.
/// @dev Config (clone immutable args): `abi.encode(uint256 offset, uint256 length)`, raw or
///      compressed, read by `LayerBase._config` as every layer reads its own.
contract WeightPagesHarness is LayerBase {
    /// @inheritdoc ILayer
    function forward(int256[][] calldata inputs, address[] calldata pages)
        external
        view
        returns (int256[] memory output)
    {
        (uint256 offset, uint256 length) = abi.decode(_config(), (uint256, uint256));
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

    /// @notice The decoded config (`LayerBase._config`).
    function config() external view returns (bytes memory) {
        return _config();
    }

    /// @notice `WeightPages.readInto` on a buffer of `length` bytes, for direct calls.
    /// @param pages  Weight pages.
    /// @param offset Byte offset in the weight stream.
    /// @param length How many bytes to read.
    /// @return buffer The bytes read.
    function readInto(address[] calldata pages, uint256 offset, uint256 length) external view returns (bytes memory buffer) {
        buffer = new bytes(length);
        WeightPages.readInto(pages, offset, buffer);
    }
}
