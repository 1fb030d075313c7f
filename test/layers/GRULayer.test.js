// GRULayer: bit-exact with the emulator at int32, int16 and int8 (forwards, backwards, sequences,
// with and without bias); any number of steps; gas per step printed.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { fixtureVariants } = require("../helpers/fixtureFiles");
const { deploySequenceFixture, expectSamplesExact, forwardGas } = require("../helpers/sequence");

const NAMES = [...fixtureVariants("gru"), ...fixtureVariants("gru_seq_backwards"), ...fixtureVariants("gru_silu_hard_sigmoid")];

describe("GRULayer", function () {
  // loadFixture needs one named function per snapshot.
  const deployers = Object.fromEntries(NAMES.map((name) => [name, async function () {
    return deploySequenceFixture(name, "GRULayer");
  }]));
  Object.entries(deployers).forEach(([name, fn]) => Object.defineProperty(fn, "name", { value: name }));

  for (const name of NAMES) {
    it(`${name}: equals the emulator exactly`, async function () {
      await expectSamplesExact(await loadFixture(deployers[name]));
    });
  }

  it("returns the zero state for zero steps and the right length for any number of steps", async function () {
    const { layer, pages, config } = await loadFixture(deployers[NAMES[0]]);
    const units = Number(config.units);
    expect((await layer.forward([[]], pages)).map(String)).to.deep.equal(new Array(units).fill("0"));
    const steps = 9;
    const input = Array.from({ length: steps * Number(config.inputDim) }, (_, i) => BigInt(i % 5 - 2) << 23n);
    expect((await layer.forward([input], pages)).length).to.equal(config.returnSequences ? steps * units : units);
  });

  it("reverts SequenceLengthMismatch when the input is not whole steps", async function () {
    const { layer, pages, config } = await loadFixture(deployers[NAMES[0]]);
    await expect(layer.forward([[1n]], pages))
      .to.be.revertedWithCustomError(layer, "SequenceLengthMismatch")
      .withArgs(1n, config.inputDim);
  });

  for (const name of NAMES.slice(0, 3)) {
    it(`${name}: gas per step`, async function () {
      const ctx = await loadFixture(deployers[name]);
      const { config } = ctx;
      const step = (n) => Array.from({ length: n * Number(config.inputDim) }, (_, i) => BigInt((i % 7) - 3) << 22n);
      const one = await forwardGas(ctx, step(1));
      const ten = await forwardGas(ctx, step(10));
      console.log(`      GRU ${config.inputDim} -> ${config.units} (${name}): ${one} gas for 1 step, ${((ten - one) / 9).toFixed(0)} per further step`);
      expect(ten).to.be.greaterThan(one);
    });
  }
});
