// LayerNormalizationLayer (LayerNormalization, rms_scaling, RMSNormalization over the last axis)
// against a BigInt reference of docs/FORMAT.md's row normalization: rounding of negative
// quotients, the 2^80 input bound, epsilon's floor on a constant row, the row check, and slices
// cut mid-row. Model-level bit-exactness with the emulator: fixtures.test.js (layer_normalization).
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, TENSOR, deployLayerKit, cloneLayer, writeStream, expectSlicesOfForward } = require("../helpers/layerHarness");
const { plainTensor } = require("../helpers/weightStream");
const { rescale, roundDiv, isqrt } = require("../helpers/reference");
const { randomIntsWithin } = require("../helpers/random");
const { F } = require("../helpers/edgeGrid");

const TYPES = ["uint256", "uint256", "uint256", "uint256", "uint256", "uint256", TENSOR, TENSOR];
const G = 16n;
const [SUBTRACT_MEAN, CENTERED_VARIANCE] = [1, 2];

async function deployKit() {
  return deployLayerKit(["LayerNormalizationLayer"]);
}

/** The normalised row (before gamma and beta), as the contract's notice says. */
function normaliseRow(x, mode, eps) {
  const n = BigInt(x.length);
  const total = x.reduce((a, v) => a + v, 0n);
  const u = x.map((v) => n * v - (mode & SUBTRACT_MEAN ? total : 0n));
  const v = x.map((w) => n * w - (mode & CENTERED_VARIANCE ? total : 0n));
  const squares = v.reduce((a, t) => a + t * t, 0n);
  const s = isqrt((roundDiv(squares, n) + n * n * eps) << (2n * G));
  return u.map((t) => roundDiv(t << (F + G), s));
}

/** A layer of `width` values a row, `gamma` (frac `gammaFrac`) and `beta` (frac `betaFrac`; [] for none), 16-bit. */
async function rowNorm(kit, width, mode, eps, gamma, gammaFrac, beta, betaFrac, groups = 0) {
  const [a, b] = [plainTensor(gamma, 16), beta.length ? plainTensor(beta, 16) : "0x"];
  const pages = await writeStream(kit, ethers.concat([a, b]));
  const size = (hex) => ethers.dataLength(hex);
  const layer = await cloneLayer(kit, "LayerNormalizationLayer", abi.encode(TYPES,
    [F, 16, width, mode, eps, groups, [0, size(a), gammaFrac], [size(a), size(b), betaFrac]]));
  const finish = (y, c) => rescale(y * BigInt(gamma[c]), Number(F) + gammaFrac, Number(F)) +
    (beta.length ? rescale(BigInt(beta[c]), betaFrac, Number(F)) : 0n);
  const reference = (x) => {
    const out = [];
    if (groups) { // each group's channels of every position, gathered position by position
      const w = width / groups;
      const normalised = [...x];
      for (let g = 0; g < groups; g++) {
        const at = [];
        for (let p = 0; p < x.length / width; p++) for (let j = 0; j < w; j++) at.push(p * width + g * w + j);
        normaliseRow(at.map((i) => x[i]), mode, eps).forEach((y, k) => { normalised[at[k]] = y; });
      }
      return normalised.map((y, i) => finish(y, i % width));
    }
    for (let r = 0; r < x.length; r += width) {
      normaliseRow(x.slice(r, r + width), mode, eps).forEach((y, c) => out.push(finish(y, c)));
    }
    return out;
  };
  return { layer, pages, reference };
}

