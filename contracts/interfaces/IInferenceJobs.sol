// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEternalModel} from "./IEternalModel.sol";

/// @title IInferenceJobs
/// @notice On-chain inference by transactions: a job runs a finalised Eternal model on one input,
///         one stage of layers (or one slice of a layer, or the step that completes a sliced
///         layer) per transaction, and anyone may send the next step. A job commits to its state
///         by hash and publishes each step's tensors in an event, so the next sender supplies what
///         the step reads in calldata; its outputs end up stored on chain.
/// @dev Tensors are packed (docs/FORMAT.md, "Packed tensors"; `PackedTensor`), fixed point 2^-F,
///      each named by its canonical id (the index of the layer whose output it is). A job commits
///      to each tensor in pieces: runs of at most `PIECE_VALUES` values, each a packed tensor of
///      its own, named by `keccak256` of its bytes and by the element it ends at. A step is handed
///      only the pieces it reads, so no step carries a whole tensor it does not need: a layer of
///      110,592 values is sliced, windowed and completed without ever crossing one transaction
///      whole. A job's live set is the tensors later layers still read (and model outputs),
///      ascending id; the job's state hash is `keccak256(abi.encode(Tensor[] live))`.
interface IInferenceJobs {
    /// @notice A tensor of a job's live set, as the job commits to it: in pieces.
    /// @dev Piece j holds elements `[ends[j - 1], ends[j])` (from 0 for j = 0), packed at its own
    ///      width; `hashes[j]` is `keccak256` of those bytes. `ends` ascend; the last is the
    ///      tensor's size. The pieces of a tensor computed whole are cut every `PIECE_VALUES`
    ///      elements; those of a sliced layer every `PIECE_VALUES` elements of each slice.
    struct Tensor {
        uint256 id; // canonical id: the index of the layer whose output it is
        bytes32[] hashes; // per piece: keccak256 of its packed bytes
        uint256[] ends; // per piece: one past its last element (flat index, C order)
    }

    /// @notice A window of one layer input, for `advanceWindow`: elements `[offset, offset + count)`
    ///         of its tensor, cut from the consecutive pieces given for it.
    struct Window {
        bytes[] pieces; // consecutive pieces of the tensor, from piece `first`, covering the window
        uint256 first; // the index of the first piece given
        uint256 offset; // the window's first element
        uint256 count; // the window's elements (0: an empty window, no pieces needed)
    }

    /// @notice What a job has done so far.
    struct Job {
        IEternalModel model; // the model it runs
        address opener; // who opened it
        uint256 layerCount; // the model's layers
        uint256 nextLayer; // the first layer not run yet (layerCount once done)
        uint256 sliceDone; // elements of `nextLayer`'s output computed by slices so far (0: none)
        bytes32 stateHash; // hash of the live set (`Tensor[]`) the next step must supply
        bytes32 slicesHash; // hash chain of `nextLayer`'s slice pieces so far (0: none)
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
    /// @notice The live set supplied for job `jobId` hashes to `actual`; the job committed to `expected`.
    error WrongStateHash(uint256 jobId, bytes32 expected, bytes32 actual);
    /// @notice The slice pieces supplied for job `jobId` chain to `actual`, not to the committed `expected`.
    error WrongSlices(uint256 jobId, bytes32 expected, bytes32 actual);
    /// @notice `given` lists of pieces were supplied for a live set of `expected` tensors (one list
    ///         per tensor, empty for a tensor the step does not read).
    error WrongPieceLists(uint256 expected, uint256 given);
    /// @notice `given` pieces were supplied for tensor `id`, which the job holds in `expected`
    ///         (a tensor is supplied whole, every piece, or not at all).
    error WrongPieceCount(uint256 id, uint256 expected, uint256 given);
    /// @notice Piece `index` supplied for tensor `id` is not the piece the job committed to.
    error WrongPiece(uint256 id, uint256 index);
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
    /// @notice Layer `layer` reads `expected` inputs; `given` windows were given.
    error WrongWindowCount(uint256 layer, uint256 expected, uint256 given);
    /// @notice A window of `count` elements from `offset` of tensor `id` is not inside the pieces
    ///         given for it, which cover elements `[lo, hi)`.
    error WindowNotCovered(uint256 id, uint256 offset, uint256 count, uint256 lo, uint256 hi);
    /// @notice Pieces from `first` (`count` of them) are not all among tensor `id`'s `pieces`.
    error PiecesOutOfRange(uint256 id, uint256 first, uint256 count, uint256 pieces);
    /// @notice The last step of job `jobId` was not given the data of model output `id` (a tensor
    ///         an earlier step computed: supply its pieces), or the model lacks it (a model fault).
    error MissingOutput(uint256 jobId, uint256 id);

