// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEternalModel} from "./IEternalModel.sol";

/// @title IInferenceJobs
/// @notice On-chain inference by transactions: a job runs a finalised Eternal model on one input,
///         one stage of layers (or one slice of a layer, or the step that joins a layer's slices)
///         per transaction, and anyone may send the next step. A job commits to its state by hash
///         and publishes each step's tensors in an event, so the next sender supplies them in
///         calldata; its outputs end up stored on chain.
/// @dev Tensors are packed (docs/FORMAT.md, "Packed tensors"; `PackedTensor`), fixed point 2^-F,
///      each named by its canonical id (the index of the layer whose output it is). A job's live
///      set is the tensors later layers still read, ascending id; its hash is
///      `keccak256(abi.encode(uint256[] ids, bytes[] tensors))`.
interface IInferenceJobs {
    /// @notice What a job has done so far.
    struct Job {
        IEternalModel model; // the model it runs
        address opener; // who opened it
        uint256 layerCount; // the model's layers
        uint256 nextLayer; // the first layer not run yet (layerCount once done)
        uint256 sliceDone; // elements of `nextLayer`'s output computed by slices so far (0: none)
        bytes32 stateHash; // hash of the live set (ids, packed tensors) the next step must supply
        bytes32 slicesHash; // hash chain of `nextLayer`'s slices so far (0: none)
        bool done; // outputs stored
        bool slicesComplete; // every element of `nextLayer`'s output computed: `completeLayer` is next
    }

    // ------------------------------------------------------------------ errors

    /// @notice No job has id `jobId`.
    error UnknownJob(uint256 jobId);
    /// @notice Job `jobId` has stored its outputs; it takes no more steps.
    error JobAlreadyDone(uint256 jobId);
    /// @notice Job `jobId` has not stored its outputs yet.
    error JobNotDone(uint256 jobId);
    /// @notice The tensors supplied for job `jobId` hash to `actual`; the job committed to `expected`.
    error WrongStateHash(uint256 jobId, bytes32 expected, bytes32 actual);
    /// @notice The earlier slices supplied for job `jobId` chain to `actual`, not to the committed `expected`.
    error WrongSlices(uint256 jobId, bytes32 expected, bytes32 actual);
    /// @notice Job `jobId` has computed `sliceDone` elements of layer `layer` by slices: finish it by
    ///         slices and `completeLayer`.
    error SliceInProgress(uint256 jobId, uint256 layer, uint256 sliceDone);
    /// @notice Job `jobId` has computed every element of layer `layer` by slices: `completeLayer` is next.
    error SlicesComplete(uint256 jobId, uint256 layer);
    /// @notice Job `jobId` has computed `sliceDone` elements of layer `layer` by slices, not all of them
    ///         (none: the layer is not being sliced): `completeLayer` must wait for the last slice.
    error SlicesIncomplete(uint256 jobId, uint256 layer, uint256 sliceDone);
    /// @notice `model` is not a finalised Eternal model (its `state()` is not Finalised, or it has none).
    error ModelNotFinalised(address model);
    /// @notice Input `index` (`length` bytes) is not a packed tensor (`PackedTensor.isWellFormed`).
    error MalformedInput(uint256 index, uint256 length);
    /// @notice The model takes `expected` inputs; `actual` were given.
    error WrongInputCount(uint256 expected, uint256 actual);
    /// @notice Job `jobId`'s live set holds no tensor `id`, which layer `layer` reads.
    error MissingSource(uint256 jobId, uint256 layer, uint256 id);
    /// @notice Layer `layer` reads `expected` inputs; `offsets` and `counts` give `offsets` and `counts` windows.
    error WrongWindowCount(uint256 layer, uint256 expected, uint256 offsets, uint256 counts);
    /// @notice A window of `count` elements from `offset` does not fit tensor `id` of `size` elements.
    error WindowOutOfRange(uint256 id, uint256 offset, uint256 count, uint256 size);
    /// @notice The model's output `id` is not among job `jobId`'s final tensors (a model fault).
    error MissingOutput(uint256 jobId, uint256 id);

    // ------------------------------------------------------------------ events

