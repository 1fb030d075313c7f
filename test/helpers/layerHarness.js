// Layers without an EternalModel, through LayerHarness (contracts/test/LayerHarness.sol): a kit of
// the harness and one implementation per contract, layer clones with their configs, weight
// pages, and a fixture's deployment plan run layer by layer as EternalModel.predict does.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { splitPages } = require("./weightStream");

const abi = ethers.AbiCoder.defaultAbiCoder();
// A weight tensor inside a layer config: (byte offset, byte size, frac bits).
const TENSOR = "tuple(uint256 offset, uint256 size, int256 fracBits)";

/** Deploys LayerHarness, then one implementation per contract name, in order: {harness, implementations}. */
async function deployLayerKit(contractNames) {
  const harness = await ethers.deployContract("LayerHarness");
  const implementations = {};
  for (const name of contractNames) implementations[name] = await ethers.deployContract(name);
  return { harness, implementations };
}

/** The first `name` event of a receipt from the harness. */
function harnessEvent(kit, receipt, name) {
  return receipt.logs.map((log) => kit.harness.interface.parseLog(log)).find((event) => event && event.name === name);
}

/**
 * Clones the kit's implementation of `contract` with `config` (ABI bytes, raw or compressed) as
 * its immutable args (`abi.encode(types, values)` for a hand-made one); returns the clone as a
 * `contract` object (its address: `.target`).
 */
async function cloneLayer(kit, contract, config) {
  const implementation = kit.implementations[contract];
  if (!implementation) throw new Error(`no implementation deployed for ${contract}`);
  const receipt = await (await kit.harness.clone(await implementation.getAddress(), config)).wait();
  return ethers.getContractAt(contract, harnessEvent(kit, receipt, "Cloned").args.layer);
}

/**
 * Stores `pages` (hex) as SSTORE2 data contracts, one transaction each (a 256x256 int32 kernel is
 * 11 pages, more than one transaction's gas cap holds); returns their addresses.
 */
async function writePages(kit, pages) {
  const addresses = [];
  for (const page of pages) {
    const receipt = await (await kit.harness.writePages([page])).wait();
    addresses.push(...harnessEvent(kit, receipt, "PagesWritten").args.pages);
  }
  return addresses;
}

/** Stores a weight stream (hex or bytes) as 24,575-byte pages; returns their addresses. */
async function writeStream(kit, stream) {
  return writePages(kit, splitPages(stream));
}

/** Clones the plan's layers and stores its pages; returns {layers: [address|null], pages}. */
async function instantiate(kit, plan) {
  const layers = [];
  for (const layer of plan.layers) {
    layers.push(layer.contract ? (await cloneLayer(kit, layer.contract, layer.config)).target : null);
  }
  return { layers, pages: await writePages(kit, plan.pages) };
}

/** Runs one sample (inputs as arrays of BigInt); returns {outputs, gas: [per layer]}. */
async function runSample(kit, plan, instance, inputs) {
  const values = new Array(plan.layers.length);
  const gas = new Array(plan.layers.length).fill(0n);
  plan.inputs.forEach((index, k) => (values[index] = inputs[k]));
  for (let i = 0; i < plan.layers.length; i++) {
    if (plan.inputs.includes(i)) continue;
    const args = plan.layers[i].inbound.map((j) => values[j]);
    if (instance.layers[i] === null) {
      values[i] = args[0];
      continue;
    }
    const [output, used] = await kit.harness.measure(instance.layers[i], args, instance.pages);
    values[i] = [...output];
    gas[i] = used;
  }
  return { outputs: plan.outputs.map((index) => values[index]), gas };
}

/**
 * Expects `layer.forwardSlice(inputs, pages, start, end)` to be `forward(inputs, pages)[start:end]`
 * and the output's size, for ranges between cut points at, around and between every run of
 * `channels` values (a position), and ranges past the end (clamped) or empty. Every pair of cut
 * points, or with `quick` only consecutive ones (the pieces of one partition). Returns forward's output.
 */
