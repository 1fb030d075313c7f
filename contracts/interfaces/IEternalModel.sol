// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IEternalModel
/// @notice A Keras model held on chain for good: canonical graph, fixed-point weights in data
///         contracts, SHA-256 hashes checked on chain, and inference by `predict`.
/// @dev Lifecycle: Created -> Constructed -> WeightsUploaded -> Finalised (docs/CONTRACTS.md).
interface IEternalModel {
    /// @notice Where a model is in its lifecycle.
    enum State {
        Created,
        Constructed,
        WeightsUploaded,
        Finalised
    }

    // ------------------------------------------------------------------ errors

    /// @notice The call needs the model in `expected` state; it is in `actual`.
    error WrongState(State expected, State actual);
    /// @notice An inference call (`predict`, `predictPacked`, `tensorIds`, `runStage`, `runSlice`, `runWindow`)
    ///         came before `finalize`.
    error NotFinalised();
    /// @notice Two arrays that must be of equal length are not.
    error LengthMismatch(uint256 expected, uint256 actual);
    /// @notice Layer `layer` names `input` as an inbound layer; only earlier layers are allowed.
    error BadInbound(uint256 layer, uint256 input);
    /// @notice An identity layer (no contract) must have exactly one input; `layer` has `count`.
    error IdentityLayerInputs(uint256 layer, uint256 count);
    /// @notice An input or output index points past the last layer (`layerCount`).
    error LayerIndexOutOfRange(uint256 index, uint256 layerCount);
    /// @notice Layer `layer` (or the layer count) has `value` of something limited to `limit`
    ///         (65,534 layers; 255 inputs per layer).
    error LayerLimitExceeded(uint256 layer, uint256 value, uint256 limit);
    /// @notice The model has no layers, or no inputs or no outputs.
    error EmptyModel();
    /// @notice The committed model hash is not sha256(graphHash || weightsHash).
    error ModelHashMismatch(bytes32 expected, bytes32 actual);
    /// @notice The stored graph bytes do not hash to the committed graph hash.
    error GraphHashMismatch(bytes32 expected, bytes32 actual);
    /// @notice The stored pages do not hash to the committed weights hash.
    error WeightsHashMismatch(bytes32 expected, bytes32 actual);
    /// @notice Page `index` has `actual` bytes; it must have `expected`.
    error WrongPageSize(uint256 index, uint256 expected, uint256 actual);
    /// @notice More pages were sent than the model has (`pageCount`).
    error TooManyPages(uint256 pageCount, uint256 sent);
    /// @notice A graph chunk would take the graph past its committed size, or is empty or too big.
    error WrongGraphChunk(uint256 stored, uint256 chunk, uint256 graphBytes);
    /// @notice An append (`addLayers`, `appendGraph`, `appendPages`) starts at index `given`, but the
    ///         next layer, graph chunk or page to write is `expected`: it was sent twice or out of order.
    error OutOfOrderAppend(uint256 expected, uint256 given);
    /// @notice `predict` got `actual` inputs; the model has `expected`.
    error WrongInputCount(uint256 expected, uint256 actual);
    /// @notice Layer `layer` of the range reads tensor `source` (a canonical id), which was neither
    ///         given nor computed in the range.
    error MissingTensor(uint256 layer, uint256 source);
    /// @notice `runStage` needs `from < to <= layerCount`.
    error BadStage(uint256 from, uint256 to, uint256 layerCount);
    /// @notice `runSlice` needs `start < end <= size` (`size`: the layer's output length) and a
    ///         layer with a contract (`size` 0 for input and identity layers).
    error BadSlice(uint256 layer, uint256 start, uint256 end, uint256 size);
    /// @notice Tensor `index` is not a packed tensor (docs/FORMAT.md, "Packed tensors"): no width
    ///         byte, a width outside 1..32, or a length that is not one byte plus whole values.
    error BadPackedTensor(uint256 index);
    /// @notice `ids[index] = id` names no tensor: past the last layer, an identity layer's (not a
    ///         canonical id), or an id given twice.
    error BadTensorId(uint256 index, uint256 id);

    // ------------------------------------------------------------------ events

    /// @notice Layer `index` was created as a clone of `implementation` (or is an identity layer:
    ///         `layer == implementation == address(0)`).
    /// @param index          The layer's index in graph order.
    /// @param layer          The clone (`address(0)` for an identity layer).
    /// @param implementation The per-type implementation it clones.
    event LayerAdded(uint256 index, address layer, address implementation);
    /// @notice The layers were linked and the hashes committed.
    /// @param modelHash The committed sha256(graphHash || weightsHash).
    event Constructed(bytes32 modelHash);
    /// @notice Graph chunk `index` of `size` bytes was stored.
    /// @param index The chunk's index (chunks stored before it).
    /// @param size  Its length in bytes.
    event GraphAppended(uint256 index, uint256 size);
    /// @notice `count` weight pages starting at page `firstIndex` were stored and hashed.
    /// @param firstIndex Index of the first page stored.
    /// @param count      Number of pages stored.
    event PagesAppended(uint256 firstIndex, uint256 count);
    /// @notice Every page and every graph byte is stored: the model can be finalised.
    event UploadCompleted();
    /// @notice The hashes were checked on chain; nothing can change any more.
    /// @param modelHash The model hash, recomputed from what is stored.
    event Finalized(bytes32 modelHash);