    /// @notice Job `jobId` was opened on `model`; `ids`/`tensors` are its inputs, the first live set.
    /// @param jobId      The new job's id.
    /// @param model      The model it runs.
    /// @param opener     Who opened it.
    /// @param layerCount The model's layers.
    /// @param nextLayer  The first layer to run: the leading input and identity layers are skipped.
    /// @param ids        Canonical ids of the inputs, ascending.
    /// @param tensors    The inputs, packed.
    event JobOpened(
        uint256 indexed jobId,
        IEternalModel indexed model,
        address opener,
        uint256 layerCount,
        uint256 nextLayer,
        uint256[] ids,
        bytes[] tensors
    );
    /// @notice Job `jobId` ran layers `[from, to)` (or joined layer `from`'s slices, `to == from + 1`);
    ///         `ids`/`tensors` are its new live set.
    /// @param jobId   The job.
    /// @param from    First layer run.
    /// @param to      One past the last layer run (the job's next layer now).
    /// @param ids     Canonical ids of the live tensors, ascending.
    /// @param tensors The live tensors, packed.
    event StageDone(uint256 indexed jobId, uint256 from, uint256 to, uint256[] ids, bytes[] tensors);
    /// @notice Job `jobId` computed elements `[start, end)` of layer `layer`'s output.
    /// @param jobId  The job.
    /// @param layer  The layer being sliced.
    /// @param start  First element (flat index, C order).
    /// @param end    One past the last element (`size`: the layer is computed, `completeLayer` is next).
    /// @param size   Elements of the layer's whole output.
    /// @param packed Those elements, packed.
    event SliceDone(uint256 indexed jobId, uint256 layer, uint256 start, uint256 end, uint256 size, bytes packed);
    /// @notice Job `jobId` stored its outputs (`outputs(jobId)`).
    /// @param jobId The job.
    event JobDone(uint256 indexed jobId);

    // ------------------------------------------------------------------ steps

    /// @notice Opens a job that runs `model` on `inputs`.
    /// @dev The job starts at the first layer with a contract (leading input and identity layers
    ///      compute nothing); a model with none is done at once. Reverts `ModelNotFinalised(model)`
    ///      unless `model` is a finalised Eternal model,
    ///      `WrongInputCount` unless there is one input per model input, `MalformedInput(k, length)`
    ///      unless input k is a packed tensor. Inputs of the wrong size are not caught here: the
    ///      first step that runs a layer reading them reverts, as `predict` would.
    /// @param model  A finalised Eternal model.
    /// @param inputs One packed tensor per model input, in `predict` order, fixed point 2^-F.
    /// @return jobId The new job's id (ids count from 1).
    function open(IEternalModel model, bytes[] calldata inputs) external returns (uint256 jobId);

    /// @notice Runs layers `[nextLayer, to)` of job `jobId` (one stage) and commits the new live set.
    /// @dev Anyone may call. Reverts `UnknownJob`, `JobAlreadyDone`, `SliceInProgress`,
    ///      `WrongStateHash` unless `ids`/`tensors` are the job's live set, and whatever the
    ///      model's `runStage` reverts with (`BadStage(from, to, layerCount)` for a bad `to`).
    ///      Emits `StageDone`; at `to == layerCount` also stores the outputs and emits `JobDone`.
    /// @param jobId   The job.
    /// @param to      One past the last layer to run: `nextLayer < to <= layerCount`.
    /// @param ids     The live set's canonical ids, as the last `StageDone` (or `JobOpened`) gave them.
    /// @param tensors The live set's packed tensors, likewise.
    function advance(uint256 jobId, uint256 to, uint256[] calldata ids, bytes[] calldata tensors) external;

    /// @notice Computes elements `[sliceDone, end)` of layer `nextLayer`'s output (one slice), for a
    ///         layer too big for one transaction. The layer's slices are committed by a hash chain;
    ///         once they cover its output, `completeLayer` joins them and moves the job on.
    /// @dev Anyone may call. Reverts as `advance`, `SlicesComplete` once every element is computed,
    ///      and whatever `runSlice` reverts with (`BadSlice`: a bad `end`, an input or identity
    ///      layer). Emits `SliceDone`. The step does the slice's compute and little else: the live
    ///      set is hashed once (to check it) and handed to `runSlice`; nothing is re-hashed or logged
    ///      but the slice.
    /// @param jobId   The job.
    /// @param end     One past the last element to compute: `sliceDone < end <= size`.
    /// @param ids     The live set's canonical ids (it must hold the layer's inputs).
    /// @param tensors The live set's packed tensors.
    function advanceSlice(uint256 jobId, uint256 end, uint256[] calldata ids, bytes[] calldata tensors) external;

