// MultiplyLayer: three inputs of edge values, products rescaled from 2F left to right, against a
// BigInt reference of docs/FORMAT.md arithmetic (also around the unchecked loop's bound, factors
// of 2^126, and F = 0); input sizes checked; forwardSlice against forward and what a quarter costs.
// Model-level bit-exactness with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { rescale } = require("../helpers/reference");
const { randomIntsWithin } = require("../helpers/random");
const { expectQuarterCheaper } = require("../helpers/slices");
const { F, ONE, GRID } = require("../helpers/edgeGrid");

const BOUND = 1n << 126n;

async function deployKit() {
  return deployLayerKit(["MultiplyLayer"]);
}

const multiplyLayer = (kit, size, frac = F) => cloneLayer(kit, "MultiplyLayer", abi.encode(["uint256", "uint256", "uint256"], [frac, 32, size]));

/** Left to right, each product rescaled from 2F to F. */
const product = (inputs, frac = F) =>
  inputs[0].map((v, i) => inputs.slice(1).reduce((p, x) => rescale(p * x[i], Number(2n * frac), Number(frac)), v));

describe("MultiplyLayer", function () {
  it("three inputs: products rescaled from 2F left to right; sizes checked", async function () {
    const kit = await loadFixture(deployKit);
    const n = GRID.length;
    const mul = await multiplyLayer(kit, n);
    const a = GRID, b = [...GRID].reverse(), c = GRID.map((v, i) => (i % 2 ? ONE / 3n : -ONE));
    expect([...(await mul.forward([a, b, c], []))]).to.deep.equal(product([a, b, c]));
    await expect(mul.forward([a, b.slice(1)], [])).to.be.revertedWithCustomError(mul, "WrongInputSize").withArgs(1, n, n - 1);
  });

  it("around the unchecked loop's bound (2^126) the same values; F = 0; an overflow reverts", async function () {
    const kit = await loadFixture(deployKit);
    const mul = await multiplyLayer(kit, 5);
    for (const edge of [BOUND - 1n, -BOUND, BOUND, -BOUND - 1n]) {
      for (let at = 0; at < 5; at++) { // each place of a group of 4, and after it; each input
        for (let k = 0; k < 3; k++) {
          const inputs = [[2n, 3n, 5n, -7n, 4n], [5n, -6n, -1n, 2n, 1n], [ONE, ONE, -ONE, 1n, -ONE]];
          inputs[k][at] = edge;
          expect([...(await mul.forward(inputs, []))], `inputs[${k}][${at}] = ${edge}`).to.deep.equal(product(inputs));
        }
      }
    }
    for (let at = 0; at < 5; at++) {
      const [a, b] = [Array(5).fill(0n), Array(5).fill(0n)];
      [a[at], b[at]] = [1n << 200n, 1n << 60n];
      await expect(mul.forward([a, b], [])).to.be.revertedWithPanic(0x11);
    }
    const integers = await multiplyLayer(kit, 5, 0n);
    const inputs = [[3n, -4n, 5n, BOUND, 7n], [-2n, 6n, 9n, 1n, 7n]];
    expect([...(await integers.forward(inputs, []))]).to.deep.equal(product(inputs, 0n));
  });

  it("forwardSlice is forward's slice; a quarter of 4,099 values costs < 35%", async function () {
    const kit = await loadFixture(deployKit);
    const inputs = [21, 22, 23].map((seed) => randomIntsWithin(103, 8 * 2 ** 24, seed));
    expect(await expectSlicesOfForward(await multiplyLayer(kit, 103), inputs, [], 4)).to.deep.equal(product(inputs));
    const [x, y] = [24, 25].map((seed) => randomIntsWithin(4099, 8 * 2 ** 24, seed));
    await expectQuarterCheaper(kit, await multiplyLayer(kit, 4099), [x, y]);
  });
});
