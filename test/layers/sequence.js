// Shared by the sequence-layer tests (Embedding, SimpleRNN, LSTM, GRU): deploys a fixture
// model (test/fixtures/<name>.json, written by scripts/make_fixtures.py from
// scripts/fixture_cases/sequence.py) and hands back the layer contract itself.
const fs = require("fs");
const path = require("path");
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { FIXTURES, readFixture, deployPlan, sampleInputs } = require("../helpers/deployModel");

const TENSOR = "tuple(uint256 offset, uint256 size, int256 fracBits)";
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
 * A layer config as the plan stores it back to its ABI bytes: Solady LibZip `cdCompress` form
 * (first 4 bytes negated; `00 n` = n+1 zero bytes, `00 (0x80|n)` = n+1 0xff bytes), see
 * `decompress_config` in python/eternal/onchain.py. Uncompressed configs start with 0x00.
 */
function decompressConfig(hex) {
  const data = Buffer.from(hex.slice(2), "hex");
  if (data.length === 0 || data[0] !== 0xff) return hex;
  for (let k = 0; k < Math.min(4, data.length); k++) data[k] ^= 0xff;
  const out = [];
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0 && i + 1 < data.length) {
      const control = data[++i];
      for (let n = 0; n <= (control & 0x7f); n++) out.push(control & 0x80 ? 0xff : 0);
    } else {
      out.push(data[i]);
    }
  }
  return "0x" + Buffer.from(out).toString("hex");
}

/** The fixture names of a case at int32, int16 and int8. */
function fixtureVariants(name) {
  return [name, `${name}_int16`, `${name}_int8`];
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
  const [config] = ethers.AbiCoder.defaultAbiCoder().decode([`tuple(${CONFIG_TYPES[kind].join(",")})`], decompressConfig(fixture.plan.layers[index].config));
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

module.exports = { fixtureVariants, deploySequenceFixture, expectSamplesExact, forwardGas, sampleInputs };
