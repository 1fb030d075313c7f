// DotLayer (Dot, normalize) against a BigInt reference of its notice: strided axes, the L2
// normalisation's rounding of negative quotients, a zero fibre, the 2^64 input bound, slices.
// Then the fixtures using it (dot_similarity), layer by layer: bit for bit with the emulator
// (model level: fixtures.test.js).
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { rescale, roundDiv, isqrt } = require("../helpers/reference");
const { itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { ATTENTION_FAMILY, deployAttentionKit, inputsNearBound: inputs } = require("../helpers/attention");
const { F } = require("../helpers/edgeGrid");

const DOT = Array(9).fill("uint256");
const G = 16n;

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

describe("DotLayer", function () {
  const eps = 1n; // Keras' 1e-12 on 2F = 48 bits rounds to 0: at least 1
  const cases = [
    { name: "axes (1, 1) of (3, 2) and (3, 4): strided", geometry: [1, 3, 2, 1, 4] },
    { name: "axes (2, 2) of (2, 3) and (4, 3), normalised", geometry: [2, 3, 1, 4, 1], normalize: true },
    { name: "axes (1, 2) of (3, 2) and (2, 3), normalised", geometry: [1, 3, 2, 2, 1], normalize: true },
  ];
  cases.forEach(({ name, geometry, normalize }, n) => {
    it(`${name}: the notice's integers, in slices too`, async function () {
      const kit = await loadFixture(deployAttentionKit);
      const [outer1, size, inner1, outer2, inner2] = geometry;
      const layer = await cloneLayer(kit, "DotLayer", abi.encode(DOT, [F, 32, ...geometry, normalize ? 1 : 0, eps]));
      const x = inputs(outer1 * size * inner1, 40 + n);
      const y = inputs(outer2 * size * inner2, 50 + n).map((v, i) => (i < size * inner2 && i % inner2 === 0 ? 0n : v)); // a zero fibre
      const output = await expectSlicesOfForward(layer, [x, y], [], outer2 * inner2, { quick: true });
      expect(output).to.deep.equal(dotReference(x, y, geometry, normalize, eps));
    });
  });

  it("reverts outside [-2^64, 2^64)", async function () {
    const kit = await loadFixture(deployAttentionKit);
    const layer = await cloneLayer(kit, "DotLayer", abi.encode(DOT, [F, 32, 1, 2, 1, 1, 1, 1, eps]));
    await expect(layer.forward([[1n << 64n, 0n], [1n, 1n]], [])).to.be.revertedWithCustomError(layer, "AttentionInputTooLarge");
    await expect(layer.forward([[1n, 0n], [1n]], [])).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(1, 2, 1);
  });

  itMatchesEmulatorOnFixtures("DotLayer", ATTENTION_FAMILY);
});
