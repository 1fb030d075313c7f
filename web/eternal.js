// An Eternal model read and run from the browser by eth_call (docs/WEB.md): the facts on
// chain, fixed-point inputs and packed tensors as python/eternal/fixedpoint.py and
// tensorpack.py write them, and predict in one call or in stages of layers.

import { ethers } from "/vendor/ethers.js";

const ABI = [
  "function state() view returns (uint8)",
  "function modelHash() view returns (bytes32)",
  "function graph() view returns (bytes)",
  "function tensorIds() view returns (uint256[] inputIds, uint256[] outputIds)",
  "function predictPacked(bytes[] inputs) view returns (bytes[] outputs)",
  "function runStage(uint256 from, uint256 to, uint256[] ids, bytes[] tensors) view returns (uint256[] outIds, bytes[] outTensors, uint256[] gasUsed)",
  "error NotFinalised()",
  "error WrongInputCount(uint256 expected, uint256 actual)",
  "error BadPackedTensor(uint256 index)",
  "error BadStage(uint256 from, uint256 to, uint256 layerCount)",
  "error MissingTensor(uint256 layer, uint256 source)",
  "error BadTensorId(uint256 index, uint256 id)",
];
const STATES = ["Created", "Constructed", "WeightsUploaded", "Finalised"];

/** A problem the page shows as one plain line. */
export class PageError extends Error {}

/** Float to fixed point 2^-F, round half to even: Python's to_fixed (np.rint(np.ldexp(v, F))). */
export function toFixed(value, fracBits) {
  const scaled = value * 2 ** fracBits; // exact: a power of two
  if (!Number.isFinite(scaled)) throw new PageError(`Input ${value} does not fit fixed point 2^-${fracBits}`);
  if (Math.abs(scaled) >= 2 ** 52) return BigInt(scaled); // already an integer
  const floor = Math.floor(scaled);
  const rest = scaled - floor;
  return BigInt(rest > 0.5 || (rest === 0.5 && floor % 2 !== 0) ? floor + 1 : floor);
}

/** Fixed point 2^-F to float: Python's from_fixed (the int rounded to float64, then scaled). */
export function fromFixed(value, fracBits) {
  return Number(value) * 2 ** -fracBits;
}

/** BigInts to a packed tensor (docs/FORMAT.md "Packed tensors"): width byte, big-endian values. */
export function pack(values) {
  let width = 1;
  for (const v of values) {
    while (v < -(1n << BigInt(8 * width - 1)) || v >= 1n << BigInt(8 * width - 1)) width += 1;
  }
  if (width > 32) throw new PageError("Packed tensor: a value does not fit int256");
  const bytes = new Uint8Array(1 + values.length * width);
  bytes[0] = width;
  values.forEach((v, n) => {
    let word = BigInt.asUintN(8 * width, v);
    for (let k = width; k >= 1; k -= 1, word >>= 8n) bytes[n * width + k] = Number(word & 0xffn);
  });
  return bytes;
}

/** A packed tensor (hex or bytes) to BigInts. */
export function unpack(data) {
  const bytes = ethers.getBytes(data);
  const width = bytes[0];
  if (!(width >= 1 && width <= 32) || (bytes.length - 1) % width) throw new PageError("The model returned a malformed packed tensor");
  const values = [];
  for (let at = 1; at < bytes.length; at += width) {
    values.push(BigInt.asIntN(8 * width, BigInt(ethers.hexlify(bytes.subarray(at, at + width)))));
  }
  return values;
}

/** The chain id at `url`, or a PageError saying the node cannot be reached. */
async function chainId(url) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    throw new PageError(`Node unreachable: nothing answers at ${url} (${error.name === "TimeoutError" ? "timed out" : error.message}). Start one, e.g. make demo KEEP_NODE=1`);
  }
  const answer = await response.json().catch(() => null);
  if (!answer || answer.result === undefined) throw new PageError(`${url} is not an Ethereum JSON-RPC node (it answered eth_chainId with HTTP ${response.status})`);
  return Number(answer.result);
}

/** The model at `address` on the node at `url`: its facts, and `predict` when finalised. */
export async function openModel(url, address, callGas) {
  if (!ethers.isAddress(address)) throw new PageError(`"${address}" is not an address (0x and 40 hex digits)`);
  const chain = await chainId(url);
  const provider = new ethers.JsonRpcProvider(url, chain, { staticNetwork: true, batchMaxCount: 1 });
  if ((await provider.getCode(address)) === "0x") throw new PageError(`Not an Eternal model: no contract at ${address} on chain ${chain}`);
  const contract = new ethers.Contract(address, ABI, provider);
  let state, graph;
  try {
    state = STATES[Number(await contract.state())];
    graph = JSON.parse(ethers.toUtf8String(await contract.graph()) || "null");
  } catch {
    throw new PageError(`Not an Eternal model: the contract at ${address} does not answer state() and graph() as an EternalModel`);
  }
  if (state === undefined || (state === "Finalised" && graph?.format !== "eternal-graph/1")) {
    throw new PageError(`Not an Eternal model: the contract at ${address} holds no Eternal graph`);
  }
  const model = new Model(contract, chain, state, graph, await contract.modelHash(), callGas);
  if (state !== "Finalised") throw Object.assign(new PageError(`Model at ${address} is not finalised (state ${state}): deploy it to the end first`), { model });
  [model.inputIds, model.outputIds] = (await contract.tensorIds()).map((ids) => ids.map(Number));
  return model;
}

