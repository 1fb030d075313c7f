// AttentionLayer (Attention "dot"/"concat", AdditiveAttention, the causal mask) and DotLayer (Dot,
// normalize) against BigInt references of their notices: the scores, the causal rows (more
// queries than keys too), the pre-scale and the one / per-feature / absent tanh weights, the L2
// normalisation's rounding of negative quotients and a zero fibre, strided axes, the 2^64 input
// bound, and slices cut mid-row. tanh and softmax come from FixedHarness (FixedMath, tested bit
// for bit against Python in test/lib/Activations.test.js). Model-level bit-exactness with the
// emulator: fixtures.test.js (luong_attention, dot_similarity).
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, TENSOR, deployLayerKit, cloneLayer, writeStream, instantiate, runSample, expectSlicesOfForward } = require("../helpers/layerHarness");
const { fixturesUsing, readFixture } = require("../helpers/fixtureFiles");
const { plainTensor } = require("../helpers/weightStream");
const { rescale, roundDiv, isqrt } = require("../helpers/reference");
const { randomIntsWithin } = require("../helpers/random");
const { F } = require("../helpers/edgeGrid");

const ATTENTION = [...Array(8).fill("uint256"), TENSOR, TENSOR, "uint256"];
const DOT = Array(9).fill("uint256");
const SOFTMAX = 4; // Activations.SOFTMAX
const G = 16n;
const NONE = [0, 0, 0];

async function deployKit() {
  const kit = await deployLayerKit(["AttentionLayer", "DotLayer"]);
  kit.fixed = await ethers.deployContract("FixedHarness");
  return kit;
}

/** Values near ±2^64 and small ones, `count` of them, from `seed`. */
function inputs(count, seed) {
  const big = (1n << 64n) - 1n;
  return randomIntsWithin(count, Number(3n << F), seed).map((v, i) => (i % 7 === 3 ? big : i % 11 === 5 ? -big - 1n : v));
}

/** An AttentionLayer over `tq` queries of `d` and `tv` values of `dv`, its weights 16-bit. */
async function attention(kit, { tq, d, tv, dv, tanhMode, causal, pre, weights }) {
  const tensors = [pre ? plainTensor(pre.values, 16) : "0x", weights ? plainTensor(weights.values, 16) : "0x"];
  const pages = await writeStream(kit, ethers.concat(tensors));
  const size = tensors.map((t) => ethers.dataLength(t));
  const refs = [pre ? [0, size[0], pre.frac] : NONE, weights ? [size[0], size[1], weights.frac] : NONE];
  const layer = await cloneLayer(kit, "AttentionLayer",
    abi.encode(ATTENTION, [F, 16, tq, d, tv, dv, tanhMode ? 1 : 0, causal ? 1 : 0, ...refs, weights ? weights.values.length : 0]));
  return { layer, pages };
}

/** The notice's output of AttentionLayer, tanh and softmax from FixedHarness. */
async function attentionReference(kit, { tq, d, tv, dv, tanhMode, causal, pre, weights }, q, v, k) {
  const out = [];
  for (let i = 0; i < tq; i++) {
    const allowed = causal ? Math.min(i + 1, tv) : tv;
    const scores = [];
    for (let j = 0; j < allowed; j++) {
      const pairs = [...Array(d).keys()].map((e) => [q[i * d + e], k[j * d + e]]);
      if (!tanhMode) {
        const s = rescale(pairs.reduce((a, [x, y]) => a + x * y, 0n), 2n * F, F);
        scores.push(weights ? rescale(s * BigInt(weights.values[0]), F + BigInt(weights.frac), F) : s);
        continue;
      }
      let sum = 0n;
      for (const [e, [x, y]] of pairs.entries()) {
        const t = pre ? rescale((x + y) * BigInt(pre.values[0]), F + BigInt(pre.frac), F) : x + y;
        const h = await kit.fixed.tanh(t, F);
        sum += weights ? h * BigInt(weights.values[weights.values.length === 1 ? 0 : e]) : h;
      }
      scores.push(weights ? rescale(sum, F + BigInt(weights.frac), F) : sum);
    }
    const a = [...(await kit.fixed.activate(scores, SOFTMAX, F, allowed))];
    for (let e = 0; e < dv; e++) out.push(rescale(a.reduce((s, w, j) => s + w * v[j * dv + e], 0n), 2n * F, F));
  }
  return out;
}