    // ------------------------------------------------------------------ events

    /// @notice Job `jobId` was opened on `model`; `live` is its first live set, its inputs.
    /// @param jobId      The new job's id.
    /// @param model      The model it runs.
    /// @param opener     Who opened it.
    /// @param layerCount The model's layers.
    /// @param nextLayer  The first layer to run: the leading input and identity layers are skipped.
    /// @param live       The inputs, as committed (ascending id).
    /// @param tensors    The inputs, packed whole, in `live`'s order (cut at `live[k].ends` for the pieces).
    event JobOpened(
        uint256 indexed jobId,
        IEternalModel indexed model,
        address opener,
        uint256 layerCount,
        uint256 nextLayer,
        Tensor[] live,
        bytes[] tensors
    );
    /// @notice Job `jobId` ran layers `[from, to)` (or completed sliced layer `from`, `to == from + 1`);
    ///         `live` is its new live set.
    /// @param jobId   The job.
    /// @param from    First layer run.
    /// @param to      One past the last layer run (the job's next layer now).
    /// @param live    The new live set, as committed (ascending id).
    /// @param ids     Canonical ids of the tensors this step computed (none for a sliced layer: its
    ///                pieces are in its `SliceDone` events).
    /// @param tensors Those tensors, packed whole (cut at their `live` entry's `ends` for the pieces).
    event StageDone(uint256 indexed jobId, uint256 from, uint256 to, Tensor[] live, uint256[] ids, bytes[] tensors);
    /// @notice Job `jobId` computed elements `[start, end)` of layer `layer`'s output.
    /// @param jobId  The job.
    /// @param layer  The layer being sliced.
    /// @param start  First element (flat index, C order).
    /// @param end    One past the last element (`size`: the layer is computed, `completeLayer` is next).
    /// @param size   Elements of the layer's whole output.
    /// @param packed Those elements, packed; its pieces are cut every `PIECE_VALUES` elements from `start`.
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
    ///      `WrongStateHash` unless `live` is the job's live set, `WrongPieceLists`,
    ///      `WrongPieceCount` and `WrongPiece` for pieces that are not the committed ones, and
    ///      whatever the model's `runStage` reverts with (`BadStage(from, to, layerCount)` for a
    ///      bad `to`, `MissingTensor` for a tensor the stage reads that was not supplied). Emits
    ///      `StageDone`; at `to == layerCount` also stores the outputs and emits `JobDone`.
    /// @param jobId  The job.
    /// @param to     One past the last layer to run: `nextLayer < to <= layerCount`.
    /// @param live   The live set, as the last `StageDone` (or `JobOpened`) gave it.
    /// @param pieces Per tensor of `live`: all its pieces in order if the stage reads it (or, at
    ///               the last step, it is a model output), else none.
    function advance(uint256 jobId, uint256 to, Tensor[] calldata live, bytes[][] calldata pieces) external;

