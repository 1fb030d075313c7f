// Shared by the spatial-layer tests (Conv2D, Conv1D, DepthwiseConv2D, the poolings,
// ZeroPadding2D): runs every fixture that uses a layer type through LayerHarness (on chain ==
// emulator, bit for bit, int32/int16/int8), and builds hand-made layers with a BigInt reference.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { readFixture, fixturesUsing, deployLayerKit, instantiate, runSample, bigs } = require("./runLayers");

// Every contract a spatial fixture (scripts/fixture_cases/spatial.py) can use.
const CONTRACTS = ["Conv2DLayer", "Conv1DLayer", "DepthwiseConv2DLayer", "MaxPooling2DLayer", "AveragePooling2DLayer",
  "MaxPooling1DLayer", "GlobalAveragePooling2DLayer", "GlobalMaxPooling2DLayer", "ZeroPadding2DLayer", "DenseLayer"];

const abi = ethers.AbiCoder.defaultAbiCoder();
const TENSOR = "tuple(uint256,uint256,int256)";
// abi_config of python/eternal/layers/conv2d.py and depthwise_conv2d.py (13 geometry words).
const CONV_TYPES = [...Array(15).fill("uint256"), TENSOR, TENSOR];
// abi_config of python/eternal/layers/pooling2d_base.py.
const POOL_TYPES = Array(13).fill("uint256");

async function deploySpatialKit() {
  return deployLayerKit(CONTRACTS);
}

/**
 * One `it` per fixture whose plan uses `contract` (and only contracts of this family): every
 * sample through the layers one by one equals the fixture's emulator output exactly. Requires
 * fixtures at int32 and int8. Prints the layer's forward gas per fixture.
 */
function itMatchesEmulatorOnFixtures(contract) {
  const names = fixturesUsing([contract]).filter((name) =>
    readFixture(name).plan.layers.every((layer) => !layer.contract || CONTRACTS.includes(layer.contract)),
  );
  const gasRows = [];
  it(`has ${contract} fixtures at int32 and int8`, function () {
    const precisions = new Set(names.map((name) => readFixture(name).precision));
    expect([...precisions]).to.include.members(["int32", "int8"]);
  });
  for (const name of names) {
    it(`${name}: every sample equals the emulator exactly`, async function () {
      const kit = await loadFixture(deploySpatialKit);
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

/** Clones `contract` with an ABI config; returns the layer as a contract object. */
async function cloneLayer(kit, contract, types, values) {
  const config = abi.encode(types, values);
  const receipt = await (await kit.harness.clone(await kit.implementations[contract].getAddress(), config)).wait();
  const event = receipt.logs.map((log) => kit.harness.interface.parseLog(log)).find((e) => e && e.name === "Cloned");
  return ethers.getContractAt(contract, event.args.layer);
}

/** Stores a weight stream (hex) as pages; returns their addresses. */
async function writeStream(kit, stream) {
  const data = ethers.getBytes(stream);
  if (data.length === 0) return [];
  const pages = [];
  for (let i = 0; i < data.length; i += 24575) pages.push(ethers.hexlify(data.slice(i, i + 24575)));
  const receipt = await (await kit.harness.writePages(pages)).wait();
  const event = receipt.logs.map((log) => kit.harness.interface.parseLog(log)).find((e) => e && e.name === "PagesWritten");
  return [...event.args.pages];
}

/** Offset-binary big-endian word(s) holding `values` (each `bits` wide), padded to 32 bytes. */
function plainBytes(values, bits) {
  const width = bits / 8;
  const hex = values.map((v) => ethers.toBeHex(BigInt(v) + (1n << BigInt(bits - 1)), width).slice(2)).join("");
  return "0x" + hex.padEnd(Math.max(64, Math.ceil(hex.length / 64) * 64), "0");
}

/** Blocked layout (docs/FORMAT.md) of a (rows, cols) matrix given as rows of BigInt. */
function blockedBytes(matrix, bits) {
  const lanes = 256 / bits;
  const cols = matrix[0].length;
  const words = [];
  for (let k = 0; k * lanes < cols; k++) {
    for (const row of matrix) {
      let word = 0n;
      for (let j = 0; j < lanes; j++) {
        const v = k * lanes + j < cols ? BigInt(row[k * lanes + j]) : 0n;
        word = (word << BigInt(bits)) + v + (1n << BigInt(bits - 1));
      }
      words.push(ethers.toBeHex(word, 32));
    }
  }
  return ethers.concat(words);
}

/** FixedMath.rescaleInt: shift left, or right rounding half up (BigInt >> floors). */
function rescale(v, from, to) {
  if (to >= from) return v << BigInt(to - from);
  const d = BigInt(from - to);
  return (v + (1n << (d - 1n))) >> d;
}

/** Output size and leading padding of one axis, as Keras ('same' pads the end more). */
function geometry(size, window, stride, padding) {
  if (padding === "same") {
    const out = Math.ceil(size / stride);
    return [out, Math.floor(Math.max((out - 1) * stride + window - size, 0) / 2)];
  }
  return [Math.floor((size - window) / stride) + 1, 0];
}

/** Deterministic small signed integers (xorshift32). */
function randomInts(count, bound, seed) {
  let state = seed >>> 0 || 1;
  const out = [];
  for (let i = 0; i < count; i++) {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    out.push(BigInt(state % (2 * bound + 1)) - BigInt(bound));
  }
  return out;
}

module.exports = {
  CONTRACTS, CONV_TYPES, POOL_TYPES, TENSOR, abi, deploySpatialKit, itMatchesEmulatorOnFixtures, cloneLayer,
  writeStream, plainBytes, blockedBytes, rescale, geometry, randomInts,
};
