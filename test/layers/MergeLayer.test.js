// MergeLayer (Subtract, Average, Maximum, Minimum, and broadcasting Add and Multiply, by op code):
// each op over edge values against exact BigInt references, the Average's rounding (nearest, ties
// up, negative sums floored), broadcast inputs (value i % size), the input-count, op and
// broadcast checks, overflows, and forwardSlice against forward.
// Model-level bit-exactness with the emulator: fixtures.test.js (merge_ops, int8/16/32).
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { F, ONE, GRID } = require("../helpers/edgeGrid");

const TYPES = ["uint256", "uint256", "uint256", "uint256", "uint256[]"];
const MAX = 2n ** 255n - 1n;
const [SUBTRACT, AVERAGE, MAXIMUM, MINIMUM, ADD, MULTIPLY] = [0, 1, 2, 3, 4, 5];

async function deployKit() {
  return deployLayerKit(["MergeLayer"]);
}

/** A MergeLayer of `op` over inputs of `sizes` values (output `size`). */
const mergeLayer = (kit, size, op, sizes) => cloneLayer(kit, "MergeLayer", abi.encode(TYPES, [F, 32, size, op, sizes]));
/** A MergeLayer of `op` over `n` inputs of `size` values (no broadcast). */
const sameSize = (kit, size, op, n = 2) => mergeLayer(kit, size, op, Array(n).fill(size));

/** floor((2 s + n) / 2n): python/eternal/layers/spatial.py divide_round_half_up. */
function mean(values) {
  const n = BigInt(values.length);
  const m = 2n * values.reduce((a, b) => a + b, 0n) + n;
  const q = m / (2n * n);
  return m % (2n * n) < 0n ? q - 1n : q;
}

/** rescale(v, 2F, F), round half up (docs/FORMAT.md). */
const product = (a, b) => (a * b + (1n << (F - 1n))) >> F;

const A = GRID, B = [...GRID].reverse(), C = GRID.map((v, i) => (i % 2 ? ONE / 3n : -ONE));
const max = (...xs) => xs.reduce((a, b) => (b > a ? b : a));
const min = (...xs) => xs.reduce((a, b) => (b < a ? b : a));
// Each op's reference over one output value's inputs, left to right.
const REFERENCE = {
  [SUBTRACT]: (xs) => xs[0] - xs[1], [AVERAGE]: mean, [MAXIMUM]: (xs) => max(...xs), [MINIMUM]: (xs) => min(...xs),
  [ADD]: (xs) => xs.reduce((a, b) => a + b), [MULTIPLY]: (xs) => xs.reduce(product),
};