    /// @notice Computes elements `[sliceDone, end)` of layer `nextLayer`'s output (one slice), for a
    ///         layer too big for one transaction. The slice is committed in pieces by a hash chain;
    ///         once the slices cover the layer's output, `completeLayer` moves the job on.
    /// @dev Anyone may call. Reverts as `advance`, `SlicesComplete` once every element is computed,
    ///      and whatever `runSlice` reverts with (`BadSlice`: a bad `end`, an input or identity
    ///      layer). Emits `SliceDone`. Each piece chains
    ///      `slicesHash = keccak256(slicesHash ‖ keccak256(piece) ‖ uint256 end)`.
    /// @param jobId  The job.
    /// @param end    One past the last element to compute: `sliceDone < end <= size`.
    /// @param live   The live set.
    /// @param pieces Per tensor of `live`: all its pieces if the layer reads it, else none.
    function advanceSlice(uint256 jobId, uint256 end, Tensor[] calldata live, bytes[][] calldata pieces) external;

    /// @notice `advanceSlice` from windows of the layer's inputs: the model gets only elements
    ///         `[offset, offset + count)` of each input (`model.runWindow`), cut here from the
    ///         pieces of the committed tensor that cover them.
    /// @dev As `advanceSlice` (the same slice, hash chain and `SliceDone`), and reverts
    ///      `MissingSource` when the live set lacks an input, `WrongWindowCount` unless one window
    ///      per layer input (`model.layerSources(layer)`, in that order), `PiecesOutOfRange`,
    ///      `WrongPiece`, `WindowNotCovered`, and with the layer's `WindowTooSmall(input, needLo,
    ///      needHi, haveLo, haveHi)` when a window misses an element the slice reads,
    ///      `WindowUnsupported()` for a layer that takes only whole inputs. Each input's size is
    ///      its committed tensor's: only where the windows start is the sender's choice.
    /// @param jobId   The job.
    /// @param end     One past the last element to compute: `sliceDone < end <= size`.
    /// @param live    The live set.
    /// @param windows Per layer input, its window and the pieces that cover it.
    function advanceWindow(uint256 jobId, uint256 end, Tensor[] calldata live, Window[] calldata windows) external;

    /// @notice Completes a layer computed by slices: its slices' pieces become its output in the
    ///         live set, the tensors no later layer reads are dropped (as `advance` does after a
    ///         stage), and the job moves to the next layer. No tensor data is needed, except at
    ///         the last layer, where the model's outputs are stored.
    /// @dev Anyone may call. Reverts `UnknownJob`, `JobAlreadyDone`, `WrongStateHash`,
    ///      `SlicesIncomplete` unless the last slice reached the layer's end, `WrongSlices` unless
    ///      `output` is the layer's id with its slice pieces in order, and as `advance` for
    ///      `pieces` and `outputPieces`. Pruned by `model.lastReaders()`: a tensor stays while a
    ///      later layer reads it or it is a model output; model inputs after the layer stay.
    ///      Emits `StageDone(jobId, layer, layer + 1, live, [], [])`; at the last layer also stores
    ///      the outputs (each packed at its widest piece's width: the bytes `runStage` would give)
    ///      and emits `JobDone`.
    /// @param jobId        The job.
    /// @param live         The live set.
    /// @param pieces       Per tensor of `live`: none, or at the last layer, all pieces of a model output.
    /// @param output       The layer's output: its id (the layer) and its slice pieces' hashes and
    ///                     ends in order, from its `SliceDone` events.
    /// @param outputPieces None, or at the last layer (when the layer is a model output) those pieces.
    function completeLayer(
        uint256 jobId,
        Tensor[] calldata live,
        bytes[][] calldata pieces,
        Tensor calldata output,
        bytes[] calldata outputPieces
    ) external;

    // ------------------------------------------------------------------ views

    /// @notice What job `jobId` has done so far. Reverts `UnknownJob`.
    /// @param jobId The job.
    /// @return The job's record.
    function job(uint256 jobId) external view returns (Job memory);

    /// @notice Number of jobs opened (the newest job's id).
    /// @return The count.
    function jobCount() external view returns (uint256);

    /// @notice The most values in one piece of a committed tensor.
    /// @return The count.
    function PIECE_VALUES() external view returns (uint256);

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