    /// @notice `advanceSlice` from windows of the layer's inputs: the model gets only elements
    ///         `[offsets[k], offsets[k] + counts[k])` of each input k (`model.runWindow`), cut here
    ///         from the live set, so a layer whose whole inputs are too big for one transaction's
    ///         memory (ResNet-8's Add of two 32x32x16 tensors) still runs in steps.
    /// @dev As `advanceSlice` (the same slice, hash chain and `SliceDone`), and reverts
    ///      `MissingSource` when the live set lacks an input, `WrongWindowCount` unless one offset
    ///      and count per layer input (`model.layerSources(layer)`, in that order),
    ///      `WindowOutOfRange`, and with the layer's `WindowTooSmall(input, needLo, needHi, haveLo,
    ///      haveHi)` when a window misses an element the slice reads, `WindowUnsupported()` for a
    ///      layer that takes only whole inputs. The windows are cut from the committed tensors and
    ///      each input's size is its tensor's: only where the windows start is the sender's choice.
    /// @param jobId   The job.
    /// @param end     One past the last element to compute: `sliceDone < end <= size`.
    /// @param ids     The live set's canonical ids.
    /// @param tensors The live set's packed tensors.
    /// @param offsets Per layer input: the first element of its window.
    /// @param counts  Per layer input: the elements of its window.
    function advanceWindow(
        uint256 jobId,
        uint256 end,
        uint256[] calldata ids,
        bytes[] calldata tensors,
        uint256[] calldata offsets,
        uint256[] calldata counts
    ) external;

    /// @notice Completes a layer computed by slices: joins them into its output, adds that to the
    ///         live set, drops the tensors no later layer reads (as `advance` does after a stage) and
    ///         commits the new live set, moving the job to the next layer.
    /// @dev Anyone may call. Reverts `UnknownJob`, `JobAlreadyDone`, `WrongStateHash`,
    ///      `SlicesIncomplete` unless the last slice reached the layer's end, `WrongSlices` unless
    ///      `slices` are the layer's slices in order. The output is packed at the widest slice's
    ///      width (each slice is at its own smallest, so that is the smallest for the whole output):
    ///      the same bytes `runStage` would give. Pruned by `model.lastReaders()`: a tensor stays
    ///      while a later layer reads it or it is a model output; model inputs after the layer stay.
    ///      Emits `StageDone(jobId, layer, layer + 1, ...)`; at the last layer also stores the
    ///      outputs and emits `JobDone`.
    /// @param jobId   The job.
    /// @param ids     The live set's canonical ids.
    /// @param tensors The live set's packed tensors.
    /// @param slices  The layer's slices in order, as its `SliceDone` events gave them.
    function completeLayer(uint256 jobId, uint256[] calldata ids, bytes[] calldata tensors, bytes[] calldata slices)
        external;

    // ------------------------------------------------------------------ views

    /// @notice What job `jobId` has done so far. Reverts `UnknownJob`.
    /// @param jobId The job.
    /// @return The job's record.
    function job(uint256 jobId) external view returns (Job memory);

    /// @notice Number of jobs opened (the newest job's id).
    /// @return The count.
    function jobCount() external view returns (uint256);

    /// @notice The outputs of a finished job, in `predict` order, like `predict` returns them.
    /// @dev Reverts `UnknownJob`, `JobNotDone`.
    /// @param jobId The job.
    /// @return outputs One flattened tensor per model output, fixed point 2^-F.
    function outputs(uint256 jobId) external view returns (int256[][] memory outputs);

    /// @notice The outputs of a finished job, packed (the bytes `predictPacked` returns).
    /// @dev Reverts `UnknownJob`, `JobNotDone`.
    /// @param jobId The job.
    /// @return outputs One packed tensor per model output.
    function packedOutputs(uint256 jobId) external view returns (bytes[] memory outputs);
}
