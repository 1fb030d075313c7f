// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEternalModel} from "./interfaces/IEternalModel.sol";
import {IInferenceJobs} from "./interfaces/IInferenceJobs.sol";
import {DataChunks} from "./lib/DataChunks.sol";
import {PackedTensor} from "./lib/PackedTensor.sol";

/// @title InferenceJobs
/// @notice Runs any finalised Eternal model on chain by transactions, for models whose `predict`
///         does not fit one transaction: a job anyone can advance, one stage of layers (or one
///         slice of a layer) per transaction, intermediate tensors committed by hash and published
///         in events, outputs stored on chain for any contract to read.
/// @dev One instance per chain serves every model, like a registry: a job needs nothing of the
///      model but its public views (`runStage`, `runSlice`, `tensorIds`), finalised models never
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
        bytes32 stateHash;
        bytes32 slicesHash;
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
    function advanceSlice(
        uint256 jobId,
        uint256 end,
        uint256[] calldata ids,
        bytes[] calldata tensors,
        bytes[] calldata earlier
    ) external {
        Record storage record = _checked(jobId, ids, tensors);
        (bytes memory slice, uint256 size) = _runSlice(jobId, record, end, ids, tensors);
        if (end < size) {
            // end < size: runSlice checked sliceDone < end, and size fits 64 bits (an output in memory).
            record.sliceDone = uint64(end);
            record.slicesHash = keccak256(abi.encodePacked(record.slicesHash, keccak256(slice)));
            return;
        }
        bytes32 chained;
        for (uint256 k; k < earlier.length; ++k) {
            chained = keccak256(abi.encodePacked(chained, keccak256(earlier[k])));
        }
        if (chained != record.slicesHash) revert WrongSlices(jobId, record.slicesHash, chained);
        _completeLayer(jobId, record, ids, tensors, _merge(earlier, slice));
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
            done: record.done
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

    /// @dev Elements `[sliceDone, end)` of the job's next layer, published in `SliceDone`; and the
    ///      layer's output size.
    function _runSlice(uint256 jobId, Record storage record, uint256 end, uint256[] calldata ids, bytes[] calldata tensors)
        private
        returns (bytes memory slice, uint256 size)
    {
        uint256 layer = record.nextLayer;
        uint256 start = record.sliceDone;
        (slice, size,) = record.model.runSlice(layer, start, end, ids, tensors);
        emit SliceDone(jobId, layer, start, end, slice);
    }

    /// @dev The job's next layer is complete (its output `merged`): added to the live set, committed.
    function _completeLayer(
        uint256 jobId,
        Record storage record,
        uint256[] calldata ids,
        bytes[] calldata tensors,
        bytes memory merged
    ) private {
        uint256 layer = record.nextLayer;
        record.sliceDone = 0;
        record.slicesHash = 0;
        (uint256[] memory outIds, bytes[] memory outTensors) = _inserted(ids, tensors, layer, merged);
        _commit(jobId, record, layer, layer + 1, outIds, outTensors);
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

    /// @dev The live set with layer `id`'s output `tensor` added, ids still ascending.
    function _inserted(uint256[] calldata ids, bytes[] calldata tensors, uint256 id, bytes memory tensor)
        private
        pure
        returns (uint256[] memory outIds, bytes[] memory outTensors)
    {
        uint256 count = ids.length;
        outIds = new uint256[](count + 1);
        outTensors = new bytes[](count + 1);
        uint256 shift; // 1 once `id` is placed
        for (uint256 k; k < count; ++k) {
            if (shift == 0 && ids[k] > id) {
                (outIds[k], outTensors[k], shift) = (id, tensor, 1);
            }
            (outIds[k + shift], outTensors[k + shift]) = (ids[k], tensors[k]);
        }
        if (shift == 0) (outIds[count], outTensors[count]) = (id, tensor);
    }

    /// @dev One packed tensor of the slices `earlier ++ [last]`, in order, in the smallest width
    ///      (the widest slice's: each slice's width is the smallest for its own values). Slices of
    ///      one width are joined byte for byte; otherwise every value is re-encoded.
    function _merge(bytes[] calldata earlier, bytes memory last) private pure returns (bytes memory merged) {
        // Every slice came from `runSlice` (the hash chain says so): well formed, width byte first.
        uint256 width = uint8(last[0]);
        bool same = true;
        uint256 bodies = last.length - 1;
        for (uint256 k; k < earlier.length; ++k) {
            if (uint8(earlier[k][0]) != width) same = false;
        }
        if (!same) return _remerge(earlier, last);
        for (uint256 k; k < earlier.length; ++k) {
            bodies += earlier[k].length - 1; // at least the width byte
        }
        merged = new bytes(1 + bodies);
        merged[0] = bytes1(uint8(width));
        uint256 at;
        assembly ("memory-safe") {
            at := add(merged, 0x21) // skip the length word and the width byte
        }
        for (uint256 k; k < earlier.length; ++k) {
            bytes calldata slice = earlier[k];
            assembly ("memory-safe") {
                // Equivalent to `merged[at:] = slice[1:]`: the values, without the width byte.
                calldatacopy(at, add(slice.offset, 1), sub(slice.length, 1))
                at := add(at, sub(slice.length, 1))
            }
        }
        assembly ("memory-safe") {
            // Equivalent to `merged[at:] = last[1:]`.
            mcopy(at, add(last, 0x21), sub(mload(last), 1))
        }
    }

    /// @dev `_merge` for slices of different widths: unpacked, concatenated, packed again.
    function _remerge(bytes[] calldata earlier, bytes memory last) private pure returns (bytes memory) {
        int256[][] memory parts = new int256[][](earlier.length + 1);
        uint256 total;
        for (uint256 k; k < earlier.length; ++k) {
            parts[k] = PackedTensor.unpack(earlier[k]);
            total += parts[k].length;
        }
        parts[earlier.length] = PackedTensor.unpackMemory(last);
        total += parts[earlier.length].length;
        int256[] memory values = new int256[](total);
        uint256 at;
        for (uint256 k; k < parts.length; ++k) {
            int256[] memory part = parts[k];
            for (uint256 i; i < part.length; ++i) {
                values[at++] = part[i];
            }
        }
        return PackedTensor.pack(values);
    }}
