// Driving InferenceJobs from the tests: a job run step by step, each step handed the pieces of the
// tensors it reads, taken from the events of the steps before (packed tensors: ./packedTensor.js).
// The pieces are cut here from the format alone (IInferenceJobs.Tensor), so a contract that cut or
// hashed them differently leaves the runner without a piece it committed to.
const { ethers } = require("hardhat");
const { packTensor: pack, unpackTensor: unpack } = require("./packedTensor");

const TX_GAS_CAP = 16_777_216n; // EIP-7825: no transaction may use more
const PIECE_VALUES = 1024; // InferenceJobs.PIECE_VALUES
const TENSOR = "tuple(uint256 id, bytes32[] hashes, uint256[] ends)";

/** The named event of `contract` in a receipt (the first, or undefined). */
function eventOf(contract, receipt, name) {
  for (const log of receipt.logs) {
    let parsed = null;
    try {
      parsed = contract.interface.parseLog(log);
    } catch {
      continue; // another contract's log
    }
    if (parsed && parsed.name === name) return parsed;
  }
  return undefined;
}

/**
 * Packed tensor `packed` (hex), whose first value is element `base` of its tensor, cut at `ends`
 * (flat indices, ascending, the last its end): one packed piece per end, at `packed`'s width.
 */
function cutAt(packed, ends, base = 0) {
  const bytes = ethers.getBytes(packed);
  const width = bytes[0];
  const pieces = [];
  let start = base;
  for (const end of ends.map(Number)) {
    const values = bytes.slice(1 + (start - base) * width, 1 + (end - base) * width);
    pieces.push(ethers.hexlify(ethers.concat([Uint8Array.of(width), values])));
    start = end;
  }
  return pieces;
}

/** The ends of a run of `values` values from element `base`, cut every PIECE_VALUES (an empty run: one empty piece). */
function pieceEnds(values, base = 0) {
  const ends = [];
  for (let at = PIECE_VALUES; at < values; at += PIECE_VALUES) ends.push(base + at);
  ends.push(base + values);
  return ends;
}

/** Values in packed tensor `packed` (hex). */
const valueCount = (packed) => (ethers.dataLength(packed) - 1) / ethers.getBytes(packed)[0];

/** The `Tensor` a job commits to for a tensor computed whole, computed in JS: {id, hashes, ends}. */
function describe(id, packed) {
  const ends = pieceEnds(valueCount(packed)).map(BigInt);
  return { id: BigInt(id), hashes: cutAt(packed, ends).map((p) => ethers.keccak256(p)), ends };
}

/** A live set as plain objects (event Results are read-only and positional). */
const plainLive = (live) => live.map((t) => ({ id: t.id, hashes: [...t.hashes], ends: [...t.ends] }));

/** keccak256(abi.encode(Tensor[] live)): the state hash a job commits to. */
const stateHashOf = (live) => ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode([`${TENSOR}[]`], [live]));

/** The slice hash chain: keccak256(chained ‖ hash ‖ uint256 end) per piece, from 0. */
function chainOf(hashes, ends) {
  let chained = ethers.ZeroHash;
  for (const [j, hash] of hashes.entries()) chained = ethers.solidityPackedKeccak256(["bytes32", "bytes32", "uint256"], [chained, hash, ends[j]]);
  return chained;
}

/**
 * A job's client-side state: its live set and the current layer's slice pieces, from the events, and
 * a store of every piece seen (keccak256 -> bytes). `step(to)` / `slice(end)` / `window(...)` /
 * `complete()` send one step (from `signer`) and return its receipt; `stepArgs` and the like give
 * the arguments such a step would send, for a test to alter and send itself (`send`).
 */
class JobRunner {
  constructor(jobs, model, opened) {
    this.jobs = jobs;
    this.model = model;
    this.jobId = opened.args.jobId;
    this.layerCount = Number(opened.args.layerCount);
    this.nextLayer = Number(opened.args.nextLayer);
    this.store = new Map();
    this.live = plainLive(opened.args.live);
    this.live.forEach((tensor, k) => this._keep(cutAt(opened.args.tensors[k], tensor.ends)));
    this.slices = { hashes: [], ends: [], pieces: [] };
    this.receipts = [];
    this._sources = new Map();
  }

  /** A runner for the job a transaction opened (its receipt holds `JobOpened`). */
  static async fromReceipt(jobs, receipt) {
    const opened = eventOf(jobs, receipt, "JobOpened");
    const model = await ethers.getContractAt("EternalModel", opened.args.model);
    const runner = new JobRunner(jobs, model, opened);
    runner.receipts.push(receipt);
    return runner;
  }

  static async open(jobs, model, inputs, signer) {
    const receipt = await (await jobs.connect(signer).open(await model.getAddress(), inputs)).wait();
    return JobRunner.fromReceipt(jobs, receipt);
  }

  /** Canonical ids of the live set. */
  get ids() {
    return this.live.map((t) => t.id);
  }

  /** Tensor `id` of the live set, packed whole (its pieces joined at the widest piece's width). */
  tensor(id) {
    const pieces = this.live.find((t) => t.id === BigInt(id)).hashes.map((h) => this.piece(h));
    const width = Math.max(...pieces.map((piece) => ethers.getBytes(piece)[0]));
    return pack(pieces.flatMap((piece) => unpack(piece)), width);
  }

  /** The piece named `hash`; throws if no event gave it. */
  piece(hash) {
    const piece = this.store.get(hash);
    if (piece === undefined) throw new Error(`job ${this.jobId}: no piece ${hash} was published`);
    return piece;
  }

