// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEternalModel} from "./interfaces/IEternalModel.sol";
import {IInferenceJobs} from "./interfaces/IInferenceJobs.sol";
import {DataChunks} from "./lib/DataChunks.sol";
import {PackedTensor} from "./lib/PackedTensor.sol";

/// @title InferenceJobs
/// @notice Runs any finalised Eternal model on chain by transactions, for models whose `predict`
///         does not fit one transaction: a job anyone can advance, one stage of layers (or one
///         slice of a layer, or the completion of a sliced layer) per transaction, intermediate
///         tensors committed in pieces by hash and published in events, outputs stored on chain
///         for any contract to read.
/// @dev One instance per chain serves every model, like a registry: a job needs nothing of the
///      model but its public views (`runStage`, `runSlice`, `runWindow`, `tensorIds`,
///      `lastReaders`, `layerSources`), finalised models never change, and one address lets
///      consumers, explorers and drivers find every job. The steps themselves are `view` calls
///      into the model; this contract only checks, hashes, emits and stores. A step is handed
///      only the pieces of the tensors it reads (`IInferenceJobs.Tensor`), so its calldata is
///      what its layers read, whatever the size of the rest of the live set. Interface and
///      events: `IInferenceJobs`; how a driver plans the steps: README.
contract InferenceJobs is IInferenceJobs {
    /// @inheritdoc IInferenceJobs
    /// @dev 1,024 values: a window's cost past what it reads is at most two part pieces (8 KiB
    ///      of calldata at 4 bytes a value), and a 48x48x48 tensor is 108 pieces (~7 KiB of
    ///      `Tensor` in every step's calldata).
    uint256 public constant PIECE_VALUES = 1024;

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

    /// @dev Tensors a step holds whole (packed) in memory, by canonical id: supplied in pieces,
    ///      or computed by the step.
    struct Whole {
        uint256[] ids;
        bytes[] tensors;
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
        Whole memory sorted = _sortedById(inputIds, inputs);
        Tensor[] memory live = new Tensor[](sorted.ids.length);
        for (uint256 k; k < live.length; ++k) {
            live[k] = _describe(sorted.ids[k], sorted.tensors[k]);
        }
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
        record.stateHash = keccak256(abi.encode(live));
        emit JobOpened(jobId, model, msg.sender, layers.length, first, live, sorted.tensors);
        if (first == layers.length) _finish(jobId, record, sorted); // nothing to compute
    }

    /// @inheritdoc IInferenceJobs
    function advance(uint256 jobId, uint256 to, Tensor[] calldata live, bytes[][] calldata pieces) external {
        Record storage record = _checked(jobId, live);
        if (record.sliceDone != 0) revert SliceInProgress(jobId, record.nextLayer, record.sliceDone);
        Whole memory given = _given(live, pieces);
        Whole memory fresh = _stage(jobId, record, to, live, given);
        if (to == record.layerCount) _finish(jobId, record, _joined(fresh, given));
    }

    /// @inheritdoc IInferenceJobs
    function advanceSlice(uint256 jobId, uint256 end, Tensor[] calldata live, bytes[][] calldata pieces) external {
        (Record storage record, uint256 layer) = _sliceable(jobId, live);
        Whole memory given = _given(live, pieces);
        (bytes memory slice, uint256 size,) =
            record.model.runSlice(layer, record.sliceDone, end, given.ids, given.tensors);
        _recordSlice(jobId, record, layer, end, size, slice);
    }

    /// @inheritdoc IInferenceJobs
    function advanceWindow(uint256 jobId, uint256 end, Tensor[] calldata live, Window[] calldata windows) external {
        (Record storage record, uint256 layer) = _sliceable(jobId, live);
        uint256[] memory sources = record.model.layerSources(layer);
        if (windows.length != sources.length) revert WrongWindowCount(layer, sources.length, windows.length);
        Windows memory cut = Windows(new uint256[](sources.length), new uint256[](sources.length), new bytes[](sources.length));
        for (uint256 k; k < sources.length; ++k) {
            uint256 at = _indexOf(live, sources[k]);
            if (at == live.length) revert MissingSource(jobId, layer, sources[k]);
            cut.offsets[k] = windows[k].offset;
            (cut.packed[k], cut.sizes[k]) = _window(live[at], windows[k]);
        }
        (bytes memory slice, uint256 size,) =
            record.model.runWindow(layer, record.sliceDone, end, cut.offsets, cut.sizes, cut.packed);
        _recordSlice(jobId, record, layer, end, size, slice);
    }

    /// @inheritdoc IInferenceJobs
    function completeLayer(
        uint256 jobId,
        Tensor[] calldata live,
        bytes[][] calldata pieces,
        Tensor calldata output,
        bytes[] calldata outputPieces
    ) external {
        Record storage record = _checked(jobId, live);
        uint256 layer = _completed(jobId, record, live, output);
        if (layer + 1 < record.layerCount) return;
        Whole memory given = _given(live, pieces);
        if (outputPieces.length != 0) {
            Whole memory joined = Whole(new uint256[](1), new bytes[](1));
            (joined.ids[0], joined.tensors[0]) = (layer, _whole(layer, output.hashes, outputPieces));
            given = _joined(joined, given);
        }
        _finish(jobId, record, given);
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

    // ------------------------------------------------------------------ the job's record

    /// @dev The job's record, checked to exist, to be running and to commit to `live`.
    function _checked(uint256 jobId, Tensor[] calldata live) private view returns (Record storage record) {
        record = _known(jobId);
        if (record.done) revert JobAlreadyDone(jobId);
        bytes32 actual = keccak256(abi.encode(live));
        if (actual != record.stateHash) revert WrongStateHash(jobId, record.stateHash, actual);
    }

    /// @dev The job's record; reverts `UnknownJob` for an id no job has.
    function _known(uint256 jobId) private view returns (Record storage record) {
        record = _jobs[jobId];
        if (address(record.model) == address(0)) revert UnknownJob(jobId);
    }

    /// @dev The job's record, checked as `_checked` and to take a slice of its next layer (returned).
    function _sliceable(uint256 jobId, Tensor[] calldata live)
        private
        view
        returns (Record storage record, uint256 layer)
    {
        record = _checked(jobId, live);
        layer = record.nextLayer;
        if (record.slicesComplete) revert SlicesComplete(jobId, layer);
    }

    /// @dev After layers `[from, to)`: commits and publishes the new live set `next`, with the
    ///      tensors the step computed (`fresh`).
    function _commit(
        uint256 jobId,
        Record storage record,
        uint256 from,
        uint256 to,
        Tensor[] memory next,
        Whole memory fresh
    ) private {
        // to <= layerCount <= 65,534: the model checked it (runStage), or to = layer + 1.
        record.nextLayer = uint32(to);
        record.stateHash = keccak256(abi.encode(next));
        emit StageDone(jobId, from, to, next, fresh.ids, fresh.tensors);
    }

    /// @dev `advance`'s stage: runs layers `[nextLayer, to)` on the tensors `given` and commits
    ///      the live set after them. Returns the tensors it computed that it passes on.
    function _stage(uint256 jobId, Record storage record, uint256 to, Tensor[] calldata live, Whole memory given)
        private
        returns (Whole memory fresh)
    {
        bool[] memory kept;
        {
            (uint256[] memory outIds, bytes[] memory outTensors,) =
                record.model.runStage(record.nextLayer, to, given.ids, given.tensors);
            fresh = _fresh(live, outIds, outTensors);
            kept = _keptByStage(live, given.ids, outIds, to);
        }
        Tensor[] memory added = new Tensor[](fresh.ids.length);
        for (uint256 k; k < added.length; ++k) {
            added[k] = _describe(fresh.ids[k], fresh.tensors[k]);
        }
        Tensor[] memory next = _next(live, kept, added);
        _commit(jobId, record, record.nextLayer, to, next, fresh);
    }

    /// @dev `completeLayer`'s commit: checks that `output` is the job's next layer and its slice
    ///      pieces, puts it in the live set (where a later layer reads it or it is a model output)
    ///      and commits. Returns the layer.
    function _completed(uint256 jobId, Record storage record, Tensor[] calldata live, Tensor calldata output)
        private
        returns (uint256 layer)
    {
        layer = record.nextLayer;
        if (!record.slicesComplete) revert SlicesIncomplete(jobId, layer, record.sliceDone);
        bytes32 chained = _chain(0, output.hashes, output.ends);
        if (chained != record.slicesHash || output.id != layer) revert WrongSlices(jobId, record.slicesHash, chained);
        (record.sliceDone, record.slicesComplete, record.slicesHash) = (0, false, 0);
        uint256[] memory lastReaders = record.model.lastReaders();
        // An output nothing reads is not kept (runStage's rule).
        Tensor[] memory added = new Tensor[](lastReaders[layer] > layer ? 1 : 0);
        if (added.length != 0) added[0] = output;
        bool[] memory kept = new bool[](live.length);
        for (uint256 k; k < live.length; ++k) {
            uint256 id = live[k].id;
            kept[k] = id > layer || lastReaders[id] > layer; // a later input, or a later layer reads it
        }
        _commit(jobId, record, layer, layer + 1, _next(live, kept, added), _nothing());
    }

    /// @dev Stores the model's outputs, taken from `have`, and marks the job done. Reverts
    ///      `MissingOutput` for an output not in `have`.
    function _finish(uint256 jobId, Record storage record, Whole memory have) private {
        (, uint256[] memory outputIds) = record.model.tensorIds();
        bytes[] memory packed = new bytes[](outputIds.length);
        for (uint256 k; k < outputIds.length; ++k) {
            uint256 at;
            while (at < have.ids.length && have.ids[at] != outputIds[k]) ++at;
            if (at == have.ids.length) revert MissingOutput(jobId, outputIds[k]);
            packed[k] = have.tensors[at];
        }
        DataChunks.write(_outputChunks[jobId], abi.encode(packed));
        record.done = true;
        emit JobDone(jobId);
    }

    /// @dev Records slice `[sliceDone, end)` of layer `layer` (of `size` elements): its pieces on
    ///      the hash chain, the progress, `SliceDone`.
    function _recordSlice(uint256 jobId, Record storage record, uint256 layer, uint256 end, uint256 size, bytes memory slice)
        private
    {
        uint256 start = record.sliceDone;
        (bytes32[] memory hashes, uint256[] memory ends) = _split(slice, start);
        // end <= size (the model checked it), and size fits 64 bits (an output held in memory).
        record.sliceDone = uint64(end);
        record.slicesComplete = end == size;
        record.slicesHash = _chain(record.slicesHash, hashes, ends);
        emit SliceDone(jobId, layer, start, end, size, slice);
    }

    // ------------------------------------------------------------------ pieces

    /// @dev `chained` extended by pieces `hashes`/`ends`: `chained = keccak256(chained ‖ hash ‖ end)`
    ///      per piece. Lists of unequal length chain to 0 (no job commits to that).
    function _chain(bytes32 chained, bytes32[] memory hashes, uint256[] memory ends) private pure returns (bytes32) {
        if (hashes.length != ends.length) return 0;
        for (uint256 j; j < hashes.length; ++j) {
            chained = keccak256(abi.encodePacked(chained, hashes[j], ends[j]));
        }
        return chained;
    }

    /// @dev A tensor computed whole, as a job commits to it: pieces of `PIECE_VALUES` values.
    function _describe(uint256 id, bytes memory packed) private pure returns (Tensor memory tensor) {
        tensor.id = id;
        (tensor.hashes, tensor.ends) = _split(packed, 0);
    }

    /// @dev The pieces of packed tensor `packed`, whose first value is element `base` of its
    ///      layer's output: per run of `PIECE_VALUES` values (the last may be shorter; an empty
    ///      tensor is one empty piece), the hash of its bytes (`packed`'s width byte, its values)
    ///      and the element after it. Hashed in place: nothing is copied.
    function _split(bytes memory packed, uint256 base)
        private
        pure
        returns (bytes32[] memory hashes, uint256[] memory ends)
    {
        uint256 width = uint8(packed[0]);
        uint256 values = (packed.length - 1) / width;
        uint256 count = values == 0 ? 1 : (values + PIECE_VALUES - 1) / PIECE_VALUES;
        hashes = new bytes32[](count);
        ends = new uint256[](count);
        for (uint256 j; j < count; ++j) {
            uint256 a = j * PIECE_VALUES;
            uint256 b = a + PIECE_VALUES < values ? a + PIECE_VALUES : values;
            bytes32 h;
            assembly ("memory-safe") {
                // Equivalent to `keccak256(bytes.concat(packed[0], packed[1 + a * width : 1 + b * width]))`:
                // the byte before value a is set to the width byte for the hash, then put back
                // (for a = 0 it is the width byte).
                let at := add(packed, add(0x20, mul(a, width)))
                let saved := byte(0, mload(at))
                mstore8(at, width)
                h := keccak256(at, add(1, mul(sub(b, a), width)))
                mstore8(at, saved)
            }
            (hashes[j], ends[j]) = (h, base + b);
        }
    }

    /// @dev `keccak256(piece)`, hashed in scratch memory past the free pointer (not kept).
    function _hashOf(bytes calldata piece) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let at := mload(0x40)
            calldatacopy(at, piece.offset, piece.length)
            h := keccak256(at, piece.length)
        }
    }

    /// @dev The tensors of `live` given whole (`pieces[k]` non-empty), joined from their pieces.
    function _given(Tensor[] calldata live, bytes[][] calldata pieces) private pure returns (Whole memory given) {
        if (pieces.length != live.length) revert WrongPieceLists(live.length, pieces.length);
        uint256 n;
        for (uint256 k; k < live.length; ++k) {
            if (pieces[k].length != 0) ++n;
        }
        given = Whole(new uint256[](n), new bytes[](n));
        n = 0;
        for (uint256 k; k < live.length; ++k) {
            if (pieces[k].length == 0) continue;
            (given.ids[n], given.tensors[n]) = (live[k].id, _whole(live[k].id, live[k].hashes, pieces[k]));
            ++n;
        }
    }

    /// @dev Tensor `id` whole from `given`, checked to be every one of its pieces (`hashes`).
    function _whole(uint256 id, bytes32[] calldata hashes, bytes[] calldata given) private pure returns (bytes memory) {
        if (given.length != hashes.length) revert WrongPieceCount(id, hashes.length, given.length);
        _checkPieces(id, hashes, 0, given);
        return _merge(given);
    }

    /// @dev Reverts `WrongPiece(id, first + j)` unless each `given[j]` hashes to `hashes[first + j]`
    ///      (the caller checked that they are among `hashes`).
    function _checkPieces(uint256 id, bytes32[] calldata hashes, uint256 first, bytes[] calldata given) private pure {
        for (uint256 j; j < given.length; ++j) {
            if (_hashOf(given[j]) != hashes[first + j]) revert WrongPiece(id, first + j);
        }
    }

    /// @dev The window `window` of committed tensor `tensor`, packed, and the tensor's size: its
    ///      pieces checked, joined, and the window's elements cut from them.
    function _window(Tensor calldata tensor, Window calldata window)
        private
        pure
        returns (bytes memory packed, uint256 size)
    {
        uint256 pieces = tensor.hashes.length; // >= 1: every committed tensor has a piece
        uint256 first = window.first;
        if (first > pieces || window.pieces.length > pieces - first) {
            revert PiecesOutOfRange(tensor.id, first, window.pieces.length, pieces);
        }
        _checkPieces(tensor.id, tensor.hashes, first, window.pieces);
        uint256 lo = first == 0 ? 0 : tensor.ends[first - 1];
        uint256 hi = window.pieces.length == 0 ? lo : tensor.ends[first + window.pieces.length - 1];
        (uint256 offset, uint256 count) = (window.offset, window.count);
        if (offset < lo || offset > hi || count > hi - offset) revert WindowNotCovered(tensor.id, offset, count, lo, hi);
        size = tensor.ends[pieces - 1];
        bytes memory joined = _merge(window.pieces);
        uint256 width = uint8(joined[0]);
        packed = new bytes(1 + count * width);
        packed[0] = joined[0];
        assembly ("memory-safe") {
            // Equivalent to `packed[1:] = joined[1 + (offset - lo) * width : 1 + (offset - lo + count) * width]`.
            mcopy(add(packed, 0x21), add(joined, add(0x21, mul(sub(offset, lo), width))), mul(count, width))
        }
    }

    // ------------------------------------------------------------------ live sets

    /// @dev The inputs as a live set: ids ascending, each with its tensor (a model's input layers
    ///      are distinct, so its ids are too). Insertion sort: models have few inputs.
    function _sortedById(uint256[] memory inputIds, bytes[] calldata inputs) private pure returns (Whole memory sorted) {
        sorted = Whole(new uint256[](inputs.length), new bytes[](inputs.length));
        (uint256[] memory ids, bytes[] memory tensors) = (sorted.ids, sorted.tensors);
        for (uint256 k; k < inputs.length; ++k) {
            uint256 at = k;
            while (at > 0 && ids[at - 1] > inputIds[k]) {
                (ids[at], tensors[at]) = (ids[at - 1], tensors[at - 1]);
                --at;
            }
            (ids[at], tensors[at]) = (inputIds[k], inputs[k]);
        }
    }

    /// @dev The tensors `runStage` returned that are not in `live`: those the stage computed.
    ///      Both lists ascend by id.
    function _fresh(Tensor[] calldata live, uint256[] memory outIds, bytes[] memory outTensors)
        private
        pure
        returns (Whole memory fresh)
    {
        fresh = Whole(new uint256[](outIds.length), new bytes[](outIds.length));
        uint256 n;
        uint256 k;
        for (uint256 j; j < outIds.length; ++j) {
            while (k < live.length && live[k].id < outIds[j]) ++k;
            if (k < live.length && live[k].id == outIds[j]) continue;
            (fresh.ids[n], fresh.tensors[n]) = (outIds[j], outTensors[j]);
            ++n;
        }
        _shrink(fresh, n);
    }

    /// @dev Which tensors of `live` stay after a stage ending at `to` that was given `givenIds`
    ///      and returned `outIds` (ascending): one given with an id below `to` stays if `runStage`
    ///      passed it on (a later layer reads it, or a model output); the rest stay untouched
    ///      (model inputs from `to` on, and tensors the stage did not read, which a later layer
    ///      reads: a live set holds nothing else, as every step prunes by the model's rule).
    function _keptByStage(Tensor[] calldata live, uint256[] memory givenIds, uint256[] memory outIds, uint256 to)
        private
        pure
        returns (bool[] memory kept)
    {
        kept = new bool[](live.length);
        (uint256 g, uint256 o) = (0, 0);
        for (uint256 k; k < live.length; ++k) {
            uint256 id = live[k].id;
            while (g < givenIds.length && givenIds[g] < id) ++g;
            while (o < outIds.length && outIds[o] < id) ++o;
            bool given = g < givenIds.length && givenIds[g] == id;
            kept[k] = !given || id >= to || (o < outIds.length && outIds[o] == id);
        }
    }

    /// @dev The live set after a step: the tensors of `live` marked `kept`, merged with those the
    ///      step made, `added` (ascending id, each kept by the model's rule already). Ids stay ascending.
    function _next(Tensor[] calldata live, bool[] memory kept, Tensor[] memory added)
        private
        pure
        returns (Tensor[] memory next)
    {
        next = new Tensor[](live.length + added.length);
        uint256 n;
        uint256 j;
        for (uint256 k; k < live.length; ++k) {
            if (!kept[k]) continue;
            uint256 id = live[k].id;
            while (j < added.length && added[j].id < id) next[n++] = added[j++];
            next[n++] = live[k];
        }
        while (j < added.length) next[n++] = added[j++];
        assembly ("memory-safe") {
            // Equivalent to `next = next[:n]`: the array shrinks in place (n <= its length).
            mstore(next, n)
        }
    }

    /// @dev `a` followed by `b`.
    function _joined(Whole memory a, Whole memory b) private pure returns (Whole memory both) {
        both = Whole(new uint256[](a.ids.length + b.ids.length), new bytes[](a.ids.length + b.ids.length));
        for (uint256 k; k < a.ids.length; ++k) {
            (both.ids[k], both.tensors[k]) = (a.ids[k], a.tensors[k]);
        }
        for (uint256 k; k < b.ids.length; ++k) {
            (both.ids[a.ids.length + k], both.tensors[a.ids.length + k]) = (b.ids[k], b.tensors[k]);
        }
    }

    /// @dev No tensors.
    function _nothing() private pure returns (Whole memory) {
        return Whole(new uint256[](0), new bytes[](0));
    }

    /// @dev `whole` cut to its first `n` tensors, in place.
    function _shrink(Whole memory whole, uint256 n) private pure {
        (uint256[] memory ids, bytes[] memory tensors) = (whole.ids, whole.tensors);
        assembly ("memory-safe") {
            // Equivalent to `ids = ids[:n]; tensors = tensors[:n]` (n <= their length).
            mstore(ids, n)
            mstore(tensors, n)
        }
    }

    /// @dev The index of tensor `id` in `live`, or `live.length` if absent.
    function _indexOf(Tensor[] calldata live, uint256 id) private pure returns (uint256 at) {
        while (at < live.length && live[at].id != id) ++at;
    }

    /// @dev One packed tensor of `pieces`, in order, at the widest piece's width (a slice is
    ///      packed at its own smallest width, so the widest is the smallest for the whole: the
    ///      bytes `runStage` would give). A piece of that width is copied byte for byte; a narrower
    ///      one is widened value by value (sign-extended), bytes to bytes: nothing is unpacked into
    ///      words. Each piece is one the job committed to (the caller checked its hash), so it is
    ///      well formed, width byte first.
    function _merge(bytes[] calldata pieces) private pure returns (bytes memory merged) {
        uint256 width = 1;
        uint256 values;
        for (uint256 k; k < pieces.length; ++k) {
            uint256 w = uint8(pieces[k][0]);
            if (w > width) width = w;
            values += (pieces[k].length - 1) / w;
        }
        merged = new bytes(1 + values * width);
        merged[0] = bytes1(uint8(width));
        uint256 at;
        assembly ("memory-safe") {
            at := add(merged, 0x21) // skip the length word and the width byte
        }
        for (uint256 k; k < pieces.length; ++k) {
            bytes calldata piece = pieces[k];
            uint256 w = uint8(piece[0]);
            if (w == width) {
                assembly ("memory-safe") {
                    // Equivalent to `merged[at:] = piece[1:]`: the values, without the width byte.
                    calldatacopy(at, add(piece.offset, 1), sub(piece.length, 1))
                    at := add(at, sub(piece.length, 1))
                }
                continue;
            }
            assembly ("memory-safe") {
                // Equivalent to `for v in unpack(piece): merged[at:at + width] = bytes32(v)[32 - width:]`.
                // Each value is read as the top w bytes of a calldata word, sign-extended from its
                // byte w - 1, and stored as the top `width` bytes of a word at `at`: the zeros after
                // it are overwritten by the next value (the last one's fall past `merged`, in
                // memory nothing owns).
                let down := sub(256, shl(3, w)) // bits below a w-byte value at a word's top
                let up := sub(256, shl(3, width)) // bits below a width-byte value at a word's top
                let p := add(piece.offset, 1)
                for { let last := add(piece.offset, piece.length) } lt(p, last) { p := add(p, w) } {
                    mstore(at, shl(up, signextend(sub(w, 1), shr(down, calldataload(p)))))
                    at := add(at, width)
                }
            }
        }
    }
}
