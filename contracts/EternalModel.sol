// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {EfficientHashLib} from "solady/src/utils/EfficientHashLib.sol";
import {LibClone} from "solady/src/utils/LibClone.sol";
import {SSTORE2} from "solady/src/utils/SSTORE2.sol";

import {IEternalModel} from "./interfaces/IEternalModel.sol";
import {ILayer} from "./interfaces/ILayer.sol";
import {DataChunks} from "./lib/DataChunks.sol";
import {ModelWalk} from "./lib/ModelWalk.sol";
import {PackedTensor} from "./lib/PackedTensor.sol";
import {Sha256Stream} from "./lib/Sha256Stream.sol";
import {WeightPages} from "./lib/WeightPages.sol";
import {PageWriter} from "./PageWriter.sol";

/// @title EternalModel
/// @notice A Keras model on chain: one layer contract per layer, the canonical graph and the
///         fixed-point weights in data contracts, hashes checked on chain, `predict` as a view.
/// @dev The deployer owns the model until `finalize`; after it nothing can change. `finalize`
///      costs the same whatever the number of pages: the weights hash is streamed as pages
///      arrive (Sha256Stream) and page addresses are derived, never stored (PageWriter).
///      Lifecycle and formats: docs/CONTRACTS.md and docs/FORMAT.md.
contract EternalModel is IEternalModel, Ownable {
    /// @dev `predict` compacts its memory arena once it holds more than this many bytes.
    uint256 private constant COMPACT_ABOVE = 0x8000;
    /// @dev Dead bytes kept before a layer output (`Run.spaced`): the head of a one-input
    ///      `forward` call, written there when the next call can be made in place (`_forwardInPlace`).
    uint256 private constant GAP = 0xa0;
    /// @dev "No layer".
    uint256 private constant NONE = type(uint256).max;
    /// @dev Limits of the packed walk (ModelWalk): 16-bit layer indices, 8-bit input counts.
    uint256 private constant MAX_LAYERS = 0xfffe;
    uint256 private constant MAX_SOURCES = 0xff;

    /// @dev Creates the weight pages (and nothing else), so their addresses follow from their index.
    PageWriter private immutable _pageWriter;

    State private _state;

    address[] private _layers;
    uint256[] private _inputLayers;
    uint256[] private _outputLayers;

    bytes32 private _graphHash;
    bytes32 private _weightsHash;
    bytes32 private _modelHash;
    uint256 private _weightBytes;
    uint256 private _graphBytes;
    uint256 private _pageCount;
    uint256 private _graphStored;

    bytes32[] private _pageHashes;
    /// @dev SHA-256 chaining value of the page hashes absorbed so far, a pair at a time: the
    ///      weights hash in the making (Sha256Stream). An odd last page hash waits in `_pageHashes`.
    uint256 private _weightsState;
    address[] private _graphChunks;
    address[] private _walkChunks; // what predict needs, packed (ModelWalk), written at construct

    constructor() Ownable(msg.sender) {
        _pageWriter = new PageWriter();
    }

    modifier inState(State expected) {
        if (_state != expected) revert WrongState(expected, _state);
        _;
    }

    // ------------------------------------------------------------------ lifecycle

    /// @notice Creates the next layers: one clone of `implementations[i]` with immutable args
    ///         `configs[i]` each, or an identity layer where `implementations[i] == address(0)`.
    /// @dev Owner only, state Created. Batched so a deployer can size its transactions.
    ///      Reverts `OutOfOrderAppend(layers().length, firstLayer)` unless `firstLayer` is the
    ///      next layer index, so a batch sent twice, or after a later one, changes nothing.
    /// @param firstLayer      Index the first new layer gets: the number of layers added so far.
    /// @param implementations Per-type layer implementations (`address(0)`: identity layer).
    /// @param configs         ABI-encoded layer configs (ignored for identity layers).
    function addLayers(uint256 firstLayer, address[] calldata implementations, bytes[] calldata configs)
        external
        onlyOwner
        inState(State.Created)
    {
        if (firstLayer != _layers.length) revert OutOfOrderAppend(_layers.length, firstLayer);
        if (implementations.length != configs.length) revert LengthMismatch(implementations.length, configs.length);
        for (uint256 i; i < implementations.length; ++i) {
            address implementation = implementations[i];
            address layer = implementation == address(0) ? address(0) : LibClone.clone(implementation, configs[i]);
            _layers.push(layer);
            emit LayerAdded(_layers.length - 1, layer, implementation);
        }
    }

    /// @notice Links the layers and commits the hashes: Created -> Constructed.
    /// @dev Owner only. `inbound[i]` lists layer i's inputs, all earlier layers; identity
    ///      layers that are not model inputs take exactly one input. Writes the walk `predict`
    ///      reads (ModelWalk, ~30 bytes per layer): its size follows the layers, as this call's
    ///      calldata does, so `finalize` writes nothing that grows with the model.
    /// @param inbound_     Per layer, the indices of its input layers.
    /// @param inputLayers_ Model input layers, in `predict` input order.
    /// @param outputLayers_ Model output layers, in `predict` output order.
    /// @param graphHash_  sha256 of the canonical graph bytes.
    /// @param weightsHash_ sha256(pageHash_0 || pageHash_1 || ...).
    /// @param modelHash_  sha256(graphHash || weightsHash); checked here.
    /// @param weightBytes_ Length of the weight stream (bytes); fixes the page count.
    /// @param graphBytes_ Length of the canonical graph (bytes).
    function construct(
        uint256[][] calldata inbound_,
        uint256[] calldata inputLayers_,
        uint256[] calldata outputLayers_,
        bytes32 graphHash_,
        bytes32 weightsHash_,
        bytes32 modelHash_,
        uint256 weightBytes_,
        uint256 graphBytes_
    ) external onlyOwner inState(State.Created) {
        uint256 count = _layers.length;
        if (count == 0 || inputLayers_.length == 0 || outputLayers_.length == 0 || graphBytes_ == 0) revert EmptyModel();
        if (inbound_.length != count) revert LengthMismatch(count, inbound_.length);
        if (count > MAX_LAYERS) revert LayerLimitExceeded(count, count, MAX_LAYERS);
        bytes32 combined = sha256(abi.encodePacked(graphHash_, weightsHash_));
        if (combined != modelHash_) revert ModelHashMismatch(modelHash_, combined);
        _checkIndices(inputLayers_, count);
        _checkIndices(outputLayers_, count);
        _pageCount = (weightBytes_ + WeightPages.PAGE_SIZE - 1) / WeightPages.PAGE_SIZE;
        _link(inbound_, inputLayers_, outputLayers_, count);
        _inputLayers = inputLayers_;
        _outputLayers = outputLayers_;
        _graphHash = graphHash_;
        _weightsHash = weightsHash_;
        _modelHash = modelHash_;
        _weightBytes = weightBytes_;
        _graphBytes = graphBytes_;
        _weightsState = Sha256Stream.INITIAL_STATE;
        _state = State.Constructed;
        emit Constructed(modelHash_);
    }

    /// @notice Stores the next chunk of the canonical graph bytes as a data contract.
    /// @dev Owner only, state Constructed. Chunks are 1..24575 bytes and must not exceed
    ///      `graphBytes` in total. Reverts `OutOfOrderAppend(chunks stored, chunkIndex)` unless
    ///      `chunkIndex` is the next chunk, so a chunk sent twice, or early, changes nothing.
    /// @param chunkIndex Index of this chunk: the number of chunks stored so far.
    /// @param chunk      The next graph bytes.
    function appendGraph(uint256 chunkIndex, bytes calldata chunk) external onlyOwner inState(State.Constructed) {
        if (chunkIndex != _graphChunks.length) revert OutOfOrderAppend(_graphChunks.length, chunkIndex);
        uint256 stored = _graphStored;
        if (chunk.length == 0 || chunk.length > WeightPages.PAGE_SIZE || stored + chunk.length > _graphBytes) {
            revert WrongGraphChunk(stored, chunk.length, _graphBytes);
        }
        _graphChunks.push(SSTORE2.write(chunk));
        _graphStored = stored + chunk.length;
        emit GraphAppended(chunkIndex, chunk.length);
        _completeUpload();
    }

    /// @notice Stores the next weight pages (SSTORE2) and records `sha256` of each.
    /// @dev Owner only, state Constructed. Every page is exactly 24575 bytes, but the model's
    ///      last page, which holds the remainder. Reverts `OutOfOrderAppend(pages().length,
    ///      firstPage)` unless `firstPage` is the next page, so pages sent twice, or early,
    ///      change nothing. Each pair of page hashes (pages 2k and 2k + 1) is absorbed into the
    ///      weights hash as the second arrives, so `finalize` only pads the last block.
    /// @param firstPage Index of the first page sent: the number of pages stored so far.
    /// @param pages_    The next pages of the weight stream, in order.
    function appendPages(uint256 firstPage, bytes[] calldata pages_) external onlyOwner inState(State.Constructed) {
        uint256 first = _pageHashes.length;
        if (firstPage != first) revert OutOfOrderAppend(first, firstPage);
        uint256 pageCount_ = _pageCount;
        if (first + pages_.length > pageCount_) revert TooManyPages(pageCount_, first + pages_.length);
        uint256 weightsState = _weightsState;
        // The hash of the page before, when it waits for its pair (first is odd, so first - 1 >= 0).
        bytes32 previous = first % 2 == 1 ? _pageHashes[first - 1] : bytes32(0);
        uint256 freeMemory = _freeMemory();
        for (uint256 i; i < pages_.length; ++i) {
            uint256 index = first + i;
            // index < pageCount_, so pageCount_ - 1 cannot underflow here.
            uint256 expected =
                index == pageCount_ - 1 ? _weightBytes - index * WeightPages.PAGE_SIZE : WeightPages.PAGE_SIZE;
            if (pages_[i].length != expected) revert WrongPageSize(index, expected, pages_[i].length);
            (, bytes32 pageHash) = _pageWriter.write(pages_[i]);
            _pageHashes.push(pageHash);
            if (index % 2 == 1) weightsState = Sha256Stream.compress(weightsState, previous, pageHash);
            previous = pageHash;
            assembly ("memory-safe") {
                // Reuse the same memory for the next page: nothing allocated above outlives
                // this iteration, and memory expansion is quadratic.
                mstore(0x40, freeMemory)
            }
        }
        _weightsState = weightsState;
        emit PagesAppended(first, pages_.length);
        _completeUpload();
    }

    /// @notice Recomputes every hash from what is stored: WeightsUploaded -> Finalised.
    /// @dev Owner only. Reverts `GraphHashMismatch`, `WeightsHashMismatch` or
    ///      `ModelHashMismatch` (expected, actual). Ownership is then renounced, so every
    ///      mutating call reverts `OwnableUnauthorizedAccount`: nothing can change. Its gas does
    ///      not depend on the number of pages (one SHA-256 block pads the streamed weights
    ///      hash) nor on the layers (the walk is written at `construct`). The graph is read and
    ///      hashed whole: ~78k gas for a short graph, ~96k for one full chunk (24,575 bytes),
    ///      ~180k for four, memory's quadratic cost included (bench/gas_lifecycle.js).
    function finalize() external onlyOwner inState(State.WeightsUploaded) {
        bytes32 graphActual = EfficientHashLib.sha2(graph()); // in place: no second copy in memory
        if (graphActual != _graphHash) revert GraphHashMismatch(_graphHash, graphActual);
        uint256 count = _pageCount;
        bytes32 pending = count % 2 == 1 ? _pageHashes[count - 1] : bytes32(0);
        bytes32 weightsActual = Sha256Stream.digest(_weightsState, pending, count);
        if (weightsActual != _weightsHash) revert WeightsHashMismatch(_weightsHash, weightsActual);
        bytes32 modelActual = sha256(abi.encodePacked(graphActual, weightsActual));
        if (modelActual != _modelHash) revert ModelHashMismatch(_modelHash, modelActual);
        _state = State.Finalised;
        emit Finalized(modelActual);
        _transferOwnership(address(0));
    }

    // ------------------------------------------------------------------ inference

    /// @dev A walk over a range of layers (`_advance`): the layer outputs and where it stands.
    struct Run {
        int256[][] values; // per layer: its output, once computed or given (canonical layers only)
        uint256 arena; // memory address the outputs live from (see `_compact`)
        uint256 firstLive; // no output below this index is still needed
        uint256 from; // the range's first layer
        uint256[] gasUsed; // per layer of the range, its forward call's gas (empty: not measured)
        uint256[] slot; // per layer: 1 + the index of the tensor given for its output (0: none)
        bool[] read; // per layer: read by a layer of the range (packed calls only)
        bool[] spaced; // per layer: its output has GAP bytes of dead memory before it (`_forwardInPlace`)
    }

    /// @inheritdoc IEternalModel
    /// @dev Walks the layers in order, reading layers, links and pages from the packed walk that
    ///      `construct` stored (ModelWalk), not from storage. Layer outputs live in one memory
    ///      arena that is compacted after every layer: dead outputs and call scratch are dropped,
    ///      live outputs slide down, so memory (whose cost is quadratic) peaks near the largest
    ///      live set, not the sum.
    function predict(int256[][] calldata inputs) external view returns (int256[][] memory outputs) {
        ModelWalk.Walk memory walk = _loadWalk();
        if (inputs.length != walk.inputs.length) revert WrongInputCount(walk.inputs.length, inputs.length);
        uint256 count = walk.layers.length;
        Run memory run;
        run.values = new int256[][](count);
        run.slot = new uint256[](count);
        run.spaced = new bool[](count);
        for (uint256 k = inputs.length; k > 0; --k) {
            run.slot[walk.inputs[k - 1]] = k; // of two inputs for one layer, the first wins
        }
        run.arena = _freeMemory(); // after every allocation that outlives the run: see `_compact`
        // An input is copied into the arena when the walk reaches its layer: `_compact` needs
        // index order to be address order there.
        for (uint256 i = _advance(walk, run, 0, count); i < count; i = _advance(walk, run, i + 1, count)) {
            run.values[i] = inputs[run.slot[i] - 1];
        }
        outputs = _outputs(walk, run.values);
    }

    /// @inheritdoc IEternalModel
    /// @dev `predict` on tensors packed in and out (PackedTensor): the same walk and arena.
    function predictPacked(bytes[] calldata inputs) external view returns (bytes[] memory outputs) {
        ModelWalk.Walk memory walk = _loadWalk();
        if (inputs.length != walk.inputs.length) revert WrongInputCount(walk.inputs.length, inputs.length);
        Run memory run = _startPacked(walk, walk.inputs, inputs, 0, walk.layers.length);
        _runPacked(walk, run, inputs, walk.layers.length);
        int256[][] memory plain = _outputs(walk, run.values);
        outputs = new bytes[](plain.length);
        for (uint256 k; k < plain.length; ++k) {
            outputs[k] = PackedTensor.pack(plain[k]);
        }
    }

    /// @inheritdoc IEternalModel
    function tensorIds() external view returns (uint256[] memory inputIds, uint256[] memory outputIds) {
        ModelWalk.Walk memory walk = _loadWalk();
        inputIds = walk.inputs; // input layers are their own canonical layer
        outputIds = new uint256[](walk.outputs.length);
        for (uint256 k; k < outputIds.length; ++k) {
            outputIds[k] = walk.canonical[walk.outputs[k]];
        }
    }

    /// @inheritdoc IEternalModel
    /// @dev The walk of `predict` over `[from, to)`. Given tensors are unpacked into the arena in
    ///      index order (those before the range first, model inputs inside it when the walk
    ///      reaches them), and only those the range reads; those passed on come back as given.
    function runStage(uint256 from, uint256 to, uint256[] calldata ids, bytes[] calldata tensors)
        external
        view
        returns (uint256[] memory outIds, bytes[] memory outTensors, uint256[] memory gasUsed)
    {
        ModelWalk.Walk memory walk = _loadWalk();
        if (from >= to || to > walk.layers.length) revert BadStage(from, to, walk.layers.length);
        Run memory run = _startPacked(walk, ids, tensors, from, to);
        _runPacked(walk, run, tensors, to);
        (outIds, outTensors) = _stageOutputs(walk, run, tensors, to);
        gasUsed = run.gasUsed;
    }

    /// @inheritdoc IEternalModel
    /// @dev Calls the layer's `forwardSlice`, which reports the output's size (checked after).
    function runSlice(uint256 layer, uint256 start, uint256 end, uint256[] calldata ids, bytes[] calldata tensors)
        external
        view
        returns (bytes memory slice, uint256 size, uint256 gasUsed)
    {
        ModelWalk.Walk memory walk = _loadWalk();
        if (layer >= walk.layers.length) revert LayerIndexOutOfRange(layer, walk.layers.length);
        if (!_computes(walk, layer, layer)) revert BadSlice(layer, start, end, 0);
        int256[][] memory layerInputs = _sliceInputs(walk, layer, ids, tensors);
        int256[] memory part;
        gasUsed = gasleft();
        (part, size) = _forwardLayer(walk.layers[layer], layerInputs, walk.pages, start, end, true);
        gasUsed -= gasleft();
        if (start >= end || end > size) revert BadSlice(layer, start, end, size);
        slice = PackedTensor.pack(part);
    }

    /// @inheritdoc IEternalModel
    function lastReaders() external view returns (uint256[] memory) {
        return _loadWalk().lastUse;
    }

    /// @inheritdoc IEternalModel
    function layerSources(uint256 layer) external view returns (uint256[] memory) {
        ModelWalk.Walk memory walk = _loadWalk();
        if (layer >= walk.layers.length) revert LayerIndexOutOfRange(layer, walk.layers.length);
        return walk.sources[layer];
    }

    /// @inheritdoc IEternalModel
    /// @dev Unpacks only the windows, straight into the layer's `forwardWindow` call (its ABI
    ///      encoding built in place: the model's memory holds each window once), and reads the
    ///      answer where it lands: memory is what limits a call here (docs/CONTRACTS.md).
    function runWindow(
        uint256 layer,
        uint256 start,
        uint256 end,
        uint256[] calldata offsets,
        uint256[] calldata sizes,
        bytes[] calldata windows
    ) external view returns (bytes memory slice, uint256 size, uint256 gasUsed) {
        // One stack slot for (layer, start, end, gasleft() before the layer's call).
        uint256[4] memory range = [layer, start, end, 0];
        ModelWalk.Walk memory walk = _loadWalk();
        _checkWindows(walk, range, [windows.length, offsets.length, sizes.length]);
        range[3] = gasleft(); // from unpacking the windows into the call to its answer
        bytes memory data = _windowCall(range, offsets, sizes, walk.pages, windows);
        (slice, size, gasUsed) = _callLayer(walk.layers[range[0]], data, range[3]);
        if (range[1] >= range[2] || range[2] > size) revert BadSlice(range[0], range[1], range[2], size);
    }

    /// @dev The checks `runWindow` makes before unpacking: a computed layer, one window, offset
    ///      and size per layer input. `range` = (layer, start, end, _); `counts` = how many
    ///      windows, offsets and sizes.
    function _checkWindows(ModelWalk.Walk memory walk, uint256[4] memory range, uint256[3] memory counts) private pure {
        uint256 layer = range[0];
        if (layer >= walk.layers.length) revert LayerIndexOutOfRange(layer, walk.layers.length);
        if (!_computes(walk, layer, layer)) revert BadSlice(layer, range[1], range[2], 0);
        uint256 inputs = walk.sources[layer].length;
        for (uint256 k; k < 3; ++k) {
            if (counts[k] != inputs) revert LengthMismatch(inputs, counts[k]);
        }
    }

    /// @dev The calldata of `ILayer.forwardWindow(windows unpacked, offsets, sizes, pages_, start,
    ///      end)`, ABI-encoded in place: each window unpacked straight into it. `range` =
    ///      (layer, start, end, _). `BadPackedTensor(index)` for a malformed window.
    function _windowCall(
        uint256[4] memory range,
        uint256[] calldata offsets,
        uint256[] calldata sizes,
        address[] memory pages_,
        bytes[] calldata windows
    ) private pure returns (bytes memory data) {
        uint256 values;
        for (uint256 k; k < windows.length; ++k) {
            if (!PackedTensor.isWellFormed(windows[k])) revert BadPackedTensor(k);
            values += PackedTensor.count(windows[k]);
        }
        // The int256[][] tail: its length, n heads, each array's length and values.
        uint256 inputsBytes = 32 * (1 + 2 * windows.length + values);
        uint256 q;
        (data, q) = _windowHead(range, windows.length, inputsBytes, pages_.length);
        _windowTails(q + inputsBytes, offsets, sizes, pages_);
        _windowValues(q, windows);
    }

    /// @dev `forwardWindow`'s calldata allocated (every byte is written by the caller and here:
    ///      the selector and the head), for `n` windows whose tail takes `inputsBytes`, and
    ///      `pageTotal` pages; `q`: where the int256[][]'s tail starts.
    function _windowHead(uint256[4] memory range, uint256 n, uint256 inputsBytes, uint256 pageTotal)
        private
        pure
        returns (bytes memory data, uint256 q)
    {
        uint256 arrayBytes = 32 * (1 + n); // a uint256[n]'s tail
        uint256 size = 4 + 0xc0 + inputsBytes + 2 * arrayBytes + 32 * (1 + pageTotal) + 32; // + the clone
        bytes4 selector = ILayer.forwardWindow.selector;
        // Equivalent to the head of `abi.encodeCall(ILayer.forwardWindow, (inputs, offsets,
        // sizes, pages, start, end))`: the tails' offsets, start, end.
        assembly ("memory-safe") {
            data := mload(0x40)
            mstore(data, size)
            q := add(data, 0x20)
            mstore(0x40, add(q, and(add(size, 31), not(31))))
            mstore(q, selector) // its 28 zero bytes are overwritten by the head next
            q := add(q, 4)
            mstore(q, 0xc0)
            mstore(add(q, 0x20), add(0xc0, inputsBytes))
            mstore(add(q, 0x40), add(add(0xc0, inputsBytes), arrayBytes))
            mstore(add(q, 0x60), add(add(0xc0, inputsBytes), shl(1, arrayBytes)))
            mstore(add(q, 0x80), mload(add(range, 0x20)))
            mstore(add(q, 0xa0), mload(add(range, 0x40)))
            q := add(q, 0xc0)
        }
    }

    /// @dev The tails of `offsets`, `sizes` and `pages_` in `forwardWindow`'s calldata, from
    ///      memory `tail` on.
    function _windowTails(uint256 tail, uint256[] calldata offsets, uint256[] calldata sizes, address[] memory pages_)
        private
        pure
    {
        // Equivalent to ABI-encoding the three arrays one after the other (length, then words).
        assembly ("memory-safe") {
            mstore(tail, offsets.length)
            calldatacopy(add(tail, 0x20), offsets.offset, shl(5, offsets.length))
            tail := add(tail, shl(5, add(offsets.length, 1)))
            mstore(tail, sizes.length)
            calldatacopy(add(tail, 0x20), sizes.offset, shl(5, sizes.length))
            tail := add(tail, shl(5, add(sizes.length, 1)))
            mstore(tail, mload(pages_))
            mcopy(add(tail, 0x20), add(pages_, 0x20), shl(5, mload(pages_)))
        }
    }

    /// @dev The int256[][] tail of `_windowCall` at memory `q`: its length, the heads and each
    ///      window's length and values, unpacked in place.
    function _windowValues(uint256 q, bytes[] calldata windows) private pure {
        uint256 n = windows.length;
        uint256 at = 32 * n; // the next array's offset from q + 32
        for (uint256 k; k < n; ++k) {
            uint256 count = PackedTensor.count(windows[k]);
            uint256 array = q + 32 + at;
            // Equivalent to `heads[k] = at; array.length = count`.
            assembly ("memory-safe") {
                mstore(add(q, shl(5, add(k, 1))), at)
                mstore(array, count)
            }
            PackedTensor.unpackTo(windows[k], array + 32);
            at += 32 * (1 + count);
        }
        // Equivalent to `mstore(q, n)` (the array's length).
        assembly ("memory-safe") {
            mstore(q, n)
        }
    }

    /// @dev Calls `layer` with `data` (a `forwardWindow` call; its last word is written here), as
    ///      a direct call of its implementation (`_implementationOf`), passing on its revert: its
    ///      output packed, the output's size, and the gas from `gasBefore` (`gasleft()` before
    ///      the call was encoded) to the answer decoded.
    function _callLayer(address layer, bytes memory data, uint256 gasBefore)
        private
        view
        returns (bytes memory slice, uint256 size, uint256 gasUsed)
    {
        // Equivalent to `(part, size) = abi.decode(layer.staticcall(data), (int256[], uint256))`,
        // the layer's revert passed on as it is, the array read where the answer is copied (not
        // copied again, `_answer`).
        address implementation = _implementationOf(layer);
        uint256 answer;
        assembly ("memory-safe") {
            // The last word, left by `_windowHead`: the clone, whose config the implementation reads.
            mstore(add(data, mload(data)), layer)
            let ok := staticcall(gas(), implementation, add(data, 0x20), mload(data), 0, 0)
            answer := mload(0x40)
            returndatacopy(answer, 0, returndatasize())
            if iszero(ok) { revert(answer, returndatasize()) }
        }
        int256[] memory part;
        (part, size) = _answer(answer, true);
        gasUsed = gasBefore - gasleft();
        slice = PackedTensor.pack(part);
    }

    /// @dev Layer `layer`'s input tensors, from a `runSlice` call's packed tensors.
    function _sliceInputs(ModelWalk.Walk memory walk, uint256 layer, uint256[] calldata ids, bytes[] calldata tensors)
        private
        pure
        returns (int256[][] memory)
    {
        return _inputsOf(walk, _startPacked(walk, ids, tensors, layer, layer + 1).values, layer);
    }

    /// @dev Runs layers `at`, `at + 1`, ... until `to` or the first model input layer, whichever
    ///      comes first, and returns where it stopped (the caller puts the input in `run.values`
    ///      and goes on after it). Identity layers are skipped: `walk.sources` name the layer they
    ///      pass on. Memory is compacted as `predict` says.
    function _advance(ModelWalk.Walk memory walk, Run memory run, uint256 at, uint256 to)
        private
        view
        returns (uint256 stop)
    {
        int256[][] memory values = run.values;
        for (stop = at; stop < to; ++stop) {
            if (walk.given[stop]) return stop;
            address layer = walk.layers[stop];
            if (layer == address(0)) continue;
            uint256 before = gasleft();
            uint256 source = _inPlaceSource(walk, run, stop);
            if (source != NONE) {
                values[stop] = _forwardInPlace(layer, values[source], walk.pages);
            } else {
                (values[stop],) = _forwardLayer(layer, _inputsOf(walk, values, stop), walk.pages, 0, 0, false);
            }
            run.spaced[stop] = true;
            if (run.gasUsed.length != 0) run.gasUsed[stop - run.from] = before - gasleft();
            // Compacting costs ~1.5k gas a layer; it pays only once memory is large enough for
            // its quadratic cost to matter.
            if (_freeMemory() - run.arena > COMPACT_ABOVE) {
                run.firstLive = _compact(walk.lastUse, stop, run);
            }
        }
    }

    /// @dev `ILayer(layer).forward(inputs, pageList)` (`sliced` false) or
    ///      `(output, size) = ILayer(layer).forwardSlice(inputs, pageList, start, end)` (`sliced`
    ///      true; `forward` leaves `size` 0), as a direct call of the clone's implementation with
    ///      the clone appended (`_implementationOf`), encoded and decoded by hand: each array is one `mcopy`
    ///      into the calldata (Solidity's encoder copies value by value), and the answer is copied
    ///      over the calldata, which is dead by then, and read in place (Solidity copies it a
    ///      second time to decode it). A layer call passes its whole input and output through
    ///      memory, whose cost is quadratic: this keeps one copy of each, not three. The layer's
    ///      revert is passed on as it is; an answer too short for what it says, or a layer without
    ///      code (an empty answer), reverts without data, as Solidity's decoder does.
    function _forwardLayer(
        address layer,
        int256[][] memory inputs,
        address[] memory pageList,
        uint256 start,
        uint256 end,
        bool sliced
    ) private view returns (int256[] memory output, uint256 size) {
        (uint256 at, uint256 tail) = _encodeForward(inputs, pageList, start, end, sliced);
        (output, size) = _send(layer, at, tail, sliced);
    }

    /// @dev `ILayer(layer).forward([x], pageList)` as `_forwardLayer` makes it, for an input that
    ///      no later layer reads, at the end of memory, with GAP bytes of dead memory before it
    ///      (`_inPlaceSource`): the call's head is written into the gap and the pages after the
    ///      values, so the calldata is `x` where it is, not a copy of it; the answer lands over it.
    ///      The model's memory then peaks at one of the input and the output, not both plus a copy.
    function _forwardInPlace(address layer, int256[] memory x, address[] memory pageList)
        private
        view
        returns (int256[] memory output)
    {
        bytes4 selector = ILayer.forward.selector;
        uint256 at;
        uint256 tail;
        assembly ("memory-safe") {
            // The head `_encodeForward` writes for one input, ending where `x` starts: selector
            // word, offset of inputs (0x40), offset of pages, 1 input, its offset (0x20).
            at := sub(x, GAP)
            mstore(at, shr(224, selector))
            mstore(add(at, 0x20), 0x40)
            mstore(add(at, 0x60), 1)
            mstore(add(at, 0x80), 0x20)
            tail := add(x, shl(5, add(mload(x), 1)))
            mstore(add(at, 0x40), sub(tail, add(at, 0x20))) // the offset of pages
            let pageBytes := shl(5, add(mload(pageList), 1))
            mcopy(tail, pageList, pageBytes)
            tail := add(tail, pageBytes)
        }
        (output,) = _send(layer, at, tail, false);
    }

    /// @dev Calls the implementation of clone `layer` with the calldata at memory `[at + 28,
    ///      tail)` and the clone's address appended, and reads the answer in place: copied from
    ///      `at + GAP - 32` on, so the output has GAP bytes of dead memory before it (the answer's
    ///      offset word among them) and the free memory pointer is moved past it.
    function _send(address layer, uint256 at, uint256 tail, bool sliced)
        private
        view
        returns (int256[] memory output, uint256 size)
    {
        address implementation = _implementationOf(layer);
        assembly ("memory-safe") {
            mstore(tail, layer) // the clone, whose config the implementation reads (LayerBase._config)
            tail := add(tail, 0x20)
            let ok := staticcall(gas(), implementation, add(at, 28), sub(tail, add(at, 28)), 0, 0)
            at := add(at, sub(GAP, 0x20)) // where the answer goes
            returndatacopy(at, 0, returndatasize())
            if iszero(ok) { revert(at, returndatasize()) }
        }
        (output, size) = _answer(at, sliced);
    }

    /// @dev A layer's answer (`forward`'s, or `forwardSlice`'s and `forwardWindow`'s when
    ///      `sliced`), copied from the last call's return data to memory `answer`, read in place:
    ///      the output's offset [, size], then the output. The free memory pointer moves past it.
    ///      An answer too short for what it says is not a layer's: revert without data, as
    ///      Solidity's decoder does.
    function _answer(uint256 answer, bool sliced) private pure returns (int256[] memory output, uint256 size) {
        assembly ("memory-safe") {
            if lt(returndatasize(), add(shl(5, add(1, sliced)), 0x20)) { revert(0, 0) }
            let offset := mload(answer)
            if sliced { size := mload(add(answer, 0x20)) }
            if gt(offset, sub(returndatasize(), 0x20)) { revert(0, 0) }
            output := add(answer, offset)
            if gt(mload(output), shr(5, sub(returndatasize(), add(offset, 0x20)))) { revert(0, 0) }
            mstore(0x40, add(answer, and(add(returndatasize(), 31), not(31))))
        }
    }

    /// @dev The one input of layer `i` if its call can be made in place (`_forwardInPlace`): read
    ///      by layer `i` alone and last (not a model output), spaced, and the last thing in memory
    ///      (its values end at the free memory pointer). NONE otherwise.
    function _inPlaceSource(ModelWalk.Walk memory walk, Run memory run, uint256 i) private pure returns (uint256) {
        uint256[] memory sources = walk.sources[i];
        if (sources.length != 1) return NONE;
        uint256 source = sources[0];
        if (!run.spaced[source] || walk.lastUse[source] != i) return NONE;
        int256[] memory x = run.values[source];
        uint256 end;
        assembly ("memory-safe") {
            end := add(x, shl(5, add(mload(x), 1)))
        }
        return end == _freeMemory() ? source : NONE;
    }

    /// @dev The calldata of `_forwardLayer`'s call, from `at + 28` to `tail`, at the free memory
    ///      pointer (not moved: the answer goes there after the call).
    function _encodeForward(
        int256[][] memory inputs,
        address[] memory pageList,
        uint256 start,
        uint256 end,
        bool sliced
    ) private pure returns (uint256 at, uint256 tail) {
        bytes4 selector = sliced ? ILayer.forwardSlice.selector : ILayer.forward.selector;
        uint256 head = sliced ? 0x80 : 0x40; // (inputs, pages) or (inputs, pages, start, end)
        assembly ("memory-safe") {
            // The selector in the low 4 bytes of the first word, so the arguments are word-aligned
            // from `args = at + 32`: the head (offset of inputs, offset of pages, [start, end]),
            // inputs (count, offsets from after the count, then each array: length and values),
            // pages (count, addresses). A memory array is its length word then its values:
            // exactly its ABI encoding.
            at := mload(0x40)
            let args := add(at, 0x20)
            mstore(at, shr(224, selector))
            mstore(args, head)
            mstore(add(args, 0x40), start)
            mstore(add(args, 0x60), end)
            let heads := add(args, head) // the inputs' count, then their offsets
            let n := mload(inputs)
            mstore(heads, n)
            tail := add(heads, add(0x20, shl(5, n))) // where the next array goes
            for { let k := 0 } lt(k, n) { k := add(k, 1) } {
                let array := mload(add(inputs, shl(5, add(k, 1))))
                mstore(add(heads, shl(5, add(k, 1))), sub(tail, add(heads, 0x20)))
                let bytesOf := shl(5, add(mload(array), 1))
                mcopy(tail, array, bytesOf)
                tail := add(tail, bytesOf)
            }
            mstore(add(args, 0x20), sub(tail, args)) // the offset of pages
            let pageBytes := shl(5, add(mload(pageList), 1))
            mcopy(tail, pageList, pageBytes)
            tail := add(tail, pageBytes)
        }
    }

    /// @dev The implementation a layer clone delegates to: the 20 bytes at offset 10 of a Solady
    ///      clone's code (`LibClone.clone`, which `addLayers` used). The model calls it directly,
    ///      naming the clone in the calldata's last word (`LayerBase._config`): going through
    ///      the clone's proxy would copy the whole calldata into memory, and the answer again.
    function _implementationOf(address clone) private view returns (address implementation) {
        assembly ("memory-safe") {
            mstore(0, 0)
            extcodecopy(clone, 12, 10, 20)
            implementation := mload(0)
        }
    }

    /// @dev Checks the tensors of a packed call that runs layers `[from, to)` (gas measured),
    ///      and unpacks those before `from` that the range reads. Reverts `LengthMismatch` (ids, tensors),
    ///      `BadTensorId`, `BadPackedTensor`, `MissingTensor`.
    function _startPacked(
        ModelWalk.Walk memory walk,
        uint256[] memory ids,
        bytes[] calldata tensors,
        uint256 from,
        uint256 to
    ) private pure returns (Run memory run) {
        uint256 count = walk.layers.length;
        if (ids.length != tensors.length) revert LengthMismatch(ids.length, tensors.length);
        run.slot = new uint256[](count);
        for (uint256 k; k < ids.length; ++k) {
            uint256 id = ids[k];
            if (id >= count || walk.canonical[id] != id || run.slot[id] != 0) revert BadTensorId(k, id);
            if (!PackedTensor.isWellFormed(tensors[k])) revert BadPackedTensor(k);
            run.slot[id] = k + 1;
        }
        run.read = new bool[](count);
        for (uint256 i = from; i < to; ++i) {
            if (!_computes(walk, i, from)) continue;
            uint256[] memory sources = walk.sources[i];
            for (uint256 j; j < sources.length; ++j) {
                uint256 source = sources[j];
                // A source is given, or computed in the range (sources are never identity layers).
                if (run.slot[source] == 0 && !_computes(walk, source, from)) revert MissingTensor(i, source);
                run.read[source] = true;
            }
        }
        run.from = from;
        run.gasUsed = new uint256[](to - from);
        run.values = new int256[][](count);
        run.spaced = new bool[](count);
        run.arena = _freeMemory(); // after every allocation that outlives the run: see `_compact`
        for (uint256 id; id < from; ++id) {
            if (run.read[id]) run.values[id] = PackedTensor.unpack(tensors[run.slot[id] - 1]);
        }
    }

    /// @dev Runs the range of `_startPacked` up to `to`, unpacking the model inputs it reads
    ///      when the walk reaches them.
    function _runPacked(ModelWalk.Walk memory walk, Run memory run, bytes[] calldata tensors, uint256 to) private view {
        for (uint256 i = _advance(walk, run, run.from, to); i < to; i = _advance(walk, run, i + 1, to)) {
            if (run.read[i]) run.values[i] = PackedTensor.unpack(tensors[run.slot[i] - 1]);
        }
    }

    /// @dev The tensors a stage ending at `to` passes on (`runStage`), ascending id.
    function _stageOutputs(ModelWalk.Walk memory walk, Run memory run, bytes[] calldata tensors, uint256 to)
        private
        pure
        returns (uint256[] memory outIds, bytes[] memory outTensors)
    {
        uint256 n;
        for (uint256 j; j < to; ++j) {
            if (_passesOn(walk, run, j, to)) ++n;
        }
        outIds = new uint256[](n);
        outTensors = new bytes[](n);
        n = 0;
        for (uint256 j; j < to; ++j) {
            if (!_passesOn(walk, run, j, to)) continue;
            outIds[n] = j;
            outTensors[n++] = _computes(walk, j, run.from) ? PackedTensor.pack(run.values[j]) : tensors[run.slot[j] - 1];
        }
    }

    /// @dev Whether a run starting at `from` computes layer `i` (not an input or identity layer).
    function _computes(ModelWalk.Walk memory walk, uint256 i, uint256 from) private pure returns (bool) {
        return i >= from && !walk.given[i] && walk.layers[i] != address(0);
    }

    /// @dev Whether tensor `j` leaves a stage ending at `to`: a later layer reads it or it is a
    ///      model output (lastUse >= to; only canonical layers have a lastUse), and it was given
    ///      or computed.
    function _passesOn(ModelWalk.Walk memory walk, Run memory run, uint256 j, uint256 to) private pure returns (bool) {
        return walk.lastUse[j] >= to && (run.slot[j] != 0 || _computes(walk, j, run.from));
    }

    /// @dev Layer `i`'s input tensors, from `values`.
    function _inputsOf(ModelWalk.Walk memory walk, int256[][] memory values, uint256 i)
        private
        pure
        returns (int256[][] memory layerInputs)
    {
        uint256[] memory sources = walk.sources[i];
        layerInputs = new int256[][](sources.length);
        for (uint256 j; j < sources.length; ++j) {
            layerInputs[j] = values[sources[j]];
        }
    }

    /// @dev The model's outputs, in `outputLayers` order, from `values`.
    function _outputs(ModelWalk.Walk memory walk, int256[][] memory values) private pure returns (int256[][] memory outputs) {
        outputs = new int256[][](walk.outputs.length);
        for (uint256 k; k < walk.outputs.length; ++k) {
            outputs[k] = values[walk.canonical[walk.outputs[k]]];
        }
    }

    /// @dev The packed walk `construct` stored, decoded, with the page addresses derived from
    ///      the page writer's. Reverts `NotFinalised` before `finalize`.
    function _loadWalk() private view returns (ModelWalk.Walk memory walk) {
        if (_state != State.Finalised) revert NotFinalised();
        walk = ModelWalk.decode(DataChunks.read(_walkChunks), address(_pageWriter));
    }

    /// @dev After layer `step`: forgets outputs no later layer reads and moves the live ones
    ///      (kept in index order, so in address order) down towards the start of the arena, each
    ///      GAP bytes after the one before (then it is `spaced`; one that has less room below it
    ///      stays where it is), then frees everything above them. Equivalent to keeping `values`
    ///      as is, minus the memory. Outputs before `firstLive` are all dead; returns the new first
    ///      live index, so a sequential model does O(1) work per layer here, not O(layers).
    function _compact(uint256[] memory lastUse, uint256 step, Run memory run) private pure returns (uint256 nextFirstLive) {
        int256[][] memory values = run.values;
        uint256 cursor = run.arena;
        nextFirstLive = step + 1;
        for (uint256 j = run.firstLive; j <= step; ++j) {
            int256[] memory value = values[j];
            uint256 source;
            assembly ("memory-safe") {
                source := value // the array's memory address
            }
            if (source < run.arena) continue; // never set (identity layer), or the empty array at 0x60
            if (lastUse[j] <= step) {
                int256[] memory empty; // the zero-length array at 0x60: nothing allocated
                values[j] = empty;
                continue;
            }
            if (j < nextFirstLive) nextFirstLive = j;
            uint256 size = (value.length + 1) * 32; // length word + elements
            if (source >= cursor + GAP) {
                cursor += GAP;
                if (source != cursor) {
                    assembly ("memory-safe") {
                        // Equivalent to copying `value` to a new array at `cursor`; the regions may
                        // overlap and `cursor < source`, which `mcopy` handles.
                        mcopy(cursor, source, size)
                        value := cursor
                    }
                    values[j] = value;
                }
                run.spaced[j] = true;
            } else {
                cursor = source;
            }
            cursor += size;
        }
        assembly ("memory-safe") {
            mstore(0x40, cursor) // everything above the live outputs is scratch from now on
        }
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IEternalModel
    function state() external view returns (State) {
        return _state;
    }

    /// @inheritdoc IEternalModel
    function modelHash() external view returns (bytes32) {
        return _modelHash;
    }

    /// @inheritdoc IEternalModel
    function graphHash() external view returns (bytes32) {
        return _graphHash;
    }

    /// @inheritdoc IEternalModel
    function weightsHash() external view returns (bytes32) {
        return _weightsHash;
    }

    /// @inheritdoc IEternalModel
    function weightBytes() external view returns (uint256) {
        return _weightBytes;
    }

    /// @inheritdoc IEternalModel
    function graphBytes() external view returns (uint256) {
        return _graphBytes;
    }

    /// @inheritdoc IEternalModel
    function layers() external view returns (address[] memory) {
        return _layers;
    }

    /// @inheritdoc IEternalModel
    function pages() external view returns (address[] memory) {
        return ModelWalk.pageAddresses(address(_pageWriter), _pageHashes.length);
    }

    /// @inheritdoc IEternalModel
    function pageCount() external view returns (uint256) {
        return _pageCount;
    }

    /// @inheritdoc IEternalModel
    function pageHashes() external view returns (bytes32[] memory) {
        return _pageHashes;
    }

    /// @inheritdoc IEternalModel
    function graph() public view returns (bytes memory) {
        return DataChunks.read(_graphChunks);
    }

    /// @inheritdoc IEternalModel
    function inbound(uint256 index) external view returns (uint256[] memory) {
        return ModelWalk.links(DataChunks.read(_walkChunks))[index];
    }

    /// @inheritdoc IEternalModel
    function inputLayers() external view returns (uint256[] memory) {
        return _inputLayers;
    }

    /// @inheritdoc IEternalModel
    function outputLayers() external view returns (uint256[] memory) {
        return _outputLayers;
    }

    // ------------------------------------------------------------------ internals

    /// @dev Constructed -> WeightsUploaded once every page and every graph byte is stored.
    function _completeUpload() private {
        if (_pageHashes.length == _pageCount && _graphStored == _graphBytes) {
            _state = State.WeightsUploaded;
            emit UploadCompleted();
        }
    }

    /// @dev Reverts unless every index in `indices` names a layer.
    function _checkIndices(uint256[] calldata indices, uint256 count) private pure {
        for (uint256 i; i < indices.length; ++i) {
            if (indices[i] >= count) revert LayerIndexOutOfRange(indices[i], count);
        }
    }

    /// @dev Checks every layer's inbound list (earlier layers only, limits, identity layers) and
    ///      writes the walk, links included (`_pageCount` set before).
    function _link(
        uint256[][] calldata inbound_,
        uint256[] calldata inputLayers_,
        uint256[] calldata outputLayers_,
        uint256 count
    ) private {
        address[] memory layers_ = _layers;
        for (uint256 i; i < count; ++i) {
            uint256[] calldata sources = inbound_[i];
            if (sources.length > MAX_SOURCES) revert LayerLimitExceeded(i, sources.length, MAX_SOURCES);
            for (uint256 j; j < sources.length; ++j) {
                if (sources[j] >= i) revert BadInbound(i, sources[j]);
            }
            if (layers_[i] == address(0) && sources.length != 1 && !_contains(inputLayers_, i)) {
                revert IdentityLayerInputs(i, sources.length);
            }
        }
        // What predict needs, packed: one EXTCODECOPY per predict instead of an SLOAD per layer and link.
        DataChunks.write(_walkChunks, ModelWalk.pack(layers_, inbound_, inputLayers_, outputLayers_, _pageCount));
    }

    /// @dev The free memory pointer.
    function _freeMemory() private pure returns (uint256 pointer) {
        assembly ("memory-safe") {
            pointer := mload(0x40)
        }
    }

    function _contains(uint256[] calldata list, uint256 value) private pure returns (bool) {
        for (uint256 i; i < list.length; ++i) {
            if (list[i] == value) return true;
        }
        return false;
    }
}
