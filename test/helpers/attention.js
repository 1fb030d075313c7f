// Shared by AttentionLayer.test.js and DotLayer.test.js: one kit for both contracts, the other
// contracts their fixtures use and FixedHarness (tanh and softmax of the references), and inputs
// that reach the contracts' [-2^64, 2^64) bound.
const { ethers } = require("hardhat");
const { deployLayerKit } = require("./layerHarness");
const { randomIntsWithin } = require("./random");
const { F } = require("./edgeGrid");

// Every contract of the fixtures of scripts/fixture_cases/dense_attention.py.
const CONTRACTS = ["AttentionLayer", "DotLayer", "DenseLayer", "ConcatenateLayer"];

/** The kit of CONTRACTS, and `kit.fixed`, a FixedHarness. */
async function deployAttentionKit() {
  const kit = await deployLayerKit(CONTRACTS);
  kit.fixed = await ethers.deployContract("FixedHarness");
  return kit;
}

/** `count` values in [-3, 3] (2^-F), every 7th 2^64 - 1 and every 11th -2^64, from `seed`. */
function inputsNearBound(count, seed) {
  const big = (1n << 64n) - 1n;
  return randomIntsWithin(count, Number(3n << F), seed).map((v, i) => (i % 7 === 3 ? big : i % 11 === 5 ? -big - 1n : v));
}

module.exports = { ATTENTION_FAMILY: { contracts: CONTRACTS, deployKit: deployAttentionKit }, deployAttentionKit, inputsNearBound };
