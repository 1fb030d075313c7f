// JobConsumer opens an inference job on a real model, other accounts advance it a step a
// transaction, and the consumer reads the stored outputs and records their argmax.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { readFixture, sampleInputs } = require("../helpers/fixtureFiles");
const { deployPlan } = require("../helpers/deployModel");
const { pack, eventOf, JobRunner } = require("../helpers/inferenceJobs");

describe("JobConsumer", function () {
  async function deployFixture() {
    const [caller, keeper] = await ethers.getSigners();
    const fixture = readFixture("small_cnn");
    const { model } = await deployPlan(fixture.plan);
    const jobs = await ethers.deployContract("InferenceJobs");
    const consumer = await ethers.deployContract("JobConsumer", [await jobs.getAddress(), await model.getAddress()]);
    return { caller, keeper, fixture, model, jobs, consumer };
  }

  /** Has the consumer open a job on `sample`; returns a runner to advance it. */
  async function request(consumer, jobs, sample, caller) {
    const receipt = await (await consumer.connect(caller).request(sampleInputs(sample).map((values) => pack(values)))).wait();
    const opened = eventOf(jobs, receipt, "JobOpened");
    expect(eventOf(consumer, receipt, "Requested").args.jobId).to.equal(opened.args.jobId);
    return JobRunner.fromReceipt(jobs, receipt);
  }

  it("opens a job, others advance it, settle records the argmax of the stored output", async function () {
    const { caller, keeper, fixture, model, jobs, consumer } = await loadFixture(deployFixture);
    expect(await consumer.targets()).to.deep.equal([await jobs.getAddress(), await model.getAddress()]);
    for (const sample of fixture.samples) {
      const runner = await request(consumer, jobs, sample, caller);
      expect((await jobs.job(runner.jobId)).opener).to.equal(await consumer.getAddress());
      await runner.step(3, keeper);
      await expect(consumer.settle(runner.jobId)).to.be.revertedWithCustomError(jobs, "JobNotDone").withArgs(runner.jobId);
      await runner.step(7, keeper);
      const expected = (await model.predict(sampleInputs(sample)))[0];
      const best = expected.reduce((b, v, i) => (v > expected[b] ? i : b), 0);
      await expect(consumer.connect(keeper).settle(runner.jobId))
        .to.emit(consumer, "Classified").withArgs(runner.jobId, best, expected[best]);
      expect(await consumer.result(runner.jobId)).to.deep.equal([caller.address, true, BigInt(best), expected[best]]);
      await expect(consumer.settle(runner.jobId)).to.be.revertedWithCustomError(consumer, "AlreadySettled").withArgs(runner.jobId);
    }
  });

  it("settles only its own jobs", async function () {
    const { caller, fixture, model, jobs, consumer } = await loadFixture(deployFixture);
    const runner = await JobRunner.open(jobs, model, sampleInputs(fixture.samples[0]).map((values) => pack(values)), caller);
    await runner.step(7, caller);
    await expect(consumer.settle(runner.jobId)).to.be.revertedWithCustomError(consumer, "NotRequested").withArgs(runner.jobId);
    expect(await consumer.result(runner.jobId)).to.deep.equal([ethers.ZeroAddress, false, 0n, 0n]);
  });
});