    // ------------------------------------------------------------------ inference

    /// @notice Runs the model.
    /// @dev Requires the Finalised state. A view: use it by `eth_call` or from another contract.
    /// @param inputs One flattened tensor per model input, in `inputLayers()` order, fixed point
    ///        2^-F (F = the graph's `activation_frac_bits`).
    /// @return outputs One flattened tensor per model output, in `outputLayers()` order, 2^-F.
    function predict(int256[][] calldata inputs) external view returns (int256[][] memory outputs);

    /// @notice `predict` on packed tensors (docs/FORMAT.md, "Packed tensors"): the same outputs
    ///         bit for bit, in ~1/8 of the calldata for inputs of a few integer bits.
    /// @dev Requires the Finalised state. Reverts `WrongInputCount`, `BadPackedTensor(index)`.
    /// @param inputs One packed tensor per model input, in `inputLayers()` order, 2^-F.
    /// @return outputs One packed tensor (smallest width) per model output, in `outputLayers()` order.
    function predictPacked(bytes[] calldata inputs) external view returns (bytes[] memory outputs);

    /// @notice The canonical ids of the model's inputs and outputs: a tensor's id is the index of
    ///         the layer whose output it is (an identity layer's output has its input's id).
    /// @dev Requires the Finalised state. `runStage` and `runSlice` name tensors by these ids.
    /// @return inputIds  Per model input, in `predict` order (its input layer's index).
    /// @return outputIds Per model output, in `predict` order.
    function tensorIds() external view returns (uint256[] memory inputIds, uint256[] memory outputIds);

    /// @notice Runs layers `[from, to)` in graph order (input and identity layers are skipped):
    ///         one stage of a model too large for one call. Chain stages by passing each one's
    ///         returned tensors to the next; stage `[0, layerCount)` with the inputs is `predict`.
    /// @dev Requires the Finalised state. Reverts `BadStage(from, to, layerCount)` unless
    ///      `from < to <= layerCount`; `LengthMismatch(ids, tensors)`; `BadTensorId(index, id)`;
    ///      `BadPackedTensor(index)`; `MissingTensor(layer, source)` when a layer of the range reads
    ///      a tensor neither given nor computed in it. Extra tensors are allowed.
    /// @param from    First layer to run.
    /// @param to      One past the last layer to run.
    /// @param ids     Canonical id of each of `tensors` (any order).
    /// @param tensors Packed tensors, 2^-F: every tensor a layer of the range reads that the range
    ///        does not compute.
    /// @return outIds     Ascending canonical ids of every tensor with id < `to` that a layer >= `to`
    ///         reads or that is a model output, among those given or computed.
    /// @return outTensors Those tensors, packed (computed ones at their smallest width; given ones
    ///         as given).
    /// @return gasUsed Per layer `from + i`: gas of its forward call (gasleft() before and after
    ///         it), 0 for skipped layers.
    function runStage(uint256 from, uint256 to, uint256[] calldata ids, bytes[] calldata tensors)
        external
        view
        returns (uint256[] memory outIds, bytes[] memory outTensors, uint256[] memory gasUsed);

    /// @notice Elements `[start, end)` of layer `layer`'s flat output (C order): one slice of a
    ///         layer too large for one call. Conv2D and DepthwiseConv2D compute only the output
    ///         positions the slice touches; other layers compute everything and return the slice.
    /// @dev Requires the Finalised state. Reverts `LayerIndexOutOfRange(layer, layerCount)`;
    ///      `BadSlice(layer, start, end, size)` unless `start < end <= size`, and (size 0) for
    ///      input and identity layers; otherwise as `runStage`.
    /// @param layer   The layer's index.
    /// @param start   First element (flat C-order index into the layer's output).
    /// @param end     One past the last element.
    /// @param ids     Canonical id of each of `tensors` (any order).
    /// @param tensors Packed tensors, 2^-F: every tensor the layer reads.
    /// @return slice   The elements, packed (smallest width), 2^-F.
    /// @return size    The number of elements of the layer's whole output.
    /// @return gasUsed Gas of the layer's `forwardSlice` call.
    function runSlice(uint256 layer, uint256 start, uint256 end, uint256[] calldata ids, bytes[] calldata tensors)
        external
        view
        returns (bytes memory slice, uint256 size, uint256 gasUsed);