class Model {
  constructor(contract, chain, state, graph, hash, callGas) {
    Object.assign(this, { contract, chain, state, graph, hash, callGas });
  }

  /** hash, name, layers, parameters, precision, finalised, shapes, as shown. */
  facts() {
    const layers = this.graph?.layers ?? [];
    const count = (shape) => shape.reduce((a, b) => a * b, 1);
    const shapes = (ids) => ids.map((i) => JSON.stringify(layers[i].output_shape)).join(", ");
    return {
      hash: this.hash.slice(2),
      name: this.graph?.name ?? "—",
      layers: layers.length,
      params: layers.flatMap((layer) => layer.weights).reduce((sum, w) => sum + count(w.shape), 0).toLocaleString("en"),
      precision: this.graph ? `${this.graph.precision} (activations 2^-${this.graph.activation_frac_bits})` : "—",
      finalised: this.state === "Finalised" ? "yes" : `no (${this.state})`,
      shapes: this.graph ? `${shapes(this.graph.inputs)} → ${shapes(this.graph.outputs.map(([i]) => i))}` : "—",
    };
  }

  /** The elements of the model's only input, or null when it has several. */
  inputSize() {
    return this.graph.inputs.length === 1 ? this.graph.layers[this.graph.inputs[0]].output_shape.reduce((a, b) => a * b, 1) : null;
  }

  /**
   * Runs the model on one input (floats, C order). One predictPacked call first; when that
   * runs out of gas, runStage over layer ranges, each the longest from its first layer that
   * fits (halving on failure). A single layer that needs more gas than one call fails.
   * Returns {outputs: per model output, {fixed: BigInt[], values: float[]}, calls: [text]}.
   */
  async predict(input) {
    const frac = this.graph.activation_frac_bits;
    const packed = ethers.hexlify(pack(input.map((v) => toFixed(v, frac))));
    const overrides = this.callGas ? { gasLimit: this.callGas } : {};
    let outputs, calls;
    try {
      outputs = await this.contract.predictPacked([packed], overrides);
      calls = ["predictPacked (the whole model in one call)"];
    } catch (error) {
      this.rethrowRevert(error);
      ({ outputs, calls } = await this.predictInStages(packed, overrides));
    }
    return {
      outputs: outputs.map((tensor) => {
        const fixed = unpack(tensor);
        return { fixed, values: fixed.map((v) => fromFixed(v, frac)) };
      }),
      calls,
    };
  }

  async predictInStages(packed, overrides) {
    const layerCount = this.graph.layers.length;
    let tensors = new Map([[this.inputIds[0], packed]]);
    const calls = [];
    for (let from = 0, to = layerCount; from < layerCount; ) {
      try {
        const [ids, outTensors, gasUsed] = await this.contract.runStage(from, to, [...tensors.keys()], [...tensors.values()], overrides);
        tensors = new Map(ids.map((id, k) => [Number(id), outTensors[k]]));
        const gas = gasUsed.reduce((sum, g) => sum + g, 0n);
        calls.push(`runStage(${from}, ${to}): layers ${from}–${to - 1}, ${gas.toLocaleString("en")} gas in layers`);
        [from, to] = [to, layerCount];
      } catch (error) {
        this.rethrowRevert(error);
        if (to - from === 1) {
          const layer = this.graph.layers[from];
          throw new PageError(`Layer ${from} (${layer.name}, ${layer.class_name}) needs more gas than one call carries; this page runs whole layers only (python -m eternal.predict splits them)`);
        }
        to = from + Math.floor((to - from) / 2);
      }
    }
    return { outputs: this.outputIds.map((id) => tensors.get(id)), calls };
  }

  /** A revert with data is the model refusing the call (not gas): say which error. */
  rethrowRevert(error) {
    const data = error?.data ?? error?.info?.error?.data;
    if (typeof data !== "string" || data.length < 10) return; // no revert data: out of gas
    const parsed = this.contract.interface.parseError(data);
    throw new PageError(`The model reverted: ${parsed ? `${parsed.name}(${parsed.args.join(", ")})` : data}`);
  }
}