const CASES = {
  "dot, scaled, causal, a separate key, more queries than keys": { tq: 4, d: 3, tv: 3, dv: 2, causal: true, weights: { values: [-24000], frac: 14 } },
  "dot, unscaled": { tq: 2, d: 2, tv: 4, dv: 3 },
  "concat: pre-scale and one weight for every feature": { tq: 3, d: 2, tv: 2, dv: 2, tanhMode: true, pre: { values: [3 << 13], frac: 14 }, weights: { values: [-20000], frac: 15 } },
  "additive: a weight per feature, causal": { tq: 3, d: 3, tv: 3, dv: 1, tanhMode: true, causal: true, weights: { values: [30000, -7, -32768], frac: 15 } },
  "additive without scale": { tq: 2, d: 2, tv: 3, dv: 2, tanhMode: true },
};

/** floor(x << (F + G) / s) rounded half up, per fibre `x[o, :, r]` of an (outer, n, inner) input. */
function normalise(x, outer, n, inner, eps) {
  const out = [...x];
  for (let f = 0; f < outer * inner; f++) {
    const at = [...Array(n).keys()].map((i) => Math.floor(f / inner) * n * inner + (f % inner) + i * inner);
    const squares = at.reduce((a, p) => a + x[p] * x[p], 0n);
    const s = isqrt((squares > eps ? squares : eps) << (2n * G));
    for (const p of at) out[p] = roundDiv(x[p] << (F + G), s);
  }
  return out;
}

/** DotLayer's notice for inputs (outer1, n, inner1) and (outer2, n, inner2). */
function dotReference(x, y, [outer1, n, inner1, outer2, inner2], normalize, eps) {
  if (normalize) [x, y] = [normalise(x, outer1, n, inner1, eps), normalise(y, outer2, n, inner2, eps)];
  const out = [];
  for (let a = 0; a < outer1 * inner1; a++) {
    for (let b = 0; b < outer2 * inner2; b++) {
      const p = Math.floor(a / inner1) * n * inner1 + (a % inner1);
      const q = Math.floor(b / inner2) * n * inner2 + (b % inner2);
      let sum = 0n;
      for (let i = 0; i < n; i++) sum += x[p + i * inner1] * y[q + i * inner2];
      out.push(rescale(sum, 2n * F, F));
    }
  }
  return out;
}

describe("AttentionLayer", function () {
  Object.entries(CASES).forEach(([name, c], n) => {
    it(`${name}: the notice's integers, in slices too`, async function () {
      const kit = await loadFixture(deployKit);
      const { layer, pages } = await attention(kit, c);
      const [q, v, k] = [inputs(c.tq * c.d, 10 + n), inputs(c.tv * c.dv, 20 + n), inputs(c.tv * c.d, 30 + n)];
      const withKey = n % 2 === 0 || c.dv !== c.d; // the value is the key only if dv = d
      const args = withKey ? [q, v, k] : [q, v];
      const output = await expectSlicesOfForward(layer, args, pages, c.dv, { quick: true });
      expect(output).to.deep.equal(await attentionReference(kit, c, q, v, withKey ? k : v));
    });
  });

  it("reverts outside [-2^64, 2^64) and on a wrong input count or size", async function () {
    const kit = await loadFixture(deployKit);
    const { layer, pages } = await attention(kit, CASES["dot, unscaled"]);
    const [q, v, k] = [inputs(4, 1), inputs(12, 2), inputs(8, 5)];
    await expect(layer.forward([[...q.slice(0, 3), 1n << 64n], v, k], pages)).to.be.revertedWithCustomError(layer, "AttentionInputTooLarge");
    await expect(layer.forward([q, [...v.slice(0, 11), -(1n << 64n) - 1n], k], pages)).to.be.revertedWithCustomError(layer, "AttentionInputTooLarge");
    await expect(layer.forward([q, v, [...k.slice(1), 1n << 64n]], pages)).to.be.revertedWithCustomError(layer, "AttentionInputTooLarge");
    await expect(layer.forward([q], pages)).to.be.revertedWithCustomError(layer, "WrongLayerInputCount").withArgs(3, 1);
    await expect(layer.forward([q, v.slice(1), k], pages)).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(1, 12, 11);
    await expect(layer.forward([q, v], pages)) // dv != d: the key is needed.to.be.revertedWithCustomError(layer, "WrongLayerInputCount").withArgs(3, 2);
  });
});

