// ReLULayer over a grid of edge values against a BigInt reference of docs/FORMAT.md arithmetic
// (without a slope: Elementwise.relu; with one: the checked loop), its slices against forward, and
// what a quarter costs. Model-level bit-exactness with the emulator: DenseLayer.test.js (every basic
// fixture) and fixtures.test.js.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { rescale } = require("../helpers/reference");
const { randomIntsWithin } = require("../helpers/random");
const { expectQuarterCheaper } = require("../helpers/slices");
const { F, ONE, GRID } = require("../helpers/edgeGrid");

const RELU_TYPES = ["uint256", "uint256", "int256", "int256", "int256", "uint256", "int256"];
const MIN = -(1n << 255n);
const MAX = (1n << 255n) - 1n;

async function deployKit() {
  return deployLayerKit(["ReLULayer"]);
}

/** Keras ReLU as docs/FORMAT.md computes it, on BigInts. */
function reference(x, { q, qFrac, t, hasMax, max }) {
  let y = x > t ? x : 0n;
  if (y < 0n) y = 0n;
  if (hasMax && y > max) y = max;
  if (x < t && q !== 0n) y -= rescale((t - x) * q, Number(F + qFrac), Number(F));
  return y;
}

const reluLayer = (kit, { q, qFrac, t, hasMax, max }) =>
  cloneLayer(kit, "ReLULayer", abi.encode(RELU_TYPES, [F, 32, q, qFrac, t, hasMax ? 1 : 0, hasMax ? max : 0n]));

// Without a slope (q = 0, as quantise_multiplier(0.0) gives it): plain, ReLU6, thresholds either side of 0.
const PLAIN = { q: 0n, qFrac: 31n, t: 0n, hasMax: false, max: 0n };
const CONFIGS = [
  PLAIN,
  { ...PLAIN, hasMax: true, max: 6n * ONE },
  { ...PLAIN, t: ONE / 2n },
  { ...PLAIN, t: -ONE / 2n, hasMax: true, max: ONE },
  { q: 1717986918n, qFrac: 34n, t: ONE / 2n, hasMax: true, max: 6n * ONE }, // slope 0.1: the checked loop
];

describe("ReLULayer", function () {
  it("Keras ReLU(max_value=6, negative_slope=0.1, threshold=0.5) over edges", async function () {
    const kit = await loadFixture(deployKit);
    const [q, qFrac, t, max] = [1717986918n, 34n, ONE / 2n, 6n * ONE]; // 0.1 = 1717986918 * 2^-34
    const layer = await cloneLayer(kit, "ReLULayer", abi.encode(RELU_TYPES, [F, 32, q, qFrac, t, 1, max]));
    const x = [...GRID, t - 1n, t, t + 1n, max - 1n, max, max + 1n];
    expect([...(await layer.forward([x], []))]).to.deep.equal(x.map((v) => reference(v, { q, qFrac, t, hasMax: true, max })));
  });

  it("without a slope (plain, ReLU6, thresholds +-0.5) over edges and the int256 extremes", async function () {
    const kit = await loadFixture(deployKit);
    for (const config of CONFIGS.slice(0, 4)) {
      const layer = await reluLayer(kit, config);
      const x = [...GRID, MIN, MAX, config.t - 1n, config.t, config.t + 1n, config.max - 1n, config.max, config.max + 1n, 2n, 3n];
      expect([...(await layer.forward([x], []))], JSON.stringify(config, (k, v) => String(v))).to.deep.equal(x.map((v) => reference(v, config)));
    }
  });

  it("forwardSlice is forward's slice, with and without a slope", async function () {
    const kit = await loadFixture(deployKit);
    const x = randomIntsWithin(203, 8 * 2 ** 24, 31);
    for (const config of CONFIGS) {
      const layer = await reluLayer(kit, config);
      const whole = await expectSlicesOfForward(layer, [x], [], 4);
      expect(whole).to.deep.equal(x.map((v) => reference(v, config)));
    }
  });

  it("a quarter of 4,099 values costs the layer < 35% of forward (plain, ReLU6)", async function () {
    const kit = await loadFixture(deployKit);
    const x = randomIntsWithin(4099, 8 * 2 ** 24, 32);
    for (const config of CONFIGS.slice(0, 2)) await expectQuarterCheaper(kit, await reluLayer(kit, config), [x]);
  });
});