describe("LayerNormalizationLayer", function () {
  const eps = 281475n; // 1e-3 on 2F = 48 fractional bits, rounded
  const ONE = 1n << F;

  for (const [label, mode] of [["LayerNormalization", 3], ["rms_scaling", 2], ["RMSNormalization", 0]]) {
    it(`${label}: rows of mixed signs, round quotients of either sign half up, gamma and beta`, async function () {
      const kit = await loadFixture(deployKit);
      const { layer, pages, reference } = await rowNorm(kit, 5, mode, eps, [3, -7, 1, 4, 2], 2, mode === 3 ? [-100, 0, 127, 5, -1] : [], 7);
      const x = [...randomIntsWithin(15, 3 * 2 ** 24, 61), ONE, -ONE, ONE / 2n, 0n, 1n];
      expect([...(await layer.forward([x], pages))]).to.deep.equal(reference(x));
    });
  }

  it("a constant row: epsilon alone keeps the square root above 0", async function () {
    const kit = await loadFixture(deployKit);
    const { layer, pages, reference } = await rowNorm(kit, 4, 3, 1n, [1, 1, 1, 1], 0, [0, 0, 0, 0], 0);
    const x = [ONE, ONE, ONE, ONE, 0n, 0n, 0n, 0n, -5n, -5n, -5n, -5n];
    const out = [...(await layer.forward([x], pages))];
    expect(out).to.deep.equal(reference(x));
    expect(out.every((v) => v === 0n)).to.equal(true);
  });

  it("takes x in [-2^80, 2^80) exactly; 2^80 or -2^80 - 1 reverts NormalizationInputTooLarge", async function () {
    const kit = await loadFixture(deployKit);
    const { layer, pages, reference } = await rowNorm(kit, 3, 3, eps, [1, 1, 1], 0, [0, 0, 0], 0);
    const bound = 1n << 80n;
    for (const edge of [bound - 1n, -bound]) {
      const x = [edge, 5n, -edge - 1n, 7n, 0n, edge];
      expect([...(await layer.forward([x], pages))], `edge ${edge}`).to.deep.equal(reference(x));
    }
    for (const edge of [bound, -bound - 1n]) {
      await expect(layer.forward([[1n, 2n, 3n, 4n, edge, 6n]], pages))
        .to.be.revertedWithCustomError(layer, "NormalizationInputTooLarge");
    }
  });

  it("refuses inputs that are not whole rows, and configs out of range", async function () {
    const kit = await loadFixture(deployKit);
    const { layer, pages } = await rowNorm(kit, 3, 3, eps, [1, 1, 1], 0, [0, 0, 0], 0);
    await expect(layer.forward([[1n, 2n, 3n, 4n]], pages)).to.be.revertedWithCustomError(layer, "RowMismatch").withArgs(4, 3);
    const zero = await rowNorm(kit, 3, 3, 0n, [1, 1, 1], 0, [0, 0, 0], 0);
    await expect(zero.layer.forward([[1n, 2n, 3n]], zero.pages))
      .to.be.revertedWithCustomError(zero.layer, "NormalizationConfigUnsupported").withArgs(F, 0, 0, 0);
    const odd = await rowNorm(kit, 6, 3, eps, [1, 1, 1, 1, 1, 1], 0, [0, 0, 0, 0, 0, 0], 0, 4);
    await expect(odd.layer.forward([Array(12).fill(1n)], odd.pages))
      .to.be.revertedWithCustomError(odd.layer, "GroupMismatch").withArgs(12, 6, 4);
  });

  it("GroupNormalization: groups of channels over every position; its slices are forward's", async function () {
    const kit = await loadFixture(deployKit);
    for (const groups of [1, 2, 3, 6]) {
      const { layer, pages, reference } = await rowNorm(kit, 6, 3, eps, [3, -7, 1, 4, 2, 9], 3, [-100, 0, 127, 5, -1, 64], 7, groups);
      const x = randomIntsWithin(6 * 5, 4 * 2 ** 24, 63 + groups);
      expect(await expectSlicesOfForward(layer, [x], pages, 6, { quick: true }), `groups ${groups}`).to.deep.equal(reference(x));
    }
  });

  it("forwardSlice is forward's slice, cut mid-row", async function () {
    const kit = await loadFixture(deployKit);
    const { layer, pages, reference } = await rowNorm(kit, 6, 3, eps, [3, -7, 1, 4, 2, 9], 3, [-100, 0, 127, 5, -1, 64], 7);
    const x = randomIntsWithin(6 * 9, 4 * 2 ** 24, 62);
    expect(await expectSlicesOfForward(layer, [x], pages, 6, { quick: true })).to.deep.equal(reference(x));
  });
});
