// PReLULayer (alphas from the weight pages, value i taking alpha i % period) over edge values
// against a BigInt reference of docs/FORMAT.md arithmetic, at every weight width and for alpha
// scales above and below F; its alpha-count check, an overflow, and its slices against forward.
// Model-level bit-exactness with the emulator: fixtures.test.js (prelu, int8/16/32).
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, TENSOR, deployLayerKit, cloneLayer, writeStream, expectSlicesOfForward } = require("../helpers/layerHarness");
const { plainTensor } = require("../helpers/weightStream");
const { rescale } = require("../helpers/reference");
const { randomIntsWithin } = require("../helpers/random");
const { F, GRID } = require("../helpers/edgeGrid");

const TYPES = ["uint256", "uint256", "uint256", TENSOR];

async function deployKit() {
  return deployLayerKit(["PReLULayer"]);
}

/** A PReLU of `alphas` (frac `alphaFrac`, `bits`-wide) and its BigInt reference. */
async function prelu(kit, alphas, alphaFrac, bits) {
  const tensor = plainTensor(alphas, bits);
  const pages = await writeStream(kit, tensor);
  const layer = await cloneLayer(kit, "PReLULayer",
    abi.encode(TYPES, [F, bits, alphas.length, [0, ethers.dataLength(tensor), alphaFrac]]));
  const reference = (x, from = 0) => x.map((v, j) => (v < 0n
    ? rescale(v * BigInt(alphas[(from + j) % alphas.length]), Number(F) + alphaFrac, Number(F)) : v));
  return { layer, pages, reference };
}

describe("PReLULayer", function () {
  it("alphas per channel, per value and shared, at 8, 16 and 32 bits, alpha scales above and below F, past the unchecked bound", async function () {
    const kit = await loadFixture(deployKit);
    const x = [...GRID, ...GRID.map((v) => -v), -3n];
    for (const [alphas, alphaFrac, bits] of [[[3n, -7n, 1n], 2, 8], [[25n], 8, 8], [[-300n, 12345n], 14, 16],
      [[1n << 30n, -(1n << 30n) + 1n, 5n, 0n], 40, 32], [[3n], -3, 8], [[5n, -9n], 100, 8], [[7n], -64, 16]]) {
      const { layer, pages, reference } = await prelu(kit, alphas, alphaFrac, bits);
      // Past the unchecked bound 2^(222 - up) (up = -alphaFrac > 0): the checked loop.
      const past = [...x, -(1n << 160n), alphaFrac >= 0 ? -(1n << 223n) : -1n];
      for (const values of [x, past]) {
        const n = values.length - (values.length % alphas.length);
        expect([...(await layer.forward([values.slice(0, n)], pages))], `${alphas} at 2^-${alphaFrac}`).to.deep.equal(reference(values.slice(0, n)));
      }
    }
  });

  it("an input that is not whole runs of the alphas, and an overflowing product, revert", async function () {
    const kit = await loadFixture(deployKit);
    const { layer, pages } = await prelu(kit, [3n, -7n, 1n], 2, 8);
    await expect(layer.forward([[1n, 2n, 3n, 4n]], pages)).to.be.revertedWithCustomError(layer, "AlphaMismatch").withArgs(4, 3);
    await expect(layer.forward([[1n], [2n]], pages)).to.be.revertedWithCustomError(layer, "WrongLayerInputCount").withArgs(1, 2);
    await expect(layer.forward([[-(1n << 254n), 0n, 0n]], pages)).to.be.revertedWithPanic(0x11);
  });

  it("forwardSlice is forward's slice (alphas counted from the slice's start)", async function () {
    const kit = await loadFixture(deployKit);
    const { layer, pages, reference } = await prelu(kit, [3n, -7n, 1n, 100n, -2n], 4, 8);
    const x = randomIntsWithin(45, 8 * 2 ** 24, 50);
    expect(await expectSlicesOfForward(layer, [x], pages, 5)).to.deep.equal(reference(x));
  });
});
