// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEternalModel} from "./interfaces/IEternalModel.sol";
import {IInferenceJobs} from "./interfaces/IInferenceJobs.sol";
import {DataChunks} from "./lib/DataChunks.sol";
import {PackedTensor} from "./lib/PackedTensor.sol";

/// @title InferenceJobs
/// @notice Runs any finalised Eternal model on chain by transactions, for models whose `predict`
///         does not fit one transaction: a job anyone can advance, one stage of layers (or one
///         slice of a layer, or the join of a layer's slices) per transaction, intermediate tensors
///         committed by hash and published in events, outputs stored on chain for any contract to read.
/// @dev One instance per chain serves every model, like a registry: a job needs nothing of the
///      model but its public views (`runStage`, `runSlice`, `tensorIds`, `lastReaders`), finalised models never
///      change, and one address lets consumers, explorers and drivers find every job. The steps
///      themselves are `view` calls into the model; this contract only checks, hashes, emits and
///      stores. Interface and events: `IInferenceJobs`; how a driver plans the steps: README.
contract InferenceJobs is IInferenceJobs {
    /// @dev A job as stored: two packed slots, two hashes.
    struct Record {
        IEternalModel model;
        uint32 layerCount; // <= 65,534 (EternalModel's limit)
        uint32 nextLayer;
        bool done;
        address opener;
        uint64 sliceDone;
        bool slicesComplete; // sliceDone is the layer's size: completeLayer is next
        bytes32 stateHash;
        bytes32 slicesHash;
    }

    /// @dev What `advanceWindow` hands `model.runWindow`: per layer input, where its window starts,
    ///      its tensor's size in elements, the window packed.
    struct Windows {
        uint256[] offsets;
        uint256[] sizes;
        bytes[] packed;
    }

    uint256 private _jobCount;
    mapping(uint256 jobId => Record) private _jobs;
    mapping(uint256 jobId => address[]) private _outputChunks; // abi.encode(bytes[] packed outputs), SSTORE2

    // ------------------------------------------------------------------ steps

    /// @inheritdoc IInferenceJobs
    function open(IEternalModel model, bytes[] calldata inputs) external returns (uint256 jobId) {
        // An address without code would "return" nothing, and decoding that cannot be caught.
        if (address(model).code.length == 0) revert ModelNotFinalised(address(model));
        IEternalModel.State state;
        try model.state() returns (IEternalModel.State given) {
            state = given;
        } catch {
            revert ModelNotFinalised(address(model));
        }
        if (state != IEternalModel.State.Finalised) revert ModelNotFinalised(address(model));
        (uint256[] memory inputIds,) = model.tensorIds();
        if (inputs.length != inputIds.length) revert WrongInputCount(inputIds.length, inputs.length);
        for (uint256 k; k < inputs.length; ++k) {
            if (!PackedTensor.isWellFormed(inputs[k])) revert MalformedInput(k, inputs[k].length);
        }
        (uint256[] memory ids, bytes[] memory tensors) = _sortedById(inputIds, inputs);
        address[] memory layers = model.layers();
        // Leading input and identity layers (no contract) compute nothing: the job starts after them,
        // so a first layer that needs slices is sliced from the first step.
        uint256 first;
        while (first < layers.length && layers[first] == address(0)) ++first;
        jobId = ++_jobCount;
        Record storage record = _jobs[jobId];
        record.model = model;
        record.layerCount = uint32(layers.length); // <= 65,534 (EternalModel's limit)
        record.nextLayer = uint32(first);
        record.opener = msg.sender;
        record.stateHash = _hash(ids, tensors);
        emit JobOpened(jobId, model, msg.sender, layers.length, first, ids, tensors);
        if (first == layers.length) _commit(jobId, record, 0, first, ids, tensors); // nothing to compute
    }

    /// @inheritdoc IInferenceJobs
    function advance(uint256 jobId, uint256 to, uint256[] calldata ids, bytes[] calldata tensors) external {
        Record storage record = _checked(jobId, ids, tensors);
        uint256 from = record.nextLayer;
        if (record.sliceDone != 0) revert SliceInProgress(jobId, from, record.sliceDone);
        (uint256[] memory outIds, bytes[] memory outTensors,) = record.model.runStage(from, to, ids, tensors);
        (outIds, outTensors) = _withLaterInputs(outIds, outTensors, ids, tensors, to);
        _commit(jobId, record, from, to, outIds, outTensors);
    }

    /// @inheritdoc IInferenceJobs
    function advanceSlice(uint256 jobId, uint256 end, uint256[] calldata ids, bytes[] calldata tensors) external {
        (Record storage record, uint256 layer) = _sliceable(jobId, ids, tensors);
        (bytes memory slice, uint256 size,) = record.model.runSlice(layer, record.sliceDone, end, ids, tensors);
        _recordSlice(jobId, record, layer, end, size, slice);
    }

    /// @inheritdoc IInferenceJobs
    function advanceWindow(
        uint256 jobId,
        uint256 end,
        uint256[] calldata ids,
        bytes[] calldata tensors,
        uint256[] calldata offsets,
        uint256[] calldata counts
    ) external {
        (Record storage record,) = _sliceable(jobId, ids, tensors);
        Windows memory windows = _windows(jobId, record, ids, tensors, offsets, counts);
        _sliceByWindows(jobId, record, end, windows);
    }

    /// @inheritdoc IInferenceJobs
    function completeLayer(uint256 jobId, uint256[] calldata ids, bytes[] calldata tensors, bytes[] calldata slices)
        external
    {
        Record storage record = _checked(jobId, ids, tensors);
        uint256 layer = record.nextLayer;
        if (!record.slicesComplete) revert SlicesIncomplete(jobId, layer, record.sliceDone);
        bytes32 chained;
        for (uint256 k; k < slices.length; ++k) {
            chained = keccak256(abi.encodePacked(chained, keccak256(slices[k])));
        }
        if (chained != record.slicesHash) revert WrongSlices(jobId, record.slicesHash, chained);
        (record.sliceDone, record.slicesComplete, record.slicesHash) = (0, false, 0);
        (uint256[] memory outIds, bytes[] memory outTensors) =
            _livesAfter(ids, tensors, layer, _merge(slices), record.model.lastReaders());
        _commit(jobId, record, layer, layer + 1, outIds, outTensors);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IInferenceJobs
    function job(uint256 jobId) external view returns (Job memory) {
        Record storage record = _known(jobId);
        return Job({
            model: record.model,
            opener: record.opener,
            layerCount: record.layerCount,
            nextLayer: record.nextLayer,
            sliceDone: record.sliceDone,
            stateHash: record.stateHash,
            slicesHash: record.slicesHash,
            done: record.done,
            slicesComplete: record.slicesComplete
        });
    }

    /// @inheritdoc IInferenceJobs
    function jobCount() external view returns (uint256) {
        return _jobCount;
    }

    /// @inheritdoc IInferenceJobs
    function outputs(uint256 jobId) external view returns (int256[][] memory unpacked) {
        bytes[] memory packed = packedOutputs(jobId);
        unpacked = new int256[][](packed.length);
        for (uint256 k; k < packed.length; ++k) {
            unpacked[k] = PackedTensor.unpackMemory(packed[k]);
        }
    }

    /// @inheritdoc IInferenceJobs
    function packedOutputs(uint256 jobId) public view returns (bytes[] memory) {
        if (!_known(jobId).done) revert JobNotDone(jobId);
        return abi.decode(DataChunks.read(_outputChunks[jobId]), (bytes[]));
    }

    // ------------------------------------------------------------------ internals

    /// @dev The job's record, checked to exist, to be running and to commit to `ids`/`tensors`.
    function _checked(uint256 jobId, uint256[] calldata ids, bytes[] calldata tensors)
        private
        view
        returns (Record storage record)
    {
        record = _known(jobId);
        if (record.done) revert JobAlreadyDone(jobId);
        bytes32 actual = keccak256(abi.encode(ids, tensors));
        if (actual != record.stateHash) revert WrongStateHash(jobId, record.stateHash, actual);
    }

    /// @dev The job's record; reverts `UnknownJob` for an id no job has.
    function _known(uint256 jobId) private view returns (Record storage record) {
        record = _jobs[jobId];
        if (address(record.model) == address(0)) revert UnknownJob(jobId);
    }

    /// @dev After layers `[from, to)`: commits and publishes the new live set, and stores the
    ///      outputs once the last layer has run.
    function _commit(
        uint256 jobId,
        Record storage record,
        uint256 from,
        uint256 to,
        uint256[] memory ids,
        bytes[] memory tensors
    ) private {
        // to <= layerCount <= 65,534: the model checked it (runStage, runSlice).
        record.nextLayer = uint32(to);
        record.stateHash = _hash(ids, tensors);
        emit StageDone(jobId, from, to, ids, tensors);
        if (to < record.layerCount) return;
        (, uint256[] memory outputIds) = record.model.tensorIds();
        bytes[] memory packed = new bytes[](outputIds.length);
        for (uint256 k; k < outputIds.length; ++k) {
            packed[k] = _find(jobId, ids, tensors, outputIds[k]);
        }
        DataChunks.write(_outputChunks[jobId], abi.encode(packed));
        record.done = true;
        emit JobDone(jobId);
    }

    /// @dev The job's record, checked as `_checked` and to take a slice of its next layer (returned).
    function _sliceable(uint256 jobId, uint256[] calldata ids, bytes[] calldata tensors)
        private
        view
        returns (Record storage record, uint256 layer)
    {
        record = _checked(jobId, ids, tensors);
        layer = record.nextLayer;
        if (record.slicesComplete) revert SlicesComplete(jobId, layer);
    }

    /// @dev Records slice `[sliceDone, end)` of layer `layer` (of `size` elements): the hash chain,
    ///      the progress, `SliceDone`.
    function _recordSlice(uint256 jobId, Record storage record, uint256 layer, uint256 end, uint256 size, bytes memory slice)
        private
    {
        uint256 start = record.sliceDone;
        // end <= size (the model checked it), and size fits 64 bits (an output held in memory).
        record.sliceDone = uint64(end);
        record.slicesComplete = end == size;
        record.slicesHash = keccak256(abi.encodePacked(record.slicesHash, keccak256(slice)));
        emit SliceDone(jobId, layer, start, end, size, slice);
    }

    /// @dev The windows `advanceWindow` hands the model: per input of the job's next layer
    ///      (`model.layerSources`), elements `[offsets[k], offsets[k] + counts[k])` of its tensor in
    ///      the live set, packed at the tensor's width, and each tensor's size in elements.
    function _windows(
        uint256 jobId,
        Record storage record,
        uint256[] calldata ids,
        bytes[] calldata tensors,
        uint256[] calldata offsets,
        uint256[] calldata counts
    ) private view returns (Windows memory windows) {
        uint256 layer = record.nextLayer;
        uint256[] memory sources = record.model.layerSources(layer);
        if (offsets.length != sources.length || counts.length != sources.length) {
            revert WrongWindowCount(layer, sources.length, offsets.length, counts.length);
        }
        windows.offsets = offsets;
        windows.sizes = new uint256[](sources.length);
        windows.packed = new bytes[](sources.length);
        for (uint256 k; k < sources.length; ++k) {
            uint256 at = _indexOf(ids, sources[k]);
            if (at == ids.length) revert MissingSource(jobId, layer, sources[k]);
            (windows.packed[k], windows.sizes[k]) = _cut(tensors[at], sources[k], offsets[k], counts[k]);
        }
    }

    /// @dev The job's next slice, `[sliceDone, end)`, by `model.runWindow` on `windows`; recorded.
    function _sliceByWindows(uint256 jobId, Record storage record, uint256 end, Windows memory windows) private {
        uint256 layer = record.nextLayer;
        (bytes memory slice, uint256 size,) =
            record.model.runWindow(layer, record.sliceDone, end, windows.offsets, windows.sizes, windows.packed);
        _recordSlice(jobId, record, layer, end, size, slice);
    }

    /// @dev The index of `id` in `ids`, or `ids.length` if absent.
    function _indexOf(uint256[] calldata ids, uint256 id) private pure returns (uint256 at) {
        while (at < ids.length && ids[at] != id) ++at;
    }

    /// @dev Elements `[offset, offset + count)` of packed tensor `tensor` (canonical id `id`), packed
    ///      at its width, and its size in elements. The live set's tensors are well formed (checked
    ///      at `open`, or made by the model).
    function _cut(bytes calldata tensor, uint256 id, uint256 offset, uint256 count)
        private
        pure
        returns (bytes memory window, uint256 size)
    {
        uint256 width = uint8(tensor[0]);
        size = (tensor.length - 1) / width;
        if (offset > size || count > size - offset) revert WindowOutOfRange(id, offset, count, size);
        window = new bytes(1 + count * width);
        window[0] = tensor[0];
        assembly ("memory-safe") {
            // Equivalent to `window[1:] = tensor[1 + offset * width : 1 + (offset + count) * width]`.
            calldatacopy(add(window, 0x21), add(tensor.offset, add(1, mul(offset, width))), mul(count, width))
        }
    }

    /// @dev The tensor with canonical id `id` among `ids`/`tensors`; reverts `MissingOutput`.
    function _find(uint256 jobId, uint256[] memory ids, bytes[] memory tensors, uint256 id)
        private
        pure
        returns (bytes memory)
    {
        for (uint256 k; k < ids.length; ++k) {
            if (ids[k] == id) return tensors[k];
        }
        revert MissingOutput(jobId, id);
    }

    /// @dev `keccak256(abi.encode(ids, tensors))`: what a job commits to.
    function _hash(uint256[] memory ids, bytes[] memory tensors) private pure returns (bytes32) {
        return keccak256(abi.encode(ids, tensors));
    }

    /// @dev The inputs as a live set: ids ascending, each with its tensor (a model's input layers
    ///      are distinct, so its ids are too). Insertion sort: models have few inputs.
    function _sortedById(uint256[] memory inputIds, bytes[] calldata inputs)
        private
        pure
        returns (uint256[] memory ids, bytes[] memory tensors)
    {
        ids = new uint256[](inputs.length);
        tensors = new bytes[](inputs.length);
        for (uint256 k; k < inputs.length; ++k) {
            uint256 at = k;
            while (at > 0 && ids[at - 1] > inputIds[k]) {
                (ids[at], tensors[at]) = (ids[at - 1], tensors[at - 1]);
                --at;
            }
            (ids[at], tensors[at]) = (inputIds[k], inputs[k]);
        }
    }

    /// @dev `runStage`'s returned set (ids below `to`, ascending) followed by the given tensors with
    ///      ids from `to` on: model inputs the stage did not reach, which `runStage` does not pass on
    ///      (a live set holds computed tensors below `nextLayer` and model inputs, nothing else).
    function _withLaterInputs(
        uint256[] memory outIds,
        bytes[] memory outTensors,
        uint256[] calldata ids,
        bytes[] calldata tensors,
        uint256 to
    ) private pure returns (uint256[] memory, bytes[] memory) {
        uint256 later;
        for (uint256 k; k < ids.length; ++k) {
            if (ids[k] >= to) ++later;
        }
        if (later == 0) return (outIds, outTensors);
        uint256[] memory keptIds = new uint256[](outIds.length + later);
        bytes[] memory kept = new bytes[](outIds.length + later);
        for (uint256 k; k < outIds.length; ++k) {
            (keptIds[k], kept[k]) = (outIds[k], outTensors[k]);
        }
        uint256 at = outIds.length;
        for (uint256 k; k < ids.length; ++k) {
            if (ids[k] < to) continue;
            (keptIds[at], kept[at]) = (ids[k], tensors[k]);
            ++at;
        }
        return (keptIds, kept);
    }

    /// @dev The live set after layer `layer` (its output `output`): `ids`/`tensors` with `output`
    ///      inserted at its id, keeping only what a stage ending at `layer + 1` passes on (`runStage`:
    ///      a later layer reads it or it is a model output, `lastReaders`) and the model inputs from
    ///      `layer + 1` on (`_withLaterInputs`). Ids stay ascending.
    function _livesAfter(
        uint256[] calldata ids,
        bytes[] calldata tensors,
        uint256 layer,
        bytes memory output,
        uint256[] memory lastReaders
    ) private pure returns (uint256[] memory outIds, bytes[] memory outTensors) {
        uint256 to = layer + 1;
        outIds = new uint256[](ids.length + 1);
        outTensors = new bytes[](ids.length + 1);
        uint256 n;
        bool placed = lastReaders[layer] < to; // an output nothing reads is not kept (runStage's rule)
        for (uint256 k; k < ids.length; ++k) {
            uint256 id = ids[k];
            if (!placed && id > layer) {
                (outIds[n], outTensors[n], placed) = (layer, output, true);
                ++n;
            }
            if (id < to && lastReaders[id] < to) continue; // read by no later layer, no model output
            (outIds[n], outTensors[n]) = (id, tensors[k]);
            ++n;
        }
        if (!placed) {
            (outIds[n], outTensors[n]) = (layer, output);
            ++n;
        }
        assembly ("memory-safe") {
            // Equivalent to `outIds = outIds[:n]; outTensors = outTensors[:n]`: the arrays shrink in
            // place (n <= their length; the words after stay allocated, unused).
            mstore(outIds, n)
            mstore(outTensors, n)
        }
    }

    /// @dev One packed tensor of `slices`, in order, at the widest slice's width (each slice is packed
    ///      at its own smallest width, so the widest is the smallest for the whole). A slice of that
    ///      width is copied byte for byte; a narrower one is widened value by value (sign-extended),
    ///      bytes to bytes: nothing is unpacked into words. `slices` came from `runSlice` (the hash
    ///      chain says so): each is well formed, width byte first.
    function _merge(bytes[] calldata slices) private pure returns (bytes memory merged) {
        uint256 width = 1;
        uint256 values;
        for (uint256 k; k < slices.length; ++k) {
            uint256 w = uint8(slices[k][0]);
            if (w > width) width = w;
            values += (slices[k].length - 1) / w;
        }
        merged = new bytes(1 + values * width);
        merged[0] = bytes1(uint8(width));
        uint256 at;
        assembly ("memory-safe") {
            at := add(merged, 0x21) // skip the length word and the width byte
        }
        for (uint256 k; k < slices.length; ++k) {
            bytes calldata slice = slices[k];
            uint256 w = uint8(slice[0]);
            if (w == width) {
                assembly ("memory-safe") {
                    // Equivalent to `merged[at:] = slice[1:]`: the values, without the width byte.
                    calldatacopy(at, add(slice.offset, 1), sub(slice.length, 1))
                    at := add(at, sub(slice.length, 1))
                }
                continue;
            }
            assembly ("memory-safe") {
                // Equivalent to `for v in unpack(slice): merged[at:at + width] = bytes32(v)[32 - width:]`.
                // Each value is read as the top w bytes of a calldata word, sign-extended from its
                // byte w - 1, and stored as the top `width` bytes of a word at `at`: the zeros after
                // it are overwritten by the next value (the last one's fall past `merged`, in
                // memory nothing owns).
                let down := sub(256, shl(3, w)) // bits below a w-byte value at a word's top
                let up := sub(256, shl(3, width)) // bits below a width-byte value at a word's top
                let p := add(slice.offset, 1)
                for { let last := add(slice.offset, slice.length) } lt(p, last) { p := add(p, w) } {
                    mstore(at, shl(up, signextend(sub(w, 1), shr(down, calldataload(p)))))
                    at := add(at, width)
                }
            }
        }
    }
}
