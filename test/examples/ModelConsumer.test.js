// ModelConsumer calls IEternalModel.predict inside a transaction and records the argmax.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { fixtureNames, readFixture, sampleInputs } = require("../helpers/fixtureFiles");
const { deployPlan } = require("../helpers/deployModel");

// A real classifier from the shared fixtures (Dense + softmax), when it has been generated.
const CLASSIFIER = "dense_softmax";

const anyAddress = (value) => ethers.isAddress(value);

describe("ModelConsumer", function () {
  // A finalised model of two identity layers: output = input, so the argmax is the input's.
  async function deployFixture() {
    const [caller] = await ethers.getSigners();
    const model = await ethers.deployContract("EternalModel");
    const graph = ethers.toUtf8Bytes('{"format":"eternal-graph/1","layers":["x","flatten"]}');
    const graphHash = ethers.sha256(graph);
    const weightsHash = ethers.sha256("0x");
    const modelHash = ethers.sha256(ethers.concat([graphHash, weightsHash]));
    await model.addLayers(0, [ethers.ZeroAddress, ethers.ZeroAddress], ["0x", "0x"]);
    await model.construct([[], [0]], [0], [1], graphHash, weightsHash, modelHash, 0, graph.length);
    await model.appendGraph(0, graph);
    await model.finalize();
    const consumer = await ethers.deployContract("ModelConsumer", [await model.getAddress()]);
    return { caller, model, consumer };
  }

  it("classifies inside a transaction: stores and emits the argmax", async function () {
    const { caller, model, consumer } = await loadFixture(deployFixture);
    expect(await consumer.model()).to.equal(await model.getAddress());
    const scores = [-5n, 7n << 24n, 3n, 7n << 24n, -1n]; // tie: lowest index wins
    await expect(consumer.classify([scores])).to.emit(consumer, "Classified").withArgs(caller.address, 1, 7n << 24n);
    expect(await consumer.last()).to.deep.equal([1n, 7n << 24n]);
    await consumer.classify([[-3n, -2n, -9n]]);
    expect(await consumer.last()).to.deep.equal([1n, -2n]);
    await consumer.classify([[4n]]);
    expect(await consumer.last()).to.deep.equal([0n, 4n]);
  });

  it("classifies with a real model from the fixtures: the argmax of the expected output", async function () {
    if (!fixtureNames().includes(CLASSIFIER)) this.skip(); // run scripts/make_fixtures.py
    const fixture = readFixture(CLASSIFIER);
    const { model } = await deployPlan(fixture.plan);
    const consumer = await ethers.deployContract("ModelConsumer", [await model.getAddress()]);
    for (const sample of fixture.samples) {
      const expected = sample.expected[0].map(BigInt);
      const best = expected.reduce((b, v, i) => (v > expected[b] ? i : b), 0);
      await expect(consumer.classify(sampleInputs(sample))).to.emit(consumer, "Classified").withArgs(anyAddress, best, expected[best]);
      expect(await consumer.last()).to.deep.equal([BigInt(best), expected[best]]);
    }
  });

  it("reverts on an empty output, and with the model's error before it is finalised", async function () {
    const { consumer, model } = await loadFixture(deployFixture);
    await expect(consumer.classify([[]])).to.be.revertedWithCustomError(consumer, "EmptyOutput");
    const fresh = await ethers.deployContract("EternalModel");
    const early = await ethers.deployContract("ModelConsumer", [await fresh.getAddress()]);
    await expect(early.classify([[1n]])).to.be.revertedWithCustomError(model, "NotFinalised");
  });
});
