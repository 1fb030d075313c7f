// LeakyReLULayer over a grid of edge values against a BigInt reference of docs/FORMAT.md
// arithmetic, around the bound of Elementwise's unchecked loop (past it the checked loop runs, and
// overflows revert), its slices against forward, and what a quarter costs. Model-level
// bit-exactness with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { rescale } = require("../helpers/reference");
const { randomIntsWithin } = require("../helpers/random");
const { expectQuarterCheaper } = require("../helpers/slices");
const { F, GRID } = require("../helpers/edgeGrid");

const [Q, Q_FRAC] = [1288490189n, 32n]; // 0.3
// |q| < 2^31: the unchecked loop takes x >= -2^(252 - 31).
const BOUND = 1n << 221n;
const leaky = (v) => (v >= 0n ? v : rescale(v * Q, Number(F + Q_FRAC), Number(F)));

async function deployKit() {
  const kit = await deployLayerKit(["LeakyReLULayer"]);
  const layer = await cloneLayer(kit, "LeakyReLULayer", abi.encode(["uint256", "uint256", "int256", "int256"], [F, 8, Q, Q_FRAC]));
  return { kit, layer };
}

describe("LeakyReLULayer", function () {
  it("x or rescale(x * slope), rounding half up", async function () {
    const { layer } = await loadFixture(deployKit);
    const x = [...GRID, -3n, -5n];
    expect([...(await layer.forward([x], []))]).to.deep.equal(x.map(leaky));
  });

  it("around the unchecked loop's bound the same values; an overflow reverts", async function () {
    const { layer } = await loadFixture(deployKit);
    for (const edge of [-BOUND, -BOUND - 1n, -(1n << 222n)]) {
      for (const at of [0, 1, 2, 3, 13]) { // each place of a group of 4, and after the groups
        const x = [...GRID, -7n, 5n, -9n];
        x[at] = edge;
        expect([...(await layer.forward([x], []))], `x[${at}] = ${edge}`).to.deep.equal(x.map(leaky));
      }
    }
    for (const at of [0, 1, 2, 3, 4]) {
      const x = [1n, 2n, -3n, 4n, -5n];
      x[at] = -(1n << 225n); // x * q < -2^255
      await expect(layer.forward([x], [])).to.be.revertedWithPanic(0x11);
    }
  });

  it("forwardSlice is forward's slice; a quarter of 4,099 values costs < 35%", async function () {
    const { kit, layer } = await loadFixture(deployKit);
    expect(await expectSlicesOfForward(layer, [[...GRID, -BOUND - 1n]], [], 4)).to.deep.equal([...GRID, -BOUND - 1n].map(leaky));
    await expectQuarterCheaper(kit, layer, [randomIntsWithin(4099, 8 * 2 ** 24, 33)]);
  });
});
