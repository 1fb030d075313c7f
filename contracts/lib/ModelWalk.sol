// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ModelWalk
/// @notice What `EternalModel.predict` needs to walk a model, and its packed byte form (kept in a
///         data contract written at `finalize`: one EXTCODECOPY per `predict` instead of an SLOAD
///         per layer, link and page, at ~30 bytes per layer instead of ~7 words).
/// @dev Packed form, big-endian: `u16 layerCount, u16 inputCount, u16 outputCount, u16 pageCount`,
///      `u16` per input layer, `u16` per output layer, 20 bytes per page, then per layer:
///      `address(20) layer, u8 given, u16 canonical, u16 lastUse (0xffff: forever), u8 sourceCount,
///      u16` per source. Layer indices must be < 0xffff and source counts < 256 (construct checks).
library ModelWalk {
    /// @notice The packed walk.
    struct Walk {
        uint256[] inputs; // model input layers, in `predict` order
        uint256[] outputs; // model output layers, in `predict` order
        address[] layers; // layer contracts (address(0): identity layer)
        address[] pages; // weight pages
        uint256[][] sources; // per layer: canonical indices of its inputs
        uint256[] canonical; // per layer: the layer whose output it is (identity layers alias)
        uint256[] lastUse; // per canonical layer: last layer reading it (FOREVER: a model output)
        bool[] given; // per layer: a model input
    }

    /// @notice `lastUse` of an output nothing frees.
    uint256 internal constant FOREVER = type(uint256).max;
    uint256 private constant FOREVER_PACKED = 0xffff;

    /// @notice The packed bytes of `walk`.
    /// @param walk The walk, every array filled (layer and input indices below 0xffff).
    /// @return data Its packed bytes.
    function encode(Walk memory walk) internal pure returns (bytes memory data) {
        uint256 count = walk.layers.length;
        uint256 size = 8 + 2 * (walk.inputs.length + walk.outputs.length) + 20 * walk.pages.length + 26 * count;
        for (uint256 i; i < count; ++i) {
            size += 2 * walk.sources[i].length;
        }
        data = new bytes(size + 32); // + 32: `_put` writes whole words past the end
        uint256 p;
        assembly ("memory-safe") {
            p := add(data, 0x20) // skip the length word
        }
        p = _put(p, count, 2);
        p = _put(p, walk.inputs.length, 2);
        p = _put(p, walk.outputs.length, 2);
        p = _put(p, walk.pages.length, 2);
        for (uint256 k; k < walk.inputs.length; ++k) p = _put(p, walk.inputs[k], 2);
        for (uint256 k; k < walk.outputs.length; ++k) p = _put(p, walk.outputs[k], 2);
        for (uint256 k; k < walk.pages.length; ++k) p = _put(p, uint160(walk.pages[k]), 20);
        for (uint256 i; i < count; ++i) {
            p = _put(p, uint160(walk.layers[i]), 20);
            p = _put(p, walk.given[i] ? 1 : 0, 1);
            p = _put(p, walk.canonical[i], 2);
            p = _put(p, walk.lastUse[i] == FOREVER ? FOREVER_PACKED : walk.lastUse[i], 2);
            uint256[] memory sources = walk.sources[i];
            p = _put(p, sources.length, 1);
            for (uint256 j; j < sources.length; ++j) p = _put(p, sources[j], 2);
        }
        assembly ("memory-safe") {
            mstore(data, size) // drop the 32 bytes of slack
        }
    }

    /// @notice The walk from its packed bytes (inverse of `encode`).
    /// @param data Bytes from `encode`.
    /// @return walk The walk.
    function decode(bytes memory data) internal pure returns (Walk memory walk) {
        uint256 p;
        assembly ("memory-safe") {
            p := add(data, 0x20) // skip the length word
        }
        uint256 count = _get(p, 2);
        walk.inputs = new uint256[](_get(p + 2, 2));
        walk.outputs = new uint256[](_get(p + 4, 2));
        walk.pages = new address[](_get(p + 6, 2));
        p += 8;
        for (uint256 k; k < walk.inputs.length; ++k) (walk.inputs[k], p) = (_get(p, 2), p + 2);
        for (uint256 k; k < walk.outputs.length; ++k) (walk.outputs[k], p) = (_get(p, 2), p + 2);
        for (uint256 k; k < walk.pages.length; ++k) (walk.pages[k], p) = (address(uint160(_get(p, 20))), p + 20);
        walk.layers = new address[](count);
        walk.sources = new uint256[][](count);
        walk.canonical = new uint256[](count);
        walk.lastUse = new uint256[](count);
        walk.given = new bool[](count);
        for (uint256 i; i < count; ++i) {
            walk.layers[i] = address(uint160(_get(p, 20)));
            walk.given[i] = _get(p + 20, 1) != 0;
            walk.canonical[i] = _get(p + 21, 2);
            uint256 lastUse = _get(p + 23, 2);
            walk.lastUse[i] = lastUse == FOREVER_PACKED ? FOREVER : lastUse;
            uint256[] memory sources = new uint256[](_get(p + 25, 1));
            p += 26;
            for (uint256 j; j < sources.length; ++j) (sources[j], p) = (_get(p, 2), p + 2);
            walk.sources[i] = sources;
        }
    }

    /// @notice Packed links: per layer `u8 sourceCount` then `u16` per source (indices < 0xffff,
    ///         counts < 256: the caller checks).
    /// @param inbound Per layer, the indices of its input layers.
    /// @return data The packed links.
    function packLinks(uint256[][] calldata inbound) internal pure returns (bytes memory data) {
        uint256 size = inbound.length;
        for (uint256 i; i < inbound.length; ++i) {
            size += 2 * inbound[i].length;
        }
        data = new bytes(size + 32); // + 32: `_put` writes whole words past the end
        uint256 p;
        assembly ("memory-safe") {
            p := add(data, 0x20) // skip the length word
        }
        for (uint256 i; i < inbound.length; ++i) {
            uint256[] calldata sources = inbound[i];
            p = _put(p, sources.length, 1);
            for (uint256 j; j < sources.length; ++j) p = _put(p, sources[j], 2);
        }
        assembly ("memory-safe") {
            mstore(data, size) // drop the 32 bytes of slack
        }
    }

    /// @notice The links of `count` layers from `packLinks` bytes.
    /// @param data  Bytes from `packLinks`.
    /// @param count Number of layers they hold.
    /// @return inbound Per layer, the indices of its input layers.
    function unpackLinks(bytes memory data, uint256 count) internal pure returns (uint256[][] memory inbound) {
        inbound = new uint256[][](count);
        uint256 p;
        assembly ("memory-safe") {
            p := add(data, 0x20) // skip the length word
        }
        for (uint256 i; i < count; ++i) {
            uint256[] memory sources = new uint256[](_get(p, 1));
            p += 1;
            for (uint256 j; j < sources.length; ++j) (sources[j], p) = (_get(p, 2), p + 2);
            inbound[i] = sources;
        }
    }

    /// @dev Writes `value` as `width` big-endian bytes at memory `p`; returns `p + width`.
    ///      Clobbers the 32 - width bytes after them (callers write forward, with 32 bytes slack).
    function _put(uint256 p, uint256 value, uint256 width) private pure returns (uint256) {
        assembly ("memory-safe") {
            // Equivalent to `mem[p .. p + width) = bytes(value)` for value < 2^(8 width).
            mstore(p, shl(sub(256, shl(3, width)), value))
        }
        return p + width;
    }

    /// @dev The `width`-byte big-endian number at memory `p`.
    function _get(uint256 p, uint256 width) private pure returns (uint256 value) {
        assembly ("memory-safe") {
            // Equivalent to `uint(bytes mem[p .. p + width))`: the word's top `width` bytes.
            value := shr(sub(256, shl(3, width)), mload(p))
        }
    }
}
