// LeakyReLULayer over a grid of edge values against a BigInt reference of docs/FORMAT.md
// arithmetic. Model-level bit-exactness with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer } = require("../helpers/layerHarness");
const { rescale } = require("../helpers/reference");
const { F, GRID } = require("../helpers/edgeGrid");

async function deployKit() {
  return deployLayerKit(["LeakyReLULayer"]);
}

describe("LeakyReLULayer", function () {
  it("x or rescale(x * slope), rounding half up", async function () {
    const kit = await loadFixture(deployKit);
    const [q, qFrac] = [1288490189n, 32n]; // 0.3
    const layer = await cloneLayer(kit, "LeakyReLULayer", abi.encode(["uint256", "uint256", "int256", "int256"], [F, 8, q, qFrac]));
    const x = [...GRID, -3n, -5n];
    const expected = x.map((v) => (v >= 0n ? v : rescale(v * q, Number(F + qFrac), Number(F))));
    expect([...(await layer.forward([x], []))]).to.deep.equal(expected);
  });
});
