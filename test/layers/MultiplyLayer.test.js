// MultiplyLayer: three inputs of edge values, products rescaled from 2F left to right, against a
// BigInt reference of docs/FORMAT.md arithmetic; input sizes checked. Model-level bit-exactness
// with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer } = require("../helpers/layerHarness");
const { rescale } = require("../helpers/reference");
const { F, ONE, GRID } = require("../helpers/edgeGrid");

async function deployKit() {
  return deployLayerKit(["MultiplyLayer"]);
}

describe("MultiplyLayer", function () {
  it("three inputs: products rescaled from 2F left to right; sizes checked", async function () {
    const kit = await loadFixture(deployKit);
    const n = GRID.length;
    const mul = await cloneLayer(kit, "MultiplyLayer", abi.encode(["uint256", "uint256", "uint256"], [F, 32, n]));
    const a = GRID, b = [...GRID].reverse(), c = GRID.map((v, i) => (i % 2 ? ONE / 3n : -ONE));
    const twice = Number(2n * F);
    const expected = a.map((v, i) => rescale(rescale(v * b[i], twice, Number(F)) * c[i], twice, Number(F)));
    expect([...(await mul.forward([a, b, c], []))]).to.deep.equal(expected);
    await expect(mul.forward([a, b.slice(1)], [])).to.be.revertedWithCustomError(mul, "WrongInputSize").withArgs(1, n, n - 1);
  });
});
