// Driving InferenceJobs from the tests: a job run step by step, each step's tensors taken from the
// event of the step before (packed tensors: ./packedTensor.js).
const { packTensor: pack, unpackTensor: unpack } = require("./packedTensor");

const TX_GAS_CAP = 16_777_216n; // EIP-7825: no transaction may use more

/** The named event of `contract` in a receipt (the first, or undefined). */
function eventOf(contract, receipt, name) {
  for (const log of receipt.logs) {
    let parsed = null;
    try {
      parsed = contract.interface.parseLog(log);
    } catch {
      continue; // another contract's log
    }
    if (parsed && parsed.name === name) return parsed;
  }
  return undefined;
}

/**
 * A job's client-side state: what the next step must supply, carried from the events.
 * `step(to)` / `slice(end)` / `complete()` send one step (from `signer`) and return its receipt.
 */
class JobRunner {
  constructor(jobs, jobId, opened) {
    this.jobs = jobs;
    this.jobId = jobId;
    this.ids = [...opened.args.ids];
    this.tensors = [...opened.args.tensors];
    this.slices = [];
    this.receipts = [];
  }

  static async open(jobs, model, inputs, signer) {
    const receipt = await (await jobs.connect(signer).open(await model.getAddress(), inputs)).wait();
    const opened = eventOf(jobs, receipt, "JobOpened");
    const runner = new JobRunner(jobs, opened.args.jobId, opened);
    runner.receipts.push(receipt);
    return runner;
  }

  async step(to, signer) {
    return this._take(await (await this.jobs.connect(signer).advance(this.jobId, to, this.ids, this.tensors)).wait());
  }

  async slice(end, signer) {
    return this._take(await (await this.jobs.connect(signer).advanceSlice(this.jobId, end, this.ids, this.tensors)).wait());
  }

  /** A slice from windows of the layer's inputs: elements `[offsets[k], offsets[k] + counts[k])` of input k. */
  async window(end, offsets, counts, signer) {
    const tx = await this.jobs.connect(signer).advanceWindow(this.jobId, end, this.ids, this.tensors, offsets, counts);
    return this._take(await tx.wait());
  }

  /** Joins the layer's slices (after the one that reached its end). */
  async complete(signer) {
    const tx = await this.jobs.connect(signer).completeLayer(this.jobId, this.ids, this.tensors, this.slices);
    return this._take(await tx.wait());
  }

  _take(receipt) {
    this.receipts.push(receipt);
    const sliced = eventOf(this.jobs, receipt, "SliceDone");
    if (sliced) this.slices.push(sliced.args.packed);
    const stage = eventOf(this.jobs, receipt, "StageDone");
    if (stage) {
      this.ids = [...stage.args.ids];
      this.tensors = [...stage.args.tensors];
      this.slices = [];
    }
    return receipt;
  }
}

module.exports = { TX_GAS_CAP, pack, unpack, eventOf, JobRunner };
