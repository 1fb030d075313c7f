// AddLayer: the exact (checked) sum of three inputs of edge values, and its input checks.
// Model-level bit-exactness with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer } = require("../helpers/layerHarness");
const { F, ONE, GRID } = require("../helpers/edgeGrid");

const SIZE_TYPES = ["uint256", "uint256", "uint256"];

async function deployKit() {
  return deployLayerKit(["AddLayer"]);
}

describe("AddLayer", function () {
  it("three inputs: the exact sum; counts checked; never wraps", async function () {
    const kit = await loadFixture(deployKit);
    const n = GRID.length;
    const add = await cloneLayer(kit, "AddLayer", abi.encode(SIZE_TYPES, [F, 32, n]));
    const a = GRID, b = [...GRID].reverse(), c = GRID.map((v, i) => (i % 2 ? ONE / 3n : -ONE));
    expect([...(await add.forward([a, b, c], []))]).to.deep.equal(a.map((v, i) => v + b[i] + c[i]));
    await expect(add.forward([a], [])).to.be.revertedWithCustomError(add, "WrongLayerInputCount").withArgs(2, 1);
    const max = 2n ** 255n - 1n;
    const one = await cloneLayer(kit, "AddLayer", abi.encode(SIZE_TYPES, [F, 32, 1]));
    await expect(one.forward([[max], [1n]], [])).to.be.revertedWithPanic(0x11); // checked, never wraps
  });
});