    /// @notice Per canonical id (layer index), the last layer that reads that tensor: what
    ///         `runStage` prunes its returned tensors by (a stage ending at `to` passes on tensor
    ///         `j < to` iff `lastReaders()[j] >= to`).
    /// @dev Requires the Finalised state. `type(uint256).max` for a model output, 0 for a tensor
    ///      no layer reads; entries of identity layers (not canonical ids) mean nothing.
    /// @return last One entry per layer.
    function lastReaders() external view returns (uint256[] memory last);

    /// @notice The canonical ids of layer `layer`'s inputs, in its input order (`inbound(layer)`
    ///         resolved through identity layers): what `runSlice` hands it, and what the windows
    ///         of `runWindow` are cut from.
    /// @dev Requires the Finalised state. Reverts `LayerIndexOutOfRange(layer, layerCount)`.
    /// @param layer The layer's index.
    /// @return ids One canonical id per layer input.
    function layerSources(uint256 layer) external view returns (uint256[] memory ids);

    /// @notice Elements `[start, end)` of layer `layer`'s flat output (C order) from windows of
    ///         its inputs: for a layer whose whole inputs are too large for one call (their
    ///         memory alone). `windows[k]` holds elements `[offsets[k], offsets[k] + n_k)` of the
    ///         layer's input k (in the layer's input order, `inbound(layer)`), whose full length
    ///         is `sizes[k]`. Bit for bit the same as `runSlice` with the whole inputs. The
    ///         elementwise, merge, padding, pooling and convolution layers take any windows
    ///         that hold what the range reads (a convolution: the input rows under the output
    ///         rows the range touches); other layers only whole ones.
    /// @dev Requires the Finalised state. Reverts `LayerIndexOutOfRange(layer, layerCount)`;
    ///      `BadSlice(layer, start, end, size)` as `runSlice`; `LengthMismatch(inputs, given)`
    ///      unless one window, offset and size per layer input; `BadPackedTensor(index)`; and
    ///      from the layer `WindowTooSmall(input, needLo, needHi, haveLo, haveHi)` when a window
    ///      misses an element the range reads, `BadWindow(input, offset, length, size)` when a
    ///      window does not fit in its size, `WindowUnsupported()` for a part window of a layer
    ///      that takes only whole ones. The sizes are the caller's word (a layer checks them
    ///      against its config where it has one): check `size` against the graph.
    /// @param layer   The layer's index.
    /// @param start   First element (flat C-order index into the layer's output).
    /// @param end     One past the last element.
    /// @param offsets Per layer input: the first element its window holds.
    /// @param sizes   Per layer input: its full length, in elements.
    /// @param windows Per layer input: the window, packed (docs/FORMAT.md, "Packed tensors"), 2^-F.
    /// @return slice   The elements, packed (smallest width), 2^-F.
    /// @return size    The number of elements of the layer's whole output.
    /// @return gasUsed Gas of the layer's `forwardWindow` call, as `runSlice` measures its call (encoding it,
    ///         the call, decoding the answer).
    function runWindow(
        uint256 layer,
        uint256 start,
        uint256 end,
        uint256[] calldata offsets,
        uint256[] calldata sizes,
        bytes[] calldata windows
    ) external view returns (bytes memory slice, uint256 size, uint256 gasUsed);

    // ------------------------------------------------------------------ views

    /// @notice The lifecycle state.
    function state() external view returns (State);
    /// @notice sha256(graphHash || weightsHash), committed at `construct`.
    function modelHash() external view returns (bytes32);
    /// @notice sha256 of the canonical graph bytes.
    function graphHash() external view returns (bytes32);
    /// @notice sha256(pageHash_0 || pageHash_1 || ...).
    function weightsHash() external view returns (bytes32);
    /// @notice Length of the weight stream in bytes.
    function weightBytes() external view returns (uint256);
    /// @notice Length of the canonical graph in bytes.
    function graphBytes() external view returns (uint256);
    /// @notice Layer contracts in graph order (`address(0)` for identity layers).
    function layers() external view returns (address[] memory);
    /// @notice Weight pages stored so far, in order.
    function pages() external view returns (address[] memory);
    /// @notice Number of weight pages the model has: ceil(weightBytes / 24575).
    function pageCount() external view returns (uint256);
    /// @notice sha256 of every page stored so far.
    function pageHashes() external view returns (bytes32[] memory);
    /// @notice The canonical graph bytes stored so far (all of them once finalised).
    function graph() external view returns (bytes memory);
    /// @notice Indices of layer `index`'s inputs.
    /// @param index A layer index (reverts past the last layer).
    function inbound(uint256 index) external view returns (uint256[] memory);
    /// @notice The model's input layers, in `predict` input order.
    function inputLayers() external view returns (uint256[] memory);
    /// @notice The model's output layers, in `predict` output order.
    function outputLayers() external view returns (uint256[] memory);
}
