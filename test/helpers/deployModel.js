// Deploys an Eternal model from a deployment plan (scripts/make_fixtures.py writes them into
// test/fixtures/<case>.json): implementations, EternalModel, then the whole lifecycle
// addLayers -> construct -> appendGraph -> appendPages -> finalize.
const { ethers } = require("hardhat");

// Three full pages (~5.4M gas each) stay under the 16,777,216 gas cap per transaction (Osaka).
const PAGES_PER_TX = 3;
const LAYERS_PER_TX = 16;

/** Deploys one implementation per contract name; returns {name: address}. */
async function deployImplementations(names, signer) {
  const addresses = {};
  for (const name of names) {
    const contract = await ethers.deployContract(name, [], signer);
    await contract.waitForDeployment();
    addresses[name] = await contract.getAddress();
  }
  return addresses;
}

/**
 * Runs the lifecycle for `plan` (hex strings as in a fixture) and returns
 * {model, receipts, gas: {layers, construct, graph, pages, finalize}}.
 * `options.upTo` stops after one step ("created", "layers", "constructed", "uploaded").
 * `options.pages` replaces the pages to upload (e.g. to tamper with one).
 */
async function deployPlan(plan, options = {}) {
  const [owner] = await ethers.getSigners();
  const signer = options.signer || owner;
  const implementations = options.implementations || (await deployImplementations(plan.implementations, signer));
  const model = await ethers.deployContract("EternalModel", [], signer);
  await model.waitForDeployment();
  const gas = { layers: 0n, construct: 0n, graph: 0n, pages: 0n, finalize: 0n };
  const send = async (key, promise) => {
    const receipt = await (await promise).wait();
    gas[key] += receipt.gasUsed;
    return receipt;
  };
  if (options.upTo === "created") return { model, gas, implementations };

  for (let i = 0; i < plan.layers.length; i += LAYERS_PER_TX) {
    const batch = plan.layers.slice(i, i + LAYERS_PER_TX);
    const addresses = batch.map((layer) => (layer.contract ? implementations[layer.contract] : ethers.ZeroAddress));
    await send("layers", model.addLayers(i, addresses, batch.map((layer) => layer.config)));
  }
  if (options.upTo === "layers") return { model, gas, implementations };

  await send(
    "construct",
    model.construct(
      plan.layers.map((layer) => layer.inbound),
      plan.inputs,
      plan.outputs,
      plan.hashes.graph,
      plan.hashes.weights,
      plan.hashes.model,
      plan.weight_bytes,
      plan.graph_bytes,
    ),
  );
  if (options.upTo === "constructed") return { model, gas, implementations };

  for (const [index, chunk] of plan.graph_chunks.entries()) await send("graph", model.appendGraph(index, chunk));
  const pages = options.pages || plan.pages;
  for (let i = 0; i < pages.length; i += PAGES_PER_TX) {
    await send("pages", model.appendPages(i, pages.slice(i, i + PAGES_PER_TX)));
  }
  if (options.upTo === "uploaded") return { model, gas, implementations };

  await send("finalize", model.finalize());
  return { model, gas, implementations };
}

/** Fixed-point bigint -> float (2^-frac scale). */
function toFloat(value, frac) {
  return Number(value) / 2 ** frac;
}

module.exports = { deployImplementations, deployPlan, toFloat };
