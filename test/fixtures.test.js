// Every fixture in test/fixtures (written by scripts/make_fixtures.py from Keras): deploy the
// model through the whole lifecycle, then `predict` must equal the Python emulator's output bit
// for bit, and be within the fixture's tolerance of Keras' float output.
const { expect } = require("chai");
const { fixtureNames, readFixture, sampleInputs } = require("./helpers/fixtureFiles");
const { deployPlan, toFloat } = require("./helpers/deployModel");

const gasTable = [];

describe("fixtures: on-chain predict vs emulator and Keras", function () {
  const names = fixtureNames();

  it("has fixtures to check", function () {
    expect(names.length, "no test/fixtures/*.json: run scripts/make_fixtures.py").to.be.greaterThan(0);
  });

  for (const name of names) {
    describe(name, function () {
      const fixture = readFixture(name);
      let model;
      let deployGas;

      before(async function () {
        let gas;
        ({ model, gas } = await deployPlan(fixture.plan));
        deployGas = Number(Object.values(gas).reduce((a, b) => a + b, 0n));
      });

      it("stores the committed hashes and is finalised", async function () {
        expect(await model.modelHash()).to.equal("0x" + fixture.hashes.model);
        expect(await model.state()).to.equal(3n);
      });

      fixture.samples.forEach((sample, s) => {
        it(`sample ${s}: equals the emulator exactly and Keras within ${fixture.tolerance}`, async function () {
          const inputs = sampleInputs(sample);
          const outputs = await model.predict(inputs);
          const gas = await model.predict.estimateGas(inputs);
          gasTable.push({ fixture: name, sample: s, precision: fixture.precision, predictGas: Number(gas), lifecycleGas: deployGas });
          expect(outputs.length).to.equal(sample.keras.length);
          expect(sample.expected, `${name} has no emulator outputs: regenerate it`).to.not.equal(null);
          outputs.forEach((output, k) => {
            expect(output.map(String), `output ${k} vs emulator`).to.deep.equal(sample.expected[k]);
          });
          outputs.forEach((output, k) => {
            const floats = output.map((v) => toFloat(v, fixture.activation_frac_bits));
            const worst = Math.max(...floats.map((v, i) => Math.abs(v - sample.keras[k][i])));
            expect(floats.length, `output ${k} length`).to.equal(sample.keras[k].length);
            expect(worst, `output ${k}: max |chain - keras|`).to.be.at.most(fixture.tolerance);
          });
        });
      });
    });
  }

  after(function () {
    // predictGas: eth_estimateGas of predict (what a transaction calling it pays, 21,000 base included);
    // lifecycleGas: addLayers + construct + appendGraph + appendPages + finalize (implementations excluded).
    if (gasTable.length) console.table(gasTable);
  });
});