async function expectSlicesOfForward(layer, inputs, pages, channels, { quick = false } = {}) {
  const full = [...(await layer.forward(inputs, pages))];
  const size = full.length;
  const cuts = [...new Set([0, 1, channels - 1, channels, channels + 1, Math.floor(size / 2), size - channels - 1,
    size - channels, size - 1, size])].filter((c) => c >= 0 && c <= size).sort((a, b) => a - b);
  const ranges = [];
  cuts.forEach((start, k) => {
    for (const end of quick ? cuts.slice(k + 1, k + 2) : cuts.slice(k + 1)) ranges.push([start, end]);
  });
  ranges.push([size - 2, size + 5], [size + 1, size + 3], [5, 3], [0, (1n << 256n) - 1n]);
  for (const [start, end] of ranges) {
    const [output, reported] = await layer.forwardSlice(inputs, pages, start, end);
    const from = Math.min(Number(start), size);
    const to = Math.max(from, Math.min(Number(end), size));
    expect([...output], `forwardSlice(${start}, ${end}) of ${size}`).to.deep.equal(full.slice(from, to));
    expect(reported).to.equal(BigInt(size));
  }
  return full;
}

// forward and forwardSlice (ILayer), for calls built by hand (LayerHarness.measureCall).
const LAYER_CALLS = new ethers.Interface([
  "function forward(int256[][] inputs, address[] pages) view returns (int256[] output)",
  "function forwardSlice(int256[][] inputs, address[] pages, uint256 start, uint256 end) view returns (int256[] output, uint256 size)",
]);

/**
 * `layer.forward(inputs, pages)`, or `forwardSlice(inputs, pages, start, end)` when `slice` is
 * `[start, end]`, through LayerHarness.measureCall: {output: [BigInt], gas} with the gas spent
 * inside the layer's call (as a call tracer reports it, + 100), not the caller's copies. With
 * `direct`, the call EternalModel makes: the clone's implementation, the clone's address appended
 * (LayerBase._config), without the clone's proxy and its copies of the calldata and the answer.
 */
async function forwardGas(kit, layer, inputs, pages, slice, direct = false) {
  const clone = typeof layer === "string" ? layer : layer.target;
  const [name, args] = slice ? ["forwardSlice", [inputs, pages, ...slice]] : ["forward", [inputs, pages]];
  let [target, data] = [clone, LAYER_CALLS.encodeFunctionData(name, args)];
  if (direct) [target, data] = [implementationOf(await ethers.provider.getCode(clone)), data + ethers.zeroPadValue(clone, 32).slice(2)];
  const [result, gas] = await kit.harness.measureCall(target, data);
  return { output: [...LAYER_CALLS.decodeFunctionResult(name, result)[0]], gas: Number(gas) };
}

/** The implementation a Solady clone (runtime code, hex) delegates to: its bytes 10..30. */
function implementationOf(code) {
  return ethers.getAddress("0x" + code.slice(2 + 20, 2 + 60));
}

/**
 * The gas `layer`'s implementation spends on `forward`, or `forwardSlice` when `slice` is
 * `[start, end]`: the clone's DELEGATECALL, traced (debug_traceCall), access cost included; not the
 * clone's own copies of the calldata and the answer into its memory (EIP-1167), which are the
 * same for any slice of the same inputs.
 */
async function implementationGas(kit, layer, inputs, pages, slice) {
  const target = typeof layer === "string" ? layer : layer.target;
  const [name, args] = slice ? ["forwardSlice", [inputs, pages, ...slice]] : ["forward", [inputs, pages]];
  const data = kit.harness.interface.encodeFunctionData("measureCall", [target, LAYER_CALLS.encodeFunctionData(name, args)]);
  const trace = await ethers.provider.send("debug_traceCall", [{ to: await kit.harness.getAddress(), data }, "latest",
    { disableStack: true, disableMemory: true, disableStorage: true }]);
  const steps = trace.structLogs;
  const call = steps.findIndex((step) => step.op === "DELEGATECALL");
  if (call < 0) throw new Error(`no DELEGATECALL in the trace of ${name}: is ${target} a clone?`);
  const back = steps.slice(call + 1).find((step) => step.depth === steps[call].depth);
  return steps[call].gas - back.gas;
}

module.exports = {
  abi, TENSOR, LAYER_CALLS, deployLayerKit, cloneLayer, writePages, writeStream, instantiate, runSample,
  expectSlicesOfForward, forwardGas, implementationGas,
};