describe("MergeLayer", function () {
  it("Subtract: a - b exactly, two inputs only; never wraps", async function () {
    const kit = await loadFixture(deployKit);
    const sub = await sameSize(kit, GRID.length, SUBTRACT);
    expect([...(await sub.forward([A, B], []))]).to.deep.equal(A.map((v, i) => v - B[i]));
    const three = await sameSize(kit, GRID.length, SUBTRACT, 3);
    await expect(three.forward([A, B, C], [])).to.be.revertedWithCustomError(sub, "WrongLayerInputCount").withArgs(2, 3);
    const one = await sameSize(kit, 3, SUBTRACT);
    await expect(one.forward([[0n, MAX, 0n], [0n, -1n, 0n]], [])).to.be.revertedWithPanic(0x11);
    await expect(one.forward([[0n, 0n, -MAX - 1n], [0n, 0n, 1n]], [])).to.be.revertedWithPanic(0x11);
    expect([...(await one.forward([[-1n, MAX, -MAX - 1n], [MAX, 0n, -1n]], []))]).to.deep.equal([-MAX - 1n, MAX, -MAX]);
  });

  it("Average: the mean of 2, 3 and 4 inputs, nearest with ties up, on both signs", async function () {
    const kit = await loadFixture(deployKit);
    const D = GRID.map((v, i) => BigInt(i) - 5n);
    for (const inputs of [[A, B], [A, B, C], [A, B, C, D]]) {
      const avg = await sameSize(kit, GRID.length, AVERAGE, inputs.length);
      expect([...(await avg.forward(inputs, []))], `${inputs.length} inputs`).to.deep.equal(A.map((_, i) => mean(inputs.map((x) => x[i]))));
    }
    // Ties and near-ties: sums -4..4 over 2 and 3 inputs.
    const s = [-4n, -3n, -2n, -1n, 0n, 1n, 2n, 3n, 4n];
    const zeros = Array(9).fill(0n);
    const [two, three] = [await sameSize(kit, 9, AVERAGE), await sameSize(kit, 9, AVERAGE, 3)];
    expect([...(await two.forward([s, zeros], []))]).to.deep.equal([-2n, -1n, -1n, 0n, 0n, 1n, 1n, 2n, 2n]);
    expect([...(await three.forward([s, zeros, zeros], []))]).to.deep.equal([-1n, -1n, -1n, 0n, 0n, 0n, 1n, 1n, 1n]);
    await expect(two.forward([s], [])).to.be.revertedWithCustomError(two, "WrongLayerInputCount").withArgs(2, 1);
    const one = await sameSize(kit, 1, AVERAGE);
    await expect(one.forward([[1n << 253n], [1n << 253n]], [])).to.be.revertedWithPanic(0x11); // 2 sum overflows
  });

  it("Maximum and Minimum: exact, over 2 and 3 inputs", async function () {
    const kit = await loadFixture(deployKit);
    for (const [op, pick] of [[MAXIMUM, max], [MINIMUM, min]]) {
      const [two, three] = [await sameSize(kit, GRID.length, op), await sameSize(kit, GRID.length, op, 3)];
      expect([...(await two.forward([A, B], []))]).to.deep.equal(A.map((v, i) => pick(v, B[i])));
      expect([...(await three.forward([A, B, C], []))]).to.deep.equal(A.map((v, i) => pick(v, B[i], C[i])));
      const edges = await sameSize(kit, 2, op);
      expect([...(await edges.forward([[MAX, -MAX - 1n], [-MAX - 1n, MAX]], []))]).to.deep.equal(
        op === MAXIMUM ? [MAX, MAX] : [-MAX - 1n, -MAX - 1n]);
    }
  });

  it("broadcast inputs repeat (value i % size), for every op, against the reference and the same-size loops", async function () {
    const kit = await loadFixture(deployKit);
    const [big, channels, row] = [24, 4, 8]; // (3, 2, 4) with (1, 1, 4) and (1, 2, 4)
    const x = randomIntsWithin(big, 8 * 2 ** 24, 31), c = randomIntsWithin(channels, 8 * 2 ** 24, 32);
    const r = randomIntsWithin(row, 8 * 2 ** 24, 33);
    for (const op of [SUBTRACT, AVERAGE, MAXIMUM, MINIMUM, ADD, MULTIPLY]) {
      const cases = op === SUBTRACT ? [[x, c], [c, x]] : [[x, c], [c, x], [x, c, r], [r, x, c, x]];
      for (const inputs of cases) {
        const sizes = inputs.map((input) => input.length);
        const layer = await mergeLayer(kit, big, op, sizes);
        const want = x.map((_, i) => REFERENCE[op](inputs.map((input) => input[i % input.length])));
        expect(await expectSlicesOfForward(layer, inputs, [], channels, { quick: true }), `op ${op} sizes ${sizes}`).to.deep.equal(want);
        if (op <= MINIMUM) { // the same values as the unrolled loops on the repeated inputs
          const whole = inputs.map((input) => x.map((_, i) => input[i % input.length]));
          expect([...(await (await sameSize(kit, big, op, inputs.length)).forward(whole, []))]).to.deep.equal(want);
        }
      }
    }
  });

  it("an unknown op code, a wrong input size and an uneven broadcast revert", async function () {
    const kit = await loadFixture(deployKit);
    const bad = await sameSize(kit, 2, 6);
    await expect(bad.forward([[1n, 2n], [3n, 4n]], [])).to.be.revertedWithCustomError(bad, "UnknownMergeOp").withArgs(6);
    const avg = await sameSize(kit, 2, AVERAGE);
    await expect(avg.forward([[1n, 2n], [3n]], [])).to.be.revertedWithCustomError(avg, "WrongInputSize").withArgs(1, 2, 1);
    await expect(avg.forward([[1n, 2n], [3n, 4n], [5n, 6n]], [])).to.be.revertedWithCustomError(avg, "WrongLayerInputCount").withArgs(2, 3);
    const uneven = await mergeLayer(kit, 6, ADD, [6, 4]);
    await expect(uneven.forward([[1n, 2n, 3n, 4n, 5n, 6n], [1n, 2n, 3n, 4n]], [])).to.be.revertedWithCustomError(uneven, "BadBroadcast").withArgs(1, 4, 6);
    const overflow = await mergeLayer(kit, 2, ADD, [2, 1]);
    await expect(overflow.forward([[0n, MAX], [1n]], [])).to.be.revertedWithPanic(0x11);
    const difference = await mergeLayer(kit, 2, SUBTRACT, [1, 2]);
    await expect(difference.forward([[-2n], [0n, MAX]], [])).to.be.revertedWithPanic(0x11);
    expect([...(await difference.forward([[-1n], [0n, MAX]], []))]).to.deep.equal([-1n, -MAX - 1n]);
  });

  it("a broadcast Multiply past the unchecked bound (|factor| >= 2^126) runs checked: the same products, or a revert", async function () {
    const kit = await loadFixture(deployKit);
    const layer = await mergeLayer(kit, 4, MULTIPLY, [4, 2]);
    for (const big of [1n << 126n, -(1n << 126n) - 1n, 1n << 200n]) {
      const [x, c] = [[ONE, -3n * ONE, big, 7n], [ONE / 2n, -ONE]];
      expect([...(await layer.forward([x, c], []))], `${big}`).to.deep.equal(x.map((v, i) => product(v, c[i % 2])));
    }
    await expect(layer.forward([[0n, 0n, 1n << 200n, 0n], [1n << 100n, 1n]], [])).to.be.revertedWithPanic(0x11);
  });

  it("forwardSlice is forward's slice, for every op", async function () {
    const kit = await loadFixture(deployKit);
    const [a, b, c] = [21, 22, 23].map((seed) => randomIntsWithin(37, 8 * 2 ** 24, seed));
    for (const op of [SUBTRACT, AVERAGE, MAXIMUM, MINIMUM]) {
      const inputs = op === SUBTRACT ? [a, b] : [a, b, c];
      await expectSlicesOfForward(await sameSize(kit, 37, op, inputs.length), inputs, [], 4, { quick: true });
    }
  });
});
