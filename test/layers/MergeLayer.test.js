// MergeLayer (Subtract, Average, Maximum, Minimum by op code): each op over edge values against
// exact BigInt references, the Average's rounding (nearest, ties up, negative sums floored), the
// input-count and op checks, overflows, and forwardSlice against forward.
// Model-level bit-exactness with the emulator: fixtures.test.js (merge_ops, int8/16/32).
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { F, ONE, GRID } = require("../helpers/edgeGrid");

const TYPES = ["uint256", "uint256", "uint256", "uint256"];
const MAX = 2n ** 255n - 1n;
const [SUBTRACT, AVERAGE, MAXIMUM, MINIMUM] = [0, 1, 2, 3];

async function deployKit() {
  return deployLayerKit(["MergeLayer"]);
}

const mergeLayer = (kit, size, op) => cloneLayer(kit, "MergeLayer", abi.encode(TYPES, [F, 32, size, op]));

/** floor((2 s + n) / 2n): python/eternal/layers/spatial.py divide_round_half_up. */
function mean(values) {
  const n = BigInt(values.length);
  const m = 2n * values.reduce((a, b) => a + b, 0n) + n;
  const q = m / (2n * n);
  return m % (2n * n) < 0n ? q - 1n : q;
}

const A = GRID, B = [...GRID].reverse(), C = GRID.map((v, i) => (i % 2 ? ONE / 3n : -ONE));
const max = (...xs) => xs.reduce((a, b) => (b > a ? b : a));
const min = (...xs) => xs.reduce((a, b) => (b < a ? b : a));

describe("MergeLayer", function () {
  it("Subtract: a - b exactly, two inputs only; never wraps", async function () {
    const kit = await loadFixture(deployKit);
    const sub = await mergeLayer(kit, GRID.length, SUBTRACT);
    expect([...(await sub.forward([A, B], []))]).to.deep.equal(A.map((v, i) => v - B[i]));
    await expect(sub.forward([A, B, C], [])).to.be.revertedWithCustomError(sub, "WrongLayerInputCount").withArgs(2, 3);
    const one = await mergeLayer(kit, 3, SUBTRACT);
    await expect(one.forward([[0n, MAX, 0n], [0n, -1n, 0n]], [])).to.be.revertedWithPanic(0x11);
    await expect(one.forward([[0n, 0n, -MAX - 1n], [0n, 0n, 1n]], [])).to.be.revertedWithPanic(0x11);
    expect([...(await one.forward([[-1n, MAX, -MAX - 1n], [MAX, 0n, -1n]], []))]).to.deep.equal([-MAX - 1n, MAX, -MAX]);
  });

  it("Average: the mean of 2, 3 and 4 inputs, nearest with ties up, on both signs", async function () {
    const kit = await loadFixture(deployKit);
    const avg = await mergeLayer(kit, GRID.length, AVERAGE);
    const D = GRID.map((v, i) => BigInt(i) - 5n);
    for (const inputs of [[A, B], [A, B, C], [A, B, C, D]]) {
      expect([...(await avg.forward(inputs, []))], `${inputs.length} inputs`).to.deep.equal(A.map((_, i) => mean(inputs.map((x) => x[i]))));
    }
    // Ties and near-ties: sums -4..4 over 2 and 3 inputs.
    const small = await mergeLayer(kit, 9, AVERAGE);
    const s = [-4n, -3n, -2n, -1n, 0n, 1n, 2n, 3n, 4n];
    const zeros = Array(9).fill(0n);
    expect([...(await small.forward([s, zeros], []))]).to.deep.equal([-2n, -1n, -1n, 0n, 0n, 1n, 1n, 2n, 2n]);
    expect([...(await small.forward([s, zeros, zeros], []))]).to.deep.equal([-1n, -1n, -1n, 0n, 0n, 0n, 1n, 1n, 1n]);
    await expect(small.forward([s], [])).to.be.revertedWithCustomError(small, "WrongLayerInputCount").withArgs(2, 1);
    const one = await mergeLayer(kit, 1, AVERAGE);
    await expect(one.forward([[1n << 253n], [1n << 253n]], [])).to.be.revertedWithPanic(0x11); // 2 sum overflows
  });

  it("Maximum and Minimum: exact, over 2 and 3 inputs", async function () {
    const kit = await loadFixture(deployKit);
    for (const [op, pick] of [[MAXIMUM, max], [MINIMUM, min]]) {
      const layer = await mergeLayer(kit, GRID.length, op);
      expect([...(await layer.forward([A, B], []))]).to.deep.equal(A.map((v, i) => pick(v, B[i])));
      expect([...(await layer.forward([A, B, C], []))]).to.deep.equal(A.map((v, i) => pick(v, B[i], C[i])));
      const edges = await mergeLayer(kit, 2, op);
      expect([...(await edges.forward([[MAX, -MAX - 1n], [-MAX - 1n, MAX]], []))]).to.deep.equal(
        op === MAXIMUM ? [MAX, MAX] : [-MAX - 1n, -MAX - 1n]);
    }
  });

  it("an unknown op code and a wrong input size revert", async function () {
    const kit = await loadFixture(deployKit);
    const bad = await mergeLayer(kit, 2, 4);
    await expect(bad.forward([[1n, 2n], [3n, 4n]], [])).to.be.revertedWithCustomError(bad, "UnknownMergeOp").withArgs(4);
    const avg = await mergeLayer(kit, 2, AVERAGE);
    await expect(avg.forward([[1n, 2n], [3n]], [])).to.be.revertedWithCustomError(avg, "WrongInputSize").withArgs(1, 2, 1);
  });

  it("forwardSlice is forward's slice, for every op", async function () {
    const kit = await loadFixture(deployKit);
    const [a, b, c] = [21, 22, 23].map((seed) => randomIntsWithin(37, 8 * 2 ** 24, seed));
    for (const op of [SUBTRACT, AVERAGE, MAXIMUM, MINIMUM]) {
      const inputs = op === SUBTRACT ? [a, b] : [a, b, c];
      await expectSlicesOfForward(await mergeLayer(kit, 37, op), inputs, [], 4, { quick: true });
    }
  });
});
