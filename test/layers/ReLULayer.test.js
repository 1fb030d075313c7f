// ReLULayer over a grid of edge values against a BigInt reference of docs/FORMAT.md arithmetic.
// Model-level bit-exactness with the emulator: DenseLayer.test.js (every basic fixture) and
// fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer } = require("../helpers/layerHarness");
const { rescale } = require("../helpers/reference");
const { F, ONE, GRID } = require("../helpers/edgeGrid");

async function deployKit() {
  return deployLayerKit(["ReLULayer"]);
}

describe("ReLULayer", function () {
  it("Keras ReLU(max_value=6, negative_slope=0.1, threshold=0.5) over edges", async function () {
    const kit = await loadFixture(deployKit);
    const [q, qFrac, t, max] = [1717986918n, 34n, ONE / 2n, 6n * ONE]; // 0.1 = 1717986918 * 2^-34
    const layer = await cloneLayer(kit, "ReLULayer", abi.encode(["uint256", "uint256", "int256", "int256", "int256", "uint256", "int256"], [F, 32, q, qFrac, t, 1, max]));
    const x = [...GRID, t - 1n, t, t + 1n, max - 1n, max, max + 1n];
    const expected = x.map((v) => {
      let y = v > t ? v : 0n;
      if (y < 0n) y = 0n;
      if (y > max) y = max;
      if (v < t) y -= rescale((t - v) * q, Number(F + qFrac), Number(F));
      return y;
    });
    expect([...(await layer.forward([x], []))]).to.deep.equal(expected);
  });
});
