// SimpleRNNLayer: bit-exact with the emulator; the SWAR product and its exact fallback (inputs
// past the slot bound) both agree with an independent BigInt reference; input checks revert.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { fixtureVariants } = require("../helpers/fixtureFiles");
const { decodeBlocked, deploySequenceFixture, expectSamplesExact, forwardGas } = require("../helpers/sequence");
const { rescale } = require("../helpers/reference");

const CASES = [...fixtureVariants("simple_rnn"), ...fixtureVariants("simple_rnn_seq_backwards_relu"), ...fixtureVariants("simple_rnn_gelu")];
const [LINEAR32, LINEAR16, LINEAR8] = fixtureVariants("simple_rnn_linear_nobias");

/** SimpleRNN, linear, no bias, return_sequences, forwards: the reference in BigInt. */
function referenceLinear(x, config, kernel, recurrent) {
  const [d, u, F] = [Number(config.inputDim), Number(config.units), config.fracBits];
  const product = (v, W, frac) =>
    W[0].map((_, j) => rescale(v.reduce((acc, vr, r) => acc + vr * W[r][j], 0n), F + frac, F));
  let h = new Array(u).fill(0n);
  const out = [];
  for (let t = 0; t < x.length / d; t++) {
    const zx = product(x.slice(t * d, t * d + d), kernel, config.kernel.fracBits);
    const zh = product(h, recurrent, config.recurrentKernel.fracBits);
    h = zx.map((v, j) => v + zh[j]);
    out.push(...h);
  }
  return out.map(String);
}

describe("SimpleRNNLayer", function () {
  const deployers = Object.fromEntries(
    [...CASES, LINEAR32, LINEAR16, LINEAR8].map((name) => [name, async function () {
      return deploySequenceFixture(name, "SimpleRNNLayer");
    }]),
  );
  // loadFixture needs one named function per snapshot.
  Object.entries(deployers).forEach(([name, fn]) => Object.defineProperty(fn, "name", { value: name }));

  for (const name of [...CASES, LINEAR32, LINEAR16, LINEAR8]) {
    it(`${name}: equals the emulator exactly`, async function () {
      await expectSamplesExact(await loadFixture(deployers[name]));
    });
  }

  for (const name of [LINEAR32, LINEAR16, LINEAR8]) {
    it(`${name}: 64-bit, 128-bit and exact paths agree with a BigInt reference around their bounds`, async function () {
      const ctx = await loadFixture(deployers[name]);
      const { layer, pages, config, fixture } = ctx;
      const cols = Number(config.units);
      const kernel = decodeBlocked(fixture, config.kernel, Number(config.inputDim), cols, Number(config.weightBits));
      const recurrent = decodeBlocked(fixture, config.recurrentKernel, cols, cols, Number(config.weightBits));
      // BlockedMatVec: 64-bit slots iff sum|x| < 2^(63-L), 128-bit iff < 2^(127-L), else exact.
      // A step has 3 values of magnitude m (exactly, in the first pattern): sum|x| = 3m.
      const magnitudes = [1n << 24n];
      for (const bound of [1n << (63n - config.weightBits), 1n << (127n - config.weightBits)]) {
        magnitudes.push(bound / 3n - 1n, bound / 3n + 1n, bound);
      }
      magnitudes.push(1n << 180n);
      const patterns = [
        [1n, -1n, 1n, -1n, 1n, -1n],
        [1n, 0n, -1n, 1n, 1n, 1n],
        [-1n, -1n, -1n, 1n, 0n, 1n],
      ];
      for (const magnitude of magnitudes) {
        for (const pattern of patterns) {
          const x = pattern.map((sign) => sign * magnitude);
          const output = await layer.forward([x], pages);
          expect(output.map(String), `magnitude ${magnitude}`).to.deep.equal(referenceLinear(x, config, kernel, recurrent));
        }
      }
    });
  }

  it("reverts SequenceLengthMismatch when the input is not whole steps", async function () {
    const { layer, pages, config } = await loadFixture(deployers[CASES[0]]);
    const values = new Array(Number(config.inputDim) + 1).fill(0n);
    await expect(layer.forward([values], pages))
      .to.be.revertedWithCustomError(layer, "SequenceLengthMismatch")
      .withArgs(BigInt(values.length), config.inputDim);
  });

  it("reverts WrongLayerInputCount unless given exactly one input", async function () {
    const { layer, pages } = await loadFixture(deployers[CASES[0]]);
    await expect(layer.forward([[], []], pages)).to.be.revertedWithCustomError(layer, "WrongLayerInputCount").withArgs(1n, 2n);
  });

  it("takes any number of steps (zero steps: the zero state)", async function () {
    const { layer, pages, config } = await loadFixture(deployers[CASES[0]]);
    const zeros = new Array(Number(config.units)).fill("0");
    expect((await layer.forward([[]], pages)).map(String)).to.deep.equal(zeros);
    const one = await forwardGas({ layer, pages }, new Array(Number(config.inputDim)).fill(1n << 23n));
    const ten = await forwardGas({ layer, pages }, new Array(10 * Number(config.inputDim)).fill(1n << 23n));
    console.log(`      SimpleRNN (${config.inputDim} -> ${config.units}, int32): ${one} gas for 1 step, ${((ten - one) / 9).toFixed(0)} per further step`);
  });
});
