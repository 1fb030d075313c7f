// AttentionLayer (Attention "dot"/"concat", AdditiveAttention, the causal mask) against a BigInt
// reference of its notice: the scores, the causal rows (more queries than keys too), the
// pre-scale and the one / per-feature / absent tanh weights, the 2^64 input bound, and slices cut
// mid-row; tanh and softmax come from FixedHarness (FixedMath, tested bit for bit against Python
// in test/lib/Activations.test.js). Then the fixtures using it (luong_attention), layer by layer:
// bit for bit with the emulator (model level: fixtures.test.js).
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, TENSOR, cloneLayer, writeStream, expectSlicesOfForward } = require("../helpers/layerHarness");
const { plainTensor } = require("../helpers/weightStream");
const { rescale } = require("../helpers/reference");
const { itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { ATTENTION_FAMILY, deployAttentionKit, inputsNearBound: inputs } = require("../helpers/attention");
const { F } = require("../helpers/edgeGrid");

const ATTENTION = [...Array(8).fill("uint256"), TENSOR, TENSOR, "uint256"];
const SOFTMAX = 4; // Activations.SOFTMAX
const NONE = [0, 0, 0];

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

describe("AttentionLayer", function () {
  Object.entries(CASES).forEach(([name, c], n) => {
    it(`${name}: the notice's integers, in slices too`, async function () {
      const kit = await loadFixture(deployAttentionKit);
      const { layer, pages } = await attention(kit, c);
      const [q, v, k] = [inputs(c.tq * c.d, 10 + n), inputs(c.tv * c.dv, 20 + n), inputs(c.tv * c.d, 30 + n)];
      const withKey = n % 2 === 0 || c.dv !== c.d; // the value is the key only if dv = d
      const args = withKey ? [q, v, k] : [q, v];
      const output = await expectSlicesOfForward(layer, args, pages, c.dv, { quick: true });
      expect(output).to.deep.equal(await attentionReference(kit, c, q, v, withKey ? k : v));
    });
  });

  it("reverts outside [-2^64, 2^64) and on a wrong input count or size", async function () {
    const kit = await loadFixture(deployAttentionKit);
    const { layer, pages } = await attention(kit, CASES["dot, unscaled"]);
    const [q, v, k] = [inputs(4, 1), inputs(12, 2), inputs(8, 5)];
    await expect(layer.forward([[...q.slice(0, 3), 1n << 64n], v, k], pages)).to.be.revertedWithCustomError(layer, "AttentionInputTooLarge");
    await expect(layer.forward([q, [...v.slice(0, 11), -(1n << 64n) - 1n], k], pages)).to.be.revertedWithCustomError(layer, "AttentionInputTooLarge");
    await expect(layer.forward([q, v, [...k.slice(1), 1n << 64n]], pages)).to.be.revertedWithCustomError(layer, "AttentionInputTooLarge");
    await expect(layer.forward([q], pages)).to.be.revertedWithCustomError(layer, "WrongLayerInputCount").withArgs(3, 1);
    await expect(layer.forward([q, v.slice(1), k], pages)).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(1, 12, 11);
    // dv != d: the value cannot be the key.
    await expect(layer.forward([q, v], pages)).to.be.revertedWithCustomError(layer, "WrongLayerInputCount").withArgs(3, 2);
  });

  itMatchesEmulatorOnFixtures("AttentionLayer", ATTENTION_FAMILY);
});