  /** `advance`'s arguments for layers `[nextLayer, to)`. */
  async stepArgs(to) {
    const read = new Set();
    for (let i = this.nextLayer; i < to; i += 1) for (const id of await this._sourcesOf(i)) read.add(id);
    if (to === this.layerCount) for (const id of await this._outputIds()) read.add(id);
    return [this.jobId, to, this.live, this._piecesFor(read)];
  }

  /** `advanceSlice`'s arguments for elements `[sliceDone, end)` of the next layer. */
  async sliceArgs(end) {
    return [this.jobId, end, this.live, this._piecesFor(new Set(await this._sourcesOf(this.nextLayer)))];
  }

  /** `advanceWindow`'s arguments: per layer input k, elements `[offsets[k], offsets[k] + counts[k])`. */
  async windowArgs(end, offsets, counts) {
    const sources = await this._sourcesOf(this.nextLayer);
    const windows = sources.map((id, k) => this.windowOf(id, offsets[k], counts[k]));
    return [this.jobId, end, this.live, windows];
  }

  /** The `Window` of live tensor `id`: elements `[offset, offset + count)`, the fewest pieces that cover it. */
  windowOf(id, offset, count) {
    const entry = this.live.find((t) => t.id === BigInt(id));
    const ends = entry.ends.map(Number);
    const bounds = [0, ...ends]; // where each piece starts, then the tensor's end
    // An empty window where a piece starts (or at the end) needs no piece.
    if (count === 0 && bounds.includes(offset)) return { pieces: [], first: bounds.indexOf(offset), offset, count };
    // The piece holding the window's first element and the one holding its last (past the end: the last piece).
    const indexOr = (at, otherwise) => (at < 0 ? otherwise : at);
    const first = indexOr(ends.findIndex((end) => end > offset), ends.length - 1);
    const last = Math.max(first, indexOr(ends.findIndex((end) => end >= offset + count), ends.length - 1));
    const pieces = entry.hashes.slice(first, last + 1).map((h) => this.piece(h));
    return { pieces, first, offset, count };
  }

  /** `completeLayer`'s arguments: the layer's slice pieces, and at the last layer the outputs' data. */
  async completeArgs() {
    const layer = this.nextLayer;
    const output = { id: BigInt(layer), hashes: [...this.slices.hashes], ends: [...this.slices.ends] };
    if (layer + 1 < this.layerCount) return [this.jobId, this.live, this._piecesFor(new Set()), output, []];
    const outputs = await this._outputIds();
    const outputPieces = outputs.includes(BigInt(layer)) ? [...this.slices.pieces] : [];
    return [this.jobId, this.live, this._piecesFor(new Set(outputs)), output, outputPieces];
  }

  async step(to, signer) {
    return this.send("advance", await this.stepArgs(to), signer);
  }

  async slice(end, signer) {
    return this.send("advanceSlice", await this.sliceArgs(end), signer);
  }

  /** A slice from windows of the layer's inputs: elements `[offsets[k], offsets[k] + counts[k])` of input k. */
  async window(end, offsets, counts, signer) {
    return this.send("advanceWindow", await this.windowArgs(end, offsets, counts), signer);
  }

  /** Completes the layer whose slices reached its end. */
  async complete(signer) {
    return this.send("completeLayer", await this.completeArgs(), signer);
  }

  /** Sends `method(...args)` from `signer`, takes in its events, returns its receipt. */
  async send(method, args, signer) {
    const receipt = await (await this.jobs.connect(signer)[method](...args)).wait();
    return this._take(receipt);
  }

  _take(receipt) {
    this.receipts.push(receipt);
    const sliced = eventOf(this.jobs, receipt, "SliceDone");
    if (sliced) {
      const { start, end, packed } = sliced.args;
      const ends = pieceEnds(Number(end - start), Number(start)).map(BigInt);
      const pieces = this._keep(cutAt(packed, ends, Number(start)));
      this.slices.hashes.push(...pieces.map((p) => ethers.keccak256(p)));
      this.slices.ends.push(...ends);
      this.slices.pieces.push(...pieces);
    }
    const stage = eventOf(this.jobs, receipt, "StageDone");
    if (stage) {
      this.live = plainLive(stage.args.live);
      stage.args.ids.forEach((id, k) => {
        const entry = this.live.find((t) => t.id === id);
        if (entry) this._keep(cutAt(stage.args.tensors[k], entry.ends));
      });
      this.nextLayer = Number(stage.args.to);
      this.slices = { hashes: [], ends: [], pieces: [] };
    }
    return receipt;
  }

  /** Stores `pieces` by their hash; returns them. */
  _keep(pieces) {
    for (const piece of pieces) this.store.set(ethers.keccak256(piece), piece);
    return pieces;
  }

  /** Per live tensor: all its pieces if its id is in `read`, else none. */
  _piecesFor(read) {
    return this.live.map((t) => (read.has(t.id) ? t.hashes.map((h) => this.piece(h)) : []));
  }

  /** The canonical ids layer `layer` reads (none for an input or identity layer). */
  async _sourcesOf(layer) {
    if (!this._sources.has(layer)) {
      const layers = (this._layers ??= await this.model.layers());
      this._sources.set(layer, layers[layer] === ethers.ZeroAddress ? [] : [...(await this.model.layerSources(layer))]);
    }
    return this._sources.get(layer);
  }

  async _outputIds() {
    this._outputs ??= [...(await this.model.tensorIds())[1]];
    return this._outputs;
  }
}

module.exports = {
  TX_GAS_CAP,
  PIECE_VALUES,
  pack,
  unpack,
  eventOf,
  cutAt,
  pieceEnds,
  describe,
  stateHashOf,
  chainOf,
  JobRunner,
};
