// ConcatenateLayer: runs of each input per outer index; input counts and sizes checked;
// forwardSlice against forward (cut inside runs) and what a quarter costs.
// Model-level bit-exactness with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { expectQuarterCheaper } = require("../helpers/slices");
const { F } = require("../helpers/edgeGrid");

const TYPES = ["uint256", "uint256", "uint256", "uint256[]"];

async function deployKit() {
  return deployLayerKit(["ConcatenateLayer"]);
}

/** Inputs of `outer * inner[k]` values, and their concatenation (for each outer index, each run). */
function concatenation(outer, inner, seed) {
  const inputs = inner.map((run, k) => randomIntsWithin(outer * run, 1000, seed + k));
  const joined = [];
  for (let o = 0; o < outer; o++) inner.forEach((run, k) => joined.push(...inputs[k].slice(o * run, (o + 1) * run)));
  return { inputs, joined };
}

describe("ConcatenateLayer", function () {
  it("runs of each input per outer index; counts and sizes checked", async function () {
    const kit = await loadFixture(deployKit);
    // Inputs of shapes (2, 3) and (2, 1) joined on the last axis: outer 2, inner [3, 1].
    const layer = await cloneLayer(kit, "ConcatenateLayer", abi.encode(TYPES, [F, 32, 2, [3, 1]]));
    expect([...(await layer.forward([[1n, 2n, 3n, 4n, 5n, 6n], [-1n, -2n]], []))]).to.deep.equal([1n, 2n, 3n, -1n, 4n, 5n, 6n, -2n]);
    await expect(layer.forward([[1n]], [])).to.be.revertedWithCustomError(layer, "WrongLayerInputCount").withArgs(2, 1);
    await expect(layer.forward([[1n, 2n], [1n, 2n]], [])).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, 6, 2);
  });

  it("forwardSlice is forward's slice (three inputs, runs 3, 1, 0 and 2); a quarter costs < 35%", async function () {
    const kit = await loadFixture(deployKit);
    const { inputs, joined } = concatenation(7, [3, 1, 0, 2], 61);
    const layer = await cloneLayer(kit, "ConcatenateLayer", abi.encode(TYPES, [F, 32, 7, [3, 1, 0, 2]]));
    expect(await expectSlicesOfForward(layer, inputs, [], 6)).to.deep.equal(joined);
    const big = concatenation(256, [8, 8], 65);
    const wide = await cloneLayer(kit, "ConcatenateLayer", abi.encode(TYPES, [F, 32, 256, [8, 8]]));
    await expectQuarterCheaper(kit, wide, big.inputs);
  });
});
