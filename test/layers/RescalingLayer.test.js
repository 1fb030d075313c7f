// RescalingLayer over a grid of edge values against a BigInt reference of docs/FORMAT.md
// arithmetic, around the bound of Elementwise.affine's unchecked loop, its slices against forward,
// and what a quarter costs. Model-level bit-exactness with the emulator: DenseLayer.test.js and
// fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { rescale } = require("../helpers/reference");
const { randomIntsWithin } = require("../helpers/random");
const { expectQuarterCheaper } = require("../helpers/slices");
const { F, ONE, GRID } = require("../helpers/edgeGrid");

const TYPES = ["uint256", "uint256", "int256", "int256", "int256"];
const [Q, Q_FRAC, OFFSET] = [2155905152n, 38n, -ONE]; // 1/127.5, -1
// 2^31 < q < 2^32: the unchecked loop takes |x| < 2^(252 - 32).
const BOUND = 1n << 220n;

async function deployKit() {
  const kit = await deployLayerKit(["RescalingLayer"]);
  const layer = await cloneLayer(kit, "RescalingLayer", abi.encode(TYPES, [F, 16, Q, Q_FRAC, OFFSET]));
  return { kit, layer };
}

describe("RescalingLayer", function () {
  const scaled = (v) => rescale(v * Q, Number(F + BigInt(Q_FRAC)), Number(F)) + OFFSET;

  it("rescale(x * scale) + offset (1/127.5, -1)", async function () {
    const { layer } = await loadFixture(deployKit);
    expect([...(await layer.forward([GRID], []))]).to.deep.equal(GRID.map(scaled));
  });

  it("around the unchecked loop's bound the same values; an overflow reverts", async function () {
    const { layer } = await loadFixture(deployKit);
    for (const edge of [BOUND - 1n, -BOUND, BOUND, -BOUND - 1n]) {
      for (const at of [0, 1, 2, 3, 12]) { // each place of a group of 4, and after the groups
        const x = [...GRID, 7n, -9n];
        x[at] = edge;
        expect([...(await layer.forward([x], []))], `x[${at}] = ${edge}`).to.deep.equal(x.map(scaled));
      }
    }
    for (const at of [0, 1, 2, 3, 4]) {
      const x = [1n, 2n, -3n, 4n, -5n];
      x[at] = 1n << 224n; // x * q > 2^255
      await expect(layer.forward([x], [])).to.be.revertedWithPanic(0x11);
    }
  });

  it("a scale with negative frac bits: a left shift", async function () {
    const kit = await loadFixture(deployKit).then(({ kit }) => kit);
    const layer = await cloneLayer(kit, "RescalingLayer", abi.encode(TYPES, [F, 16, -3n, -5n, ONE])); // -96
    const expected = GRID.map((v) => rescale(v * -3n, Number(F - 5n), Number(F)) + ONE);
    expect([...(await layer.forward([GRID], []))]).to.deep.equal(expected);
  });

  it("forwardSlice is forward's slice; a quarter of 4,099 values costs < 35%", async function () {
    const { kit, layer } = await loadFixture(deployKit);
    await expectSlicesOfForward(layer, [[...GRID, BOUND]], [], 4);
    await expectQuarterCheaper(kit, layer, [randomIntsWithin(4099, 8 * 2 ** 24, 34)]);
  });
});
