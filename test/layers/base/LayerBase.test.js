// LayerBase.forwardSlice (the default: forward by a static self-call, the range copied out of the
// return data) on a clone of every layer type the fixtures use, at the layer's real inputs from a
// fixture sample: each slice equals forward's, bit for bit (Conv2D and DepthwiseConv2D override
// it and are checked here too, as every clone must answer forwardSlice).
const fs = require("fs");
const path = require("path");
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { readFixture, fixtureNames, bigs } = require("../../helpers/fixtureFiles");
const { deployLayerKit, instantiate, expectSlicesOfForward } = require("../../helpers/layerHarness");

/** Per contract, the first int32 fixture using it (every fixture when a type has no int32 one). */
function fixtureByContract() {
  const names = fixtureNames().filter((name) => readFixture(name).plan);
  const ordered = [...names.filter((n) => !/_int(8|16)$/.test(n)), ...names.filter((n) => /_int(8|16)$/.test(n))];
  const byContract = {};
  for (const name of ordered) {
    for (const layer of readFixture(name).plan.layers) {
      if (layer.contract && !byContract[layer.contract]) byContract[layer.contract] = name;
    }
  }
  return byContract;
}

/** Every layer's output for a sample, walking the plan as EternalModel.predict does. */
async function layerValues(kit, plan, instance, inputs) {
  const values = [];
  plan.inputs.forEach((index, k) => (values[index] = inputs[k]));
  for (let i = 0; i < plan.layers.length; i++) {
    if (values[i]) continue;
    const args = plan.layers[i].inbound.map((j) => values[j]);
    values[i] = instance.layers[i] === null ? args[0] : [...(await kit.harness.measure(instance.layers[i], args, instance.pages))[0]];
  }
  return values;
}

describe("LayerBase.forwardSlice", function () {
  const byContract = fixtureByContract();
  const contracts = Object.keys(byContract).sort();

  async function deployKit() {
    return deployLayerKit(contracts);
  }

  it("the fixtures cover every layer contract", function () {
    const files = fs.readdirSync(path.join(__dirname, "..", "..", "..", "contracts", "layers"));
    expect(contracts).to.include.members(files.filter((f) => f.endsWith("Layer.sol")).map((f) => f.slice(0, -".sol".length)));
  });

  for (const contract of contracts) {
    it(`${contract} (${byContract[contract]}): every slice equals forward's`, async function () {
      const kit = await loadFixture(deployKit);
      const { plan, samples } = readFixture(byContract[contract]);
      const instance = await instantiate(kit, plan);
      const values = await layerValues(kit, plan, instance, samples[0].inputs.map(bigs));
      const index = plan.layers.findIndex((layer) => layer.contract === contract);
      const layer = await ethers.getContractAt("ILayer", instance.layers[index]);
      await expectSlicesOfForward(layer, plan.layers[index].inbound.map((j) => values[j]), instance.pages, 2, { quick: true });
    });
  }
});
