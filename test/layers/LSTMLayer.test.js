// LSTMLayer: bit-exact with the emulator at int32, int16 and int8 (forwards, backwards, sequences,
// with and without bias, extended activations); an extended-activation cell (relu6, hard_sigmoid)
// against an independent BigInt reference past the fixture's range; any number of steps; gas per step printed.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { fixtureVariants } = require("../helpers/fixtureFiles");
const { decodeBlocked, decodePlain, deploySequenceFixture, expectSamplesExact, forwardGas } = require("../helpers/sequence");
const { floorDiv, rescale } = require("../helpers/reference");

const EXTENDED = fixtureVariants("lstm_hard_sigmoid_relu6"); // relu6 activation, hard_sigmoid gates
const NAMES = [...fixtureVariants("lstm"), ...fixtureVariants("lstm_seq_backwards_nobias"), ...fixtureVariants("lstm_relu_linear_gates"), ...EXTENDED];
const UNBOUNDED = "lstm_relu_linear_gates"; // relu activation, linear gates

const clip = (v, low, high) => (v < low ? low : v > high ? high : v);
/** Keras 3 hard_sigmoid and relu6 at F bits (`eternal.extended_activations`). */
const hardSigmoid = (v, F) => clip(floorDiv(v + (3n << F) + 3n, 6n), 0n, 1n << F);
const relu6 = (v, F) => clip(v, 0n, 6n << F);

/** LSTM(activation=relu6, recurrent_activation=hard_sigmoid), forwards, with bias, return_sequences,
 *  in BigInt from the fixture's weights (gate order i, f, c, o; recurrent_base.py's rounding rules). */
function referenceExtended({ fixture, config }, x) {
  const [d, u, F, bits] = [Number(config.inputDim), Number(config.units), config.fracBits, Number(config.weightBits)];
  const kernel = decodeBlocked(fixture, config.kernel, d, 4 * u, bits);
  const recurrent = decodeBlocked(fixture, config.recurrentKernel, u, 4 * u, bits);
  const bias = decodePlain(fixture, config.bias, 4 * u, bits).map((b) => rescale(b, config.bias.fracBits, F));
  const product = (v, W, frac) => W[0].map((_, j) => rescale(v.reduce((acc, vr, r) => acc + vr * W[r][j], 0n), F + frac, F));
  let [h, c] = [new Array(u).fill(0n), new Array(u).fill(0n)];
  const out = [];
  const seen = { gateAt0: 0, gateAt1: 0, clippedAt6: 0 }; // how often the reference saturates
  for (let t = 0; t < x.length / d; t++) {
    const zx = product(x.slice(t * d, t * d + d), kernel, config.kernel.fracBits);
    const zh = product(h, recurrent, config.recurrentKernel.fracBits);
    const z = zx.map((v, k) => v + zh[k] + bias[k]);
    z.forEach((v, k) => {
      const gate = k < 2 * u || k >= 3 * u;
      if (gate && v <= -(3n << F)) seen.gateAt0 += 1;
      if (gate && v >= 3n << F) seen.gateAt1 += 1;
      if (!gate && v >= 6n << F) seen.clippedAt6 += 1;
    });
    c = c.map((cj, j) => rescale(hardSigmoid(z[u + j], F) * cj + hardSigmoid(z[j], F) * relu6(z[2 * u + j], F), 2n * F, F));
    h = c.map((cj, j) => rescale(hardSigmoid(z[3 * u + j], F) * relu6(cj, F), 2n * F, F));
    out.push(...h);
  }
  return { out, seen };
}

describe("LSTMLayer", function () {
  // loadFixture needs one named function per snapshot.
  const deployers = Object.fromEntries(NAMES.map((name) => [name, async function () {
    return deploySequenceFixture(name, "LSTMLayer");
  }]));
  Object.entries(deployers).forEach(([name, fn]) => Object.defineProperty(fn, "name", { value: name }));

  for (const name of NAMES) {
    it(`${name}: equals the emulator exactly`, async function () {
      await expectSamplesExact(await loadFixture(deployers[name]));
    });
  }

  it("relu6 / hard_sigmoid cell: equals a BigInt reference, saturated and clipped too", async function () {
    for (const name of EXTENDED) {
      const ctx = await loadFixture(deployers[name]);
      const { layer, pages, config } = ctx;
      expect([config.activation, config.recurrentActivation, config.returnSequences, config.goBackwards]).to.deep.equal([6n, 7n, true, false]);
      const one = 1n << config.fracBits;
      // Steps from -8 to +8 (Keras' hard_sigmoid saturates beyond +-3, relu6 clips at 0 and 6), 5 steps.
      const x = Array.from({ length: 5 * Number(config.inputDim) }, (_, i) => (BigInt((i * 7) % 17) - 8n) * one + BigInt(i) * 12345n % one);
      const { out: expected, seen } = referenceExtended(ctx, x);
      expect(Object.values(seen).every((n) => n > 0), `${name}: gates saturate at 0 and 1, relu6 clips at 6 ${JSON.stringify(seen)}`).to.equal(true);
      expect((await layer.forward([x], pages)).map(String), name).to.deep.equal(expected.map(String));
    }
  });

  it("returns the zero state for zero steps and the right length for any number of steps", async function () {
    const { layer, pages, config } = await loadFixture(deployers[NAMES[0]]);
    const units = Number(config.units);
    expect((await layer.forward([[]], pages)).map(String)).to.deep.equal(new Array(units).fill("0"));
    const steps = 9;
    const input = Array.from({ length: steps * Number(config.inputDim) }, (_, i) => BigInt(i % 5 - 2) << 23n);
    expect((await layer.forward([input], pages)).length).to.equal(config.returnSequences ? steps * units : units);
  });

  it("reverts GateOperandTooLarge when an unbounded gate passes 2^126 (not for merely large ones)", async function () {
    const { layer, pages, config } = await loadFixture(deployers[UNBOUNDED]);
    const steps = (magnitude) => Array.from({ length: Number(config.inputDim) }, (_, i) => (i % 2 ? -magnitude : magnitude));
    await layer.forward([steps(1n << 40n)], pages); // gates ~2^38, products ~2^90: fine
    await expect(layer.forward([steps(1n << 160n)], pages)).to.be.revertedWithCustomError(layer, "GateOperandTooLarge");
  });

  it("reverts SequenceLengthMismatch when the input is not whole steps", async function () {
    const { layer, pages, config } = await loadFixture(deployers[NAMES[0]]);
    await expect(layer.forward([[1n]], pages))
      .to.be.revertedWithCustomError(layer, "SequenceLengthMismatch")
      .withArgs(1n, config.inputDim);
  });

  for (const name of [...NAMES.slice(0, 3), EXTENDED[0]]) {
    it(`${name}: gas per step`, async function () {
      const ctx = await loadFixture(deployers[name]);
      const { config } = ctx;
      const step = (n) => Array.from({ length: n * Number(config.inputDim) }, (_, i) => BigInt((i % 7) - 3) << 22n);
      const one = await forwardGas(ctx, step(1));
      const ten = await forwardGas(ctx, step(10));
      console.log(`      LSTM ${config.inputDim} -> ${config.units} (${name}): ${one} gas for 1 step, ${((ten - one) / 9).toFixed(0)} per further step`);
      expect(ten).to.be.greaterThan(one);
    });
  }
});
