// AddLayer: the exact (checked) sum of three inputs of edge values, its input checks, overflows
// in every part of the unrolled loops, forwardSlice against forward, and what a quarter costs.
// Model-level bit-exactness with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { expectQuarterCheaper } = require("../helpers/slices");
const { F, ONE, GRID } = require("../helpers/edgeGrid");

const SIZE_TYPES = ["uint256", "uint256", "uint256"];
const MAX = 2n ** 255n - 1n;

async function deployKit() {
  return deployLayerKit(["AddLayer"]);
}

const addLayer = (kit, size) => cloneLayer(kit, "AddLayer", abi.encode(SIZE_TYPES, [F, 32, size]));

describe("AddLayer", function () {
  it("three inputs: the exact sum; counts checked; never wraps", async function () {
    const kit = await loadFixture(deployKit);
    const n = GRID.length;
    const add = await addLayer(kit, n);
    const a = GRID, b = [...GRID].reverse(), c = GRID.map((v, i) => (i % 2 ? ONE / 3n : -ONE));
    expect([...(await add.forward([a, b, c], []))]).to.deep.equal(a.map((v, i) => v + b[i] + c[i]));
    await expect(add.forward([a], [])).to.be.revertedWithCustomError(add, "WrongLayerInputCount").withArgs(2, 1);
    const one = await addLayer(kit, 1);
    await expect(one.forward([[MAX], [1n]], [])).to.be.revertedWithPanic(0x11); // checked, never wraps
  });

  // The deployment plan fuses a residual block's ReLU into the Add before it (python/eternal/
  // fusion.py merge_epilogues): three config words more, (threshold, hasMax, maxValue).
  it("a fused ReLU: the ReLU layer's integers of the whole sum, for thresholds above, at and below 0 and a cap", async function () {
    const kit = await loadFixture(deployKit);
    const n = GRID.length;
    const a = GRID, b = [...GRID].reverse(), c = GRID.map((v, i) => (i % 2 ? ONE / 3n : -ONE));
    const types = [...SIZE_TYPES, "int256", "uint256", "int256"];
    for (const [threshold, hasMax, maxValue] of [[0n, 0, 0n], [ONE / 10n, 0, 0n], [-ONE, 0, 0n], [0n, 1, 6n * ONE], [ONE / 4n, 1, ONE / 2n]]) {
      const add = await cloneLayer(kit, "AddLayer", abi.encode(types, [F, 32, n, threshold, hasMax, maxValue]));
      const relu = (s) => {
        const y = s > (threshold > 0n ? threshold : 0n) ? s : 0n;
        return hasMax && y > maxValue ? maxValue : y;
      };
      const where = `threshold ${threshold}, max ${hasMax ? maxValue : "none"}`;
      expect([...(await add.forward([a, b], []))], where).to.deep.equal(a.map((v, i) => relu(v + b[i])));
      // Three inputs: the ReLU of the whole sum (a + b may be below the threshold, a + b + c not).
      expect([...(await add.forward([a, b, c], []))], where).to.deep.equal(a.map((v, i) => relu(v + b[i] + c[i])));
      await expectSlicesOfForward(add, [a, b, c], [], 1);
    }
  });

  it("an overflow anywhere (groups of 4, the tail, a third input, downwards) reverts", async function () {
    const kit = await loadFixture(deployKit);
    const add = await addLayer(kit, 9); // 8 in groups of 4, 1 after
    for (const at of [0, 2, 7, 8]) {
      const a = Array(9).fill(1n), b = Array(9).fill(2n), c = Array(9).fill(-3n);
      a[at] = MAX;
      await expect(add.forward([a, b, c], [])).to.be.revertedWithPanic(0x11); // a + b overflows
      a[at] = MAX - 2n;
      expect([...(await add.forward([a, b, c], []))][at]).to.equal(MAX - 3n); // a + b = MAX, then - 3
      c[at] = 1n;
      await expect(add.forward([a, b, c], [])).to.be.revertedWithPanic(0x11); // (a + b) + c overflows
      const low = Array(9).fill(0n);
      low[at] = -MAX - 1n;
      await expect(add.forward([low, Array(9).fill(-1n)], [])).to.be.revertedWithPanic(0x11);
    }
  });

  it("forwardSlice is forward's slice; a quarter of 4,099 values costs < 35%", async function () {
    const kit = await loadFixture(deployKit);
    const [a, b, c] = [11, 12, 13].map((seed) => randomIntsWithin(103, 8 * 2 ** 24, seed));
    const whole = await expectSlicesOfForward(await addLayer(kit, 103), [a, b, c], [], 4);
    expect(whole).to.deep.equal(a.map((v, i) => v + b[i] + c[i]));
    const [x, y] = [14, 15].map((seed) => randomIntsWithin(4099, 8 * 2 ** 24, seed));
    await expectQuarterCheaper(kit, await addLayer(kit, 4099), [x, y]);
  });
});
