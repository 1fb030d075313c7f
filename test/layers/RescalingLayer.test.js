// RescalingLayer over a grid of edge values against a BigInt reference of docs/FORMAT.md
// arithmetic. Model-level bit-exactness with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer } = require("../helpers/layerHarness");
const { rescale } = require("../helpers/reference");
const { F, ONE, GRID } = require("../helpers/edgeGrid");

async function deployKit() {
  return deployLayerKit(["RescalingLayer"]);
}

describe("RescalingLayer", function () {
  it("rescale(x * scale) + offset (1/127.5, -1)", async function () {
    const kit = await loadFixture(deployKit);
    const [q, qFrac, offset] = [2155905152n, 38n, -ONE];
    const layer = await cloneLayer(kit, "RescalingLayer", abi.encode(["uint256", "uint256", "int256", "int256", "int256"], [F, 16, q, qFrac, offset]));
    const expected = GRID.map((v) => rescale(v * q, Number(F + qFrac), Number(F)) + offset);
    expect([...(await layer.forward([GRID], []))]).to.deep.equal(expected);
  });
});
