// Shared by the spatial-layer tests (Conv2D, Conv1D, DepthwiseConv2D, the poolings,
// ZeroPadding2D): runs every fixture that uses a layer type through LayerHarness (on chain ==
// emulator, bit for bit, int32/int16/int8), and the configs and geometry of hand-made layers.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { readFixture, fixturesUsing, bigs } = require("./fixtureFiles");
const { TENSOR, deployLayerKit, instantiate, runSample } = require("./layerHarness");

// Every contract a spatial fixture (scripts/fixture_cases/spatial.py) can use.
const CONTRACTS = ["Conv2DLayer", "Conv1DLayer", "DepthwiseConv2DLayer", "MaxPooling2DLayer", "AveragePooling2DLayer",
  "MaxPooling1DLayer", "GlobalAveragePooling2DLayer", "GlobalMaxPooling2DLayer", "ZeroPadding2DLayer", "DenseLayer",
  "SeparableConv2DLayer", "UpSampling2DLayer", "PermuteLayer"];

// abi_config of python/eternal/layers/conv2d.py and depthwise_conv2d.py (13 geometry words).
const CONV_TYPES = [...Array(15).fill("uint256"), TENSOR, TENSOR];
// abi_config of python/eternal/layers/pooling2d_base.py.
const POOL_TYPES = Array(13).fill("uint256");

async function deploySpatialKit() {
  return deployLayerKit(CONTRACTS);
}

/**
 * One `it` per fixture whose plan uses `contract` (and only contracts of this family: the spatial
 * one unless `family` names its `contracts` and the `deployKit` that deploys them): every
 * sample through the layers one by one equals the fixture's emulator output exactly. Requires
 * fixtures at int32 and int8. Prints the layer's forward gas per fixture.
 */
function itMatchesEmulatorOnFixtures(contract, family = { contracts: CONTRACTS, deployKit: deploySpatialKit }) {
  const names = fixturesUsing([contract]).filter((name) =>
    readFixture(name).plan.layers.every((layer) => !layer.contract || family.contracts.includes(layer.contract)),
  );
  const gasRows = [];
  it(`has ${contract} fixtures at int32 and int8`, function () {
    const precisions = new Set(names.map((name) => readFixture(name).precision));
    expect([...precisions]).to.include.members(["int32", "int8"]);
  });
  for (const name of names) {
    it(`${name}: every sample equals the emulator exactly`, async function () {
      const kit = await loadFixture(family.deployKit);
      const fixture = readFixture(name);
      const instance = await instantiate(kit, fixture.plan);
      for (const sample of fixture.samples) {
        expect(sample.expected, `${name} has no emulator outputs: regenerate it`).to.not.equal(null);
        const { outputs, gas } = await runSample(kit, fixture.plan, instance, sample.inputs.map(bigs));
        expect(outputs).to.deep.equal(sample.expected.map(bigs));
        fixture.plan.layers.forEach((layer, i) => {
          if (layer.contract === contract && sample === fixture.samples[0]) gasRows.push({ fixture: name, layer: layer.name, gas: Number(gas[i]) });
        });
      }
    });
  }
  after(function () {
    if (gasRows.length && process.env.ETERNAL_GAS_TABLES) console.table(gasRows);
  });
}

/** Output size and leading padding of one axis, as Keras ('same' pads the end more). */
function geometry(size, window, stride, padding) {
  if (padding === "same") {
    const out = Math.ceil(size / stride);
    return [out, Math.floor(Math.max((out - 1) * stride + window - size, 0) / 2)];
  }
  return [Math.floor((size - window) / stride) + 1, 0];
}

module.exports = { CONTRACTS, CONV_TYPES, POOL_TYPES, deploySpatialKit, itMatchesEmulatorOnFixtures, geometry };
