// Gas of finalize, appendPages and predict as a model grows: the issue-11 targets are a finalize
// whose gas does not grow with the number of pages, and a predict no dearer for small models.
// Part 1: a two-layer model (identity input + WeightPagesHarness reading 64 bytes of the last page)
// with 1..N full pages of random weights. Part 2: finalize by graph size. Part 3: shared fixtures
// (test/fixtures) through their whole lifecycle.
// Run: node_modules/.bin/hardhat run bench/gas_lifecycle.js   (BENCH_PAGES=1,10,100 to choose N)
const { ethers } = require("hardhat");
const { PAGE_SIZE, splitPages } = require("../test/helpers/weightStream");
const { randomBytes } = require("../test/helpers/random");
const { readFixture, sampleInputs } = require("../test/helpers/fixtureFiles");
const { deployPlan } = require("../test/helpers/deployModel");

const PAGES_PER_TX = 3;
const PAGE_COUNTS = (process.env.BENCH_PAGES || "1,2,3,10,100").split(",").map(Number);
const FIXTURES = ["dense_wide", "small_cnn", "merge_layers", "embedding_gru_simple_rnn_dense", "conv2d_same_int8"];
const coder = ethers.AbiCoder.defaultAbiCoder();

async function pagesRow(harness, pageCount) {
  const stream = randomBytes(pageCount * PAGE_SIZE, 4000 + pageCount);
  const pages = splitPages(stream);
  const graph = ethers.toUtf8Bytes(JSON.stringify({ bench: "pages", pageCount }));
  const graphHash = ethers.sha256(graph);
  const weightsHash = ethers.sha256(ethers.concat(pages.map((page) => ethers.sha256(page))));
  const modelHash = ethers.sha256(ethers.concat([graphHash, weightsHash]));
  const model = await ethers.deployContract("EternalModel");
  const offset = (pageCount - 1) * PAGE_SIZE + 100;
  await (await model.addLayers(0, [ethers.ZeroAddress, harness], ["0x", coder.encode(["uint256", "uint256"], [offset, 64])])).wait();
  const construct = await (await model.construct([[], [0]], [0], [1], graphHash, weightsHash, modelHash, stream.length, graph.length)).wait();
  await (await model.appendGraph(0, graph)).wait();
  let fullTxGas = 0n;
  let fullTxs = 0;
  for (let i = 0; i < pages.length; i += PAGES_PER_TX) {
    const receipt = await (await model.appendPages(i, pages.slice(i, i + PAGES_PER_TX))).wait();
    if (i > 0 && i + PAGES_PER_TX <= pages.length) {
      fullTxGas += receipt.gasUsed;
      fullTxs += 1;
    }
  }
  const finalize = await (await model.finalize()).wait();
  const [output] = await model.predict([[1n]]);
  const expected = Array.from(stream.slice(offset, offset + 64), BigInt);
  if (output.slice(0, 64).some((v, i) => v !== expected[i])) throw new Error(`predict read the wrong bytes at ${pageCount} pages`);
  return {
    pages: pageCount,
    "construct gas": Number(construct.gasUsed),
    "appendPages gas per page (3-page txs)": fullTxs ? Math.round(Number(fullTxGas) / (fullTxs * PAGES_PER_TX)) : "-",
    "finalize gas": Number(finalize.gasUsed),
    "predict gas": Number(await model.predict.estimateGas([[1n]])),
  };
}

async function fixtureRow(name) {
  const fixture = readFixture(name);
  const { model, gas } = await deployPlan(fixture.plan);
  return {
    fixture: name,
    layers: fixture.plan.layers.length,
    pages: fixture.plan.pages.length,
    "construct gas": Number(gas.construct),
    "finalize gas": Number(gas.finalize),
    "predict gas (sample 0)": Number(await model.predict.estimateGas(sampleInputs(fixture.samples[0]))),
  };
}

/** finalize of a one-layer model without weights whose graph is `bytes` long (the graph is hashed whole). */
async function graphRow(bytes) {
  const graph = ethers.toUtf8Bytes(JSON.stringify({ bench: "graph", padding: "g".repeat(bytes - 30) }).padEnd(bytes, " "));
  const graphHash = ethers.sha256(graph);
  const weightsHash = ethers.sha256("0x");
  const modelHash = ethers.sha256(ethers.concat([graphHash, weightsHash]));
  const model = await ethers.deployContract("EternalModel");
  await (await model.addLayers(0, [ethers.ZeroAddress], ["0x"])).wait();
  await (await model.construct([[]], [0], [0], graphHash, weightsHash, modelHash, 0, graph.length)).wait();
  for (let i = 0; i * PAGE_SIZE < graph.length; ++i) {
    await (await model.appendGraph(i, graph.slice(i * PAGE_SIZE, (i + 1) * PAGE_SIZE))).wait();
  }
  const finalize = await (await model.finalize()).wait();
  return { "graph bytes": graph.length, "graph chunks": Math.ceil(graph.length / PAGE_SIZE), "finalize gas": Number(finalize.gasUsed) };
}

async function main() {
  const creation = await (await ethers.deployContract("EternalModel")).deploymentTransaction().wait();
  console.log(`EternalModel creation: ${creation.gasUsed} gas (its PageWriter included)`);
  const harness = await (await ethers.deployContract("WeightPagesHarness")).getAddress();
  const rows = [];
  for (const count of PAGE_COUNTS) rows.push(await pagesRow(harness, count));
  console.log("Finalize, appendPages and predict by page count (random full pages, 3 per appendPages transaction)");
  console.table(rows);
  const graphs = [];
  for (const bytes of [100, 10000, PAGE_SIZE, 4 * PAGE_SIZE]) graphs.push(await graphRow(bytes));
  console.log("Finalize by graph size (no weights)");
  console.table(graphs);
  const fixtures = [];
  for (const name of FIXTURES) fixtures.push(await fixtureRow(name));
  console.log("Fixtures: construct, finalize and predict (eth_estimateGas, 21,000 and calldata included)");
  console.table(fixtures);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
