// Every fixture in test/fixtures (written by scripts/make_fixtures.py from Keras): deploy the
// model through the whole lifecycle, then `predict` must equal the Python emulator's output bit
// for bit, and be within the fixture's tolerance of Keras' float output.
// With ETERNAL_FIXTURE_RECORD=<file> the run also writes, per sample, its gas and a digest of its
// outputs there (JSON), so two nodes' runs can be compared (scripts/fixtures_on_anvil.py). Its own
// signer (no other test sends from it) makes every address, and so every calldata byte, the
// same on each node.
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { expect } = require("chai");
const { ethers, network } = require("hardhat");
const { fixtureNames, readFixture, sampleInputs } = require("./helpers/fixtureFiles");
const { deployImplementations, deployPlan, toFloat } = require("./helpers/deployModel");

const FIXTURE_SIGNER = 9; // anvil has 10 dev accounts, Hardhat 20
const gasTable = [];
const record = [];
// Layer implementations are stateless, so every fixture's model shares one per contract name.
const shared = {};

async function implementationsFor(names, signer) {
  const missing = names.filter((name) => !(name in shared));
  Object.assign(shared, await deployImplementations(missing, signer));
  return Object.fromEntries(names.map((name) => [name, shared[name]]));
}

function digest(outputs) {
  return crypto.createHash("sha256").update(JSON.stringify(outputs.map((output) => output.map(String)))).digest("hex");
}

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
      let signer;

      before(async function () {
        let gas;
        signer = (await ethers.getSigners())[FIXTURE_SIGNER];
        const implementations = await implementationsFor(fixture.plan.implementations, signer);
        ({ model, gas } = await deployPlan(fixture.plan, { implementations, signer }));
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
          if (process.env.ETERNAL_FIXTURE_RECORD) {
            // Sent as a transaction: the EVM's own count, the same on every node that executes alike
            // (an estimate is each node's own search for the smallest gas limit that succeeds).
            const data = model.interface.encodeFunctionData("predict", [inputs]);
            const sent = await (await signer.sendTransaction({ to: await model.getAddress(), data, gasLimit: gas })).wait();
            record.push({
              fixture: name, sample: s, predictEstimate: Number(gas), predictGas: Number(sent.gasUsed),
              lifecycleGas: deployGas, outputs: digest(outputs),
            });
          }
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
    const file = process.env.ETERNAL_FIXTURE_RECORD;
    if (file && record.length) {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ network: network.name, samples: record }, null, 1));
    }
  });
});
