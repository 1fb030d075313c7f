// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LibRLP} from "solady/src/utils/LibRLP.sol";

/// @title ModelWalk
/// @notice What `EternalModel.predict` needs to walk a model, and its packed byte form (kept in a
///         data contract written at `construct`: one EXTCODECOPY per `predict` instead of an SLOAD
///         per layer and link, at ~30 bytes per layer instead of ~7 words). Weight page addresses
///         are not stored: page i is the (i + 1)-th contract its page writer created, so its
///         address follows from the writer's address and i (`pageAddresses`).
/// @dev Packed form, big-endian: `u16 layerCount, u16 inputCount, u16 outputCount, u32 pageCount`,
///      `u16` per input layer, `u16` per output layer, then per layer: `address(20) layer, u8 given,
///      u16 canonical, u16 lastUse (0xffff: forever), u8 sourceCount, u16` per source (the
///      canonical index of its inbound layer, what `predict` reads), `u16` per source (the inbound
///      layer as `construct` got it, what `inbound` returns). Layer indices must be < 0xffff and source counts < 256 (the
///      caller checks); a page count of 2^32 or more (10^14 weight bytes) could never be uploaded,
///      so such a model never gets to `predict` and the truncated count is never read.
library ModelWalk {
    /// @notice The walk.
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
    /// @dev Bytes before the input list: layer, input and output counts (u16 each), page count (u32).
    uint256 private constant HEADER = 10;
    /// @dev Bytes per layer besides its sources: address, given, canonical, lastUse, source count.
    uint256 private constant LAYER_BYTES = 26;

    /// @notice The packed walk of a model: each layer's inputs resolved through identity layers
    ///         (`canonical`) and the last layer that reads each output (`lastUse`).
    /// @dev Identity layers (`layers[i] == address(0)`) that are not model inputs must have exactly
    ///      one inbound layer, and every inbound index must be an earlier layer (the caller checks).
    /// @param layers    Layer contracts in graph order (`address(0)`: identity layer).
    /// @param inbound   Per layer, the indices of its input layers.
    /// @param inputs    Model input layers, in `predict` order.
    /// @param outputs   Model output layers, in `predict` order.
    /// @param pageCount Number of weight pages.
    /// @return data The packed walk.
    function pack(
        address[] memory layers,
        uint256[][] calldata inbound,
        uint256[] calldata inputs,
        uint256[] calldata outputs,
        uint256 pageCount
    ) internal pure returns (bytes memory data) {
        Walk memory walk = _resolve(layers, inbound, inputs, outputs);
        uint256 size = HEADER + 2 * (inputs.length + outputs.length) + LAYER_BYTES * layers.length;
        for (uint256 i; i < inbound.length; ++i) {
            size += 4 * inbound[i].length;
        }
        data = new bytes(size + 32); // + 32: `_put` writes whole words past the end
        uint256 p;
        assembly ("memory-safe") {
            p := add(data, 0x20) // skip the length word
        }
        p = _put(p, layers.length, 2);
        p = _put(p, inputs.length, 2);
        p = _put(p, outputs.length, 2);
        p = _put(p, pageCount, 4);
        for (uint256 k; k < inputs.length; ++k) p = _put(p, inputs[k], 2);
        for (uint256 k; k < outputs.length; ++k) p = _put(p, outputs[k], 2);
        for (uint256 i; i < layers.length; ++i) {
            p = _put(p, uint160(layers[i]), 20);
            p = _put(p, walk.given[i] ? 1 : 0, 1);
            p = _put(p, walk.canonical[i], 2);
            p = _put(p, walk.lastUse[i] == FOREVER ? FOREVER_PACKED : walk.lastUse[i], 2);
            uint256[] calldata sources = inbound[i];
            p = _put(p, sources.length, 1);
            for (uint256 j; j < sources.length; ++j) p = _put(p, walk.canonical[sources[j]], 2);
            for (uint256 j; j < sources.length; ++j) p = _put(p, sources[j], 2);
        }
        assembly ("memory-safe") {
            mstore(data, size) // drop the 32 bytes of slack
        }
    }

    /// @notice The walk from its packed bytes, pages included.
    /// @param data       Bytes from `pack`.
    /// @param pageWriter The contract that created the model's weight pages (see `pageAddresses`).
    /// @return walk The walk.
    function decode(bytes memory data, address pageWriter) internal pure returns (Walk memory walk) {
        uint256 p;
        assembly ("memory-safe") {
            p := add(data, 0x20) // skip the length word
        }
        uint256 count = _get(p, 2);
        walk.inputs = new uint256[](_get(p + 2, 2));
        walk.outputs = new uint256[](_get(p + 4, 2));
        walk.pages = pageAddresses(pageWriter, _get(p + 6, 4));
        p += HEADER;
        for (uint256 k; k < walk.inputs.length; ++k) (walk.inputs[k], p) = (_get(p, 2), p + 2);
        for (uint256 k; k < walk.outputs.length; ++k) (walk.outputs[k], p) = (_get(p, 2), p + 2);
        walk.layers = new address[](count);
        walk.sources = new uint256[][](count);
        walk.canonical = new uint256[](count);
        walk.lastUse = new uint256[](count);
        walk.given = new bool[](count);
        for (uint256 i; i < count; ++i) {
            uint256 record;
            assembly ("memory-safe") {
                // Equivalent to `_get(p, LAYER_BYTES)`: the layer's 26-byte record in one read.
                record := shr(48, mload(p))
            }
            walk.layers[i] = address(uint160(record >> 48));
            walk.given[i] = (record >> 40) & 0xff != 0;
            walk.canonical[i] = (record >> 24) & 0xffff;
            uint256 lastUse = (record >> 8) & 0xffff;
            walk.lastUse[i] = lastUse == FOREVER_PACKED ? FOREVER : lastUse;
            uint256[] memory sources = new uint256[](record & 0xff);
            p += LAYER_BYTES;
            for (uint256 j; j < sources.length; ++j) (sources[j], p) = (_get(p, 2), p + 2);
            p += 2 * sources.length; // the inbound sources, for `links`
            walk.sources[i] = sources;
        }
    }

    /// @notice Every layer's inbound layers as `construct` got them, from the packed walk.
    /// @param data Bytes from `pack` (empty: no layers).
    /// @return inbound Per layer, the indices of its input layers.
    function links(bytes memory data) internal pure returns (uint256[][] memory inbound) {
        if (data.length == 0) return inbound;
        uint256 p;
        assembly ("memory-safe") {
            p := add(data, 0x20) // skip the length word
        }
        inbound = new uint256[][](_get(p, 2));
        p += HEADER + 2 * (_get(p + 2, 2) + _get(p + 4, 2)); // past the header, inputs and outputs
        for (uint256 i; i < inbound.length; ++i) {
            uint256[] memory sources = new uint256[](_get(p + 25, 1));
            p += LAYER_BYTES + 2 * sources.length; // past the canonical sources
            for (uint256 j; j < sources.length; ++j) (sources[j], p) = (_get(p, 2), p + 2);
            inbound[i] = sources;
        }
    }

    /// @notice The addresses of the first `count` contracts `writer` creates: its weight pages.
    /// @dev A contract's first CREATE uses nonce 1 (EIP-161), so page i sits at
    ///      `keccak256(rlp([writer, i + 1]))[12:]`, whatever else the model created.
    /// @param writer The page writer (it creates pages and nothing else).
    /// @param count  Number of pages.
    /// @return pages Page i's address at index i.
    function pageAddresses(address writer, uint256 count) internal pure returns (address[] memory pages) {
        pages = new address[](count);
        for (uint256 i; i < count; ++i) {
            pages[i] = LibRLP.computeAddress(writer, i + 1);
        }
    }

    /// @dev `given`, `canonical` and `lastUse` of the walk (the other fields stay empty).
    function _resolve(
        address[] memory layers,
        uint256[][] calldata inbound,
        uint256[] calldata inputs,
        uint256[] calldata outputs
    ) private pure returns (Walk memory walk) {
        uint256 count = layers.length;
        walk.given = new bool[](count);
        walk.canonical = new uint256[](count);
        walk.lastUse = new uint256[](count);
        for (uint256 k; k < inputs.length; ++k) {
            walk.given[inputs[k]] = true;
        }
        for (uint256 i; i < count; ++i) {
            uint256[] calldata sources = inbound[i];
            for (uint256 j; j < sources.length; ++j) {
                walk.lastUse[walk.canonical[sources[j]]] = i;
            }
            walk.canonical[i] = walk.given[i] || layers[i] != address(0) ? i : walk.canonical[sources[0]];
        }
        for (uint256 k; k < outputs.length; ++k) {
            walk.lastUse[walk.canonical[outputs[k]]] = FOREVER;
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
