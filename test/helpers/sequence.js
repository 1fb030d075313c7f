// Shared by the sequence-layer tests (Embedding, SimpleRNN, LSTM, GRU): deploys a fixture
// model (test/fixtures/<name>.json, written by scripts/make_fixtures.py from
// scripts/fixture_cases/sequence.py) and hands back the layer contract itself.
const fs = require("fs");
const path = require("path");
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { LibZip } = require("solady/js/solady.js");
const { FIXTURES, readFixture, sampleInputs } = require("./fixtureFiles");
const { deployPlan } = require("./deployModel");
const { abi, TENSOR } = require("./layerHarness");

// abi_config of python/eternal/layers/recurrent_base.py and embedding.py.
const CONFIG_TYPES = {
  recurrent: [
    "uint256 fracBits", "uint256 weightBits", "uint256 inputDim", "uint256 units", "uint256 activation",
    "uint256 recurrentActivation", "bool returnSequences", "bool goBackwards", `${TENSOR} kernel`,
    `${TENSOR} recurrentKernel`, "bool useBias", `${TENSOR} bias`,
  ],
  embedding: ["uint256 fracBits", "uint256 weightBits", "uint256 inputDim", "uint256 outputDim", `${TENSOR} embeddings`],
};

/**
 * A layer config as the plan stores it back to its ABI bytes: compressed configs (Solady LibZip
 * `cdCompress` form, first byte 0xff) through Solady's own `cdDecompress`, as `LayerBase._config`
 * does on chain; raw ABI configs (first byte 0x00) as they are.
 */
function decodeConfigBytes(hex) {
  return hex.toLowerCase().startsWith("0xff") ? LibZip.cdDecompress(hex) : hex;
}

/**
 * Deploys fixture `name`; returns {fixture, model, layer, pages, config} where `layer` is the
 * clone of `contractName` (the model's only layer of that type) and `config` its decoded config.
 */
async function deploySequenceFixture(name, contractName) {
  const file = path.join(FIXTURES, `${name}.json`);
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: run scripts/make_fixtures.py (cases in scripts/fixture_cases/sequence.py) at --precision int32, int16 and int8`);
  }
  const fixture = readFixture(name);
  const { model } = await deployPlan(fixture.plan);
  const index = fixture.plan.layers.findIndex((layer) => layer.contract === contractName);
  const layers = await model.layers();
  const layer = await ethers.getContractAt(contractName, layers[index]);
  const kind = contractName === "EmbeddingLayer" ? "embedding" : "recurrent";
  const [config] = abi.decode([`tuple(${CONFIG_TYPES[kind].join(",")})`], decodeConfigBytes(fixture.plan.layers[index].config));
  return { fixture, model, layer, pages: [...(await model.pages())], config };
}

/** Every sample: the layer called directly returns the emulator's output (single-layer fixtures). */
async function expectSamplesExact({ fixture, layer, pages }) {
  for (const [s, sample] of fixture.samples.entries()) {
    expect(sample.expected, `${fixture.name}: fixture written without the emulator`).to.not.equal(null);
    const output = await layer.forward(sampleInputs(sample), pages);
    expect(output.map(String), `${fixture.name} sample ${s}`).to.deep.equal(sample.expected[0]);
  }
}

/** Gas of `layer.forward(values)` (eth_estimateGas: the whole call, 21k base included). */
async function forwardGas({ layer, pages }, values) {
  return Number(await layer.forward.estimateGas([values], pages));
}

/** A fixture's weight stream (its pages joined) as one Buffer. */
function fixtureStream(fixture) {
  return Buffer.concat(fixture.plan.pages.map((page) => Buffer.from(page.slice(2), "hex")));
}

/** One offset-binary value of `bits` at byte `at` of `stream`, as a BigInt. */
function offsetBinary(stream, at, bits) {
  return BigInt("0x" + stream.subarray(at, at + bits / 8).toString("hex")) - (1n << BigInt(bits - 1));
}

/** A blocked kernel (docs/FORMAT.md) from the fixture's pages, as rows x cols BigInts. */
function decodeBlocked(fixture, tensor, rows, cols, bits) {
  const stream = fixtureStream(fixture);
  const lanes = 256 / bits;
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, j) =>
    offsetBinary(stream, Number(tensor.offset) + (Math.floor(j / lanes) * rows + r) * 32 + (j % lanes) * (bits / 8), bits)));
}

/** A plain tensor (docs/FORMAT.md: consecutive offset-binary values) of `count` values, as BigInts. */
function decodePlain(fixture, tensor, count, bits) {
  const stream = fixtureStream(fixture);
  return Array.from({ length: count }, (_, i) => offsetBinary(stream, Number(tensor.offset) + i * (bits / 8), bits));
}

module.exports = { deploySequenceFixture, expectSamplesExact, forwardGas, decodeBlocked, decodePlain };