describe("DotLayer", function () {
  const eps = 1n; // Keras' 1e-12 on 2F = 48 bits rounds to 0: at least 1
  const cases = [
    { name: "axes (1, 1) of (3, 2) and (3, 4): strided", geometry: [1, 3, 2, 1, 4] },
    { name: "axes (2, 2) of (2, 3) and (4, 3), normalised", geometry: [2, 3, 1, 4, 1], normalize: true },
    { name: "axes (1, 2) of (3, 2) and (2, 3), normalised", geometry: [1, 3, 2, 2, 1], normalize: true },
  ];
  cases.forEach(({ name, geometry, normalize }, n) => {
    it(`${name}: the notice's integers, in slices too`, async function () {
      const kit = await loadFixture(deployKit);
      const [outer1, size, inner1, outer2, inner2] = geometry;
      const layer = await cloneLayer(kit, "DotLayer", abi.encode(DOT, [F, 32, ...geometry, normalize ? 1 : 0, eps]));
      const x = inputs(outer1 * size * inner1, 40 + n);
      const y = inputs(outer2 * size * inner2, 50 + n).map((v, i) => (i < size * inner2 && i % inner2 === 0 ? 0n : v)); // a zero fibre
      const output = await expectSlicesOfForward(layer, [x, y], [], outer2 * inner2, { quick: true });
      expect(output).to.deep.equal(dotReference(x, y, geometry, normalize, eps));
    });
  });

  it("reverts outside [-2^64, 2^64)", async function () {
    const kit = await loadFixture(deployKit);
    const layer = await cloneLayer(kit, "DotLayer", abi.encode(DOT, [F, 32, 1, 2, 1, 1, 1, 1, eps]));
    await expect(layer.forward([[1n << 64n, 0n], [1n, 1n]], [])).to.be.revertedWithCustomError(layer, "AttentionInputTooLarge");
    await expect(layer.forward([[1n, 0n], [1n]], [])).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(1, 2, 1);
  });
});

describe("AttentionLayer and DotLayer in the fixtures, layer by layer", function () {
  const names = fixturesUsing(["AttentionLayer", "DotLayer"]);
  const contracts = [...new Set(names.flatMap((name) => readFixture(name).plan.layers.map((l) => l.contract).filter(Boolean)))];
  const gasRows = [];
  const bigs = (values) => values.map((v) => BigInt(v));
  const deployFixtureKit = async () => deployLayerKit(contracts);

  it("has fixtures at int32, int16 and int8", function () {
    expect(new Set(names.map((name) => readFixture(name).precision))).to.deep.equal(new Set(["int32", "int16", "int8"]));
  });
  for (const name of names) {
    it(`${name}: every sample equals the emulator exactly`, async function () {
      const kit = await loadFixture(deployFixtureKit);
      const fixture = readFixture(name);
      const instance = await instantiate(kit, fixture.plan);
      for (const [s, sample] of fixture.samples.entries()) {
        const { outputs, gas } = await runSample(kit, fixture.plan, instance, sample.inputs.map(bigs));
        expect(outputs).to.deep.equal(sample.expected.map(bigs));
        fixture.plan.layers.forEach((layer, i) => {
          if (s === 0 && ["AttentionLayer", "DotLayer"].includes(layer.contract)) gasRows.push({ fixture: name, layer: layer.name, gas: Number(gas[i]) });
        });
      }
    });
  }
  after(function () {
    if (gasRows.length && process.env.ETERNAL_GAS_TABLES) console.table(gasRows);
  });
});
