// InferenceJobs on real fixture models: jobs advanced by stages and by slices, by several senders,
// give predict's outputs bit for bit; every step is one transaction under the 16,777,216 gas cap;
// tampered pieces, live sets and slices and out-of-turn steps revert with the job's errors. Tensors of
// more than one piece: InferenceJobsPieces.test.js.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { readFixture, sampleInputs } = require("./helpers/fixtureFiles");
const { deployPlan } = require("./helpers/deployModel");
const { TX_GAS_CAP, pack, unpack, eventOf, describe: describeTensor, stateHashOf, chainOf, JobRunner } = require("./helpers/inferenceJobs");

// small_cnn: Input 8x8x1, Conv2D 8x8x8, MaxPooling2D 4x4x8, DepthwiseConv2D 4x4x8, Conv2D 4x4x12,
// GlobalAveragePooling2D 12, Dense 4. merge_layers: Input 6, three Dense 8 from it, Add and Multiply of
// the three, Concatenate(Add, Multiply, Input) 22, Dense 4. concatenate_axis: two inputs.
const LAYERS = 7;

function graphOf(plan) {
  return JSON.parse(ethers.toUtf8String(ethers.concat(plan.graph_chunks)));
}

describe("InferenceJobs", function () {
  async function deployFixture() {
    const [opener, second, third] = await ethers.getSigners();
    const jobs = await ethers.deployContract("InferenceJobs");
    const cnn = readFixture("small_cnn");
    const merge = readFixture("merge_layers");
    const twoInputs = readFixture("concatenate_axis");
    const { model } = await deployPlan(cnn.plan);
    const { model: mergeModel } = await deployPlan(merge.plan);
    const { model: twoInputModel } = await deployPlan(twoInputs.plan);
    return { opener, second, third, jobs, cnn, model, merge, mergeModel, twoInputs, twoInputModel };
  }

  const packed = (sample) => sampleInputs(sample).map((values) => pack(values));

  /** Outputs of a finished job against predict and predictPacked, and every step's gas under the cap. */
  async function expectLikePredict(jobs, model, runner, sample) {
    const expected = await model.predict(sampleInputs(sample));
    expect(await jobs.outputs(runner.jobId)).to.deep.equal(expected);
    expect(expected.map((o) => [...o])).to.deep.equal(sample.expected.map((o) => o.map(BigInt)));
    expect(await jobs.packedOutputs(runner.jobId)).to.deep.equal(await model.predictPacked(packed(sample)));
    const record = await jobs.job(runner.jobId);
    expect(record.done).to.equal(true);
    expect(record.nextLayer).to.equal(record.layerCount);
    for (const receipt of runner.receipts) expect(receipt.gasUsed).to.be.lessThan(TX_GAS_CAP);
  }

  it("a job of one stage per layer gives predict's outputs bit for bit, on every sample", async function () {
    const { jobs, cnn, model, opener } = await loadFixture(deployFixture);
    for (const sample of cnn.samples) {
      const runner = await JobRunner.open(jobs, model, packed(sample), opener);
      const record = await jobs.job(runner.jobId);
      // The input layer computes nothing: the job starts at layer 1.
      expect([record.layerCount, record.nextLayer, record.done]).to.deep.equal([BigInt(LAYERS), 1n, false]);
      expect(eventOf(jobs, runner.receipts[0], "JobOpened").args.nextLayer).to.equal(1n);
      for (let to = 2; to <= LAYERS; to += 1) {
        const receipt = await runner.step(to, opener);
        const stage = eventOf(jobs, receipt, "StageDone");
        expect([stage.args.from, stage.args.to]).to.deep.equal([BigInt(to - 1), BigInt(to)]);
        expect([...stage.args.ids]).to.deep.equal([BigInt(to - 1)]); // the one tensor the layer computed
        // Each tensor computed whole is committed as one piece per 1,024 values (here all are smaller).
        const described = runner.ids.map((id) => describeTensor(id, runner.tensor(id)));
        expect(runner.live).to.deep.equal(described);
        const record = await jobs.job(runner.jobId);
        expect([record.nextLayer, record.stateHash]).to.deep.equal([BigInt(to), stateHashOf(runner.live)]);
      }
      expect(eventOf(jobs, runner.receipts.at(-1), "JobDone").args.jobId).to.equal(runner.jobId);
      await expectLikePredict(jobs, model, runner, sample);
    }
    expect(await jobs.jobCount()).to.equal(BigInt(cnn.samples.length));
  });

  it("stages of several layers, advanced by senders other than the opener", async function () {
    const { jobs, cnn, model, opener, second, third } = await loadFixture(deployFixture);
    const sample = cnn.samples[1];
    const runner = await JobRunner.open(jobs, model, packed(sample), opener);
    await runner.step(3, second);
    await runner.step(5, third);
    await runner.step(LAYERS, second);
    expect((await jobs.job(runner.jobId)).opener).to.equal(opener.address);
    await expectLikePredict(jobs, model, runner, sample);
  });

  it("slices: layers computed rows at a time, or element by element, give the same outputs", async function () {
    const { jobs, cnn, model, opener, second } = await loadFixture(deployFixture);
    const sample = cnn.samples[2];
    const runner = await JobRunner.open(jobs, model, packed(sample), opener);
    for (const end of [128, 320, 512]) await runner.slice(end, second); // Conv2D 8x8x8: rows of 64
    const computed = await jobs.job(runner.jobId);
    expect([computed.nextLayer, computed.sliceDone, computed.slicesComplete]).to.deep.equal([1n, 512n, true]);
    const joined = await runner.complete(opener);
    expect(eventOf(jobs, joined, "SliceDone")).to.equal(undefined);
    const stage = eventOf(jobs, joined, "StageDone").args;
    expect([stage.from, stage.to]).to.deep.equal([1n, 2n]);
    const after = await jobs.job(runner.jobId);
    expect([after.nextLayer, after.sliceDone, after.slicesComplete, after.slicesHash])
      .to.deep.equal([2n, 0n, false, ethers.ZeroHash]);
    await runner.step(3, opener);
    await runner.slice(32, opener); // DepthwiseConv2D 4x4x8: one row, then the rest
    const progress = await jobs.job(runner.jobId);
    expect([progress.nextLayer, progress.sliceDone, progress.slicesComplete]).to.deep.equal([3n, 32n, false]);
    await runner.slice(128, second);
    await runner.complete(second);
    await runner.step(6, opener);
    const widths = [];
    for (let end = 1; end <= 4; end += 1) {
      const receipt = await runner.slice(end, second); // Dense 4, one element a step
      const slice = eventOf(jobs, receipt, "SliceDone").args;
      expect([slice.layer, slice.start, slice.end, slice.size]).to.deep.equal([6n, BigInt(end - 1), BigInt(end), 4n]);
      widths.push(ethers.getBytes(slice.packed)[0]);
    }
    expect(new Set(widths).size, "slices of different widths are widened into one").to.be.greaterThan(1);
    await runner.complete(opener);
    await expectLikePredict(jobs, model, runner, sample);
  });

  it("a completed layer leaves the live set runStage leaves; a job ending in slices stores only the outputs", async function () {
    const { jobs, merge, mergeModel, opener } = await loadFixture(deployFixture);
    const graph = graphOf(merge.plan);
    // Input 0 is read last by the Concatenate (6), the Dense layers 1-3 by the Multiply (5), the Add (4)
    // and Multiply by the Concatenate, the Concatenate by the final Dense (7), a model output.
    expect(await mergeModel.lastReaders()).to.deep.equal([6n, 5n, 5n, 5n, 6n, 6n, 7n, ethers.MaxUint256]);
    for (const sample of merge.samples) {
      const runner = await JobRunner.open(jobs, mergeModel, packed(sample), opener);
      await runner.step(5, opener);
      expect(runner.ids).to.deep.equal([0n, 1n, 2n, 3n, 4n]);
      const [stageIds, stageTensors] = await mergeModel.runStage(5, 6, runner.ids, runner.ids.map((id) => runner.tensor(id)));
      await runner.slice(3, opener);
      await runner.slice(8, opener);
      await runner.complete(opener); // Multiply was the last to read 1, 2, 3: they go
      expect(runner.ids).to.deep.equal([0n, 4n, 5n]);
      expect([runner.ids, runner.ids.map((id) => runner.tensor(id))]).to.deep.equal([[...stageIds], [...stageTensors]]);
      // The completed layer is committed as its slices' pieces, not re-cut.
      expect(runner.live[2].ends).to.deep.equal([3n, 8n]);
      await runner.step(7, opener);
      expect(runner.ids).to.deep.equal([6n]);
      const size = graph.layers[7].output_shape.reduce((a, b) => a * b, 1);
      await runner.slice(size, opener);
      expect(await jobs.packedOutputs(runner.jobId).catch((e) => e.message)).to.match(/JobNotDone/);
      await runner.complete(opener);
      expect(runner.ids).to.deep.equal([7n]);
      await expectLikePredict(jobs, mergeModel, runner, sample);
    }
  });

  it("windows: slices computed from windows of the inputs equal runSlice's, and the job predict's", async function () {
    const { jobs, merge, mergeModel, cnn, model, opener, second } = await loadFixture(deployFixture);
    const sample = merge.samples[0];
    const runner = await JobRunner.open(jobs, mergeModel, packed(sample), opener);
    await runner.step(5, opener);
    expect(await mergeModel.layerSources(5)).to.deep.equal([1n, 2n, 3n]); // Multiply of the three Dense
    const [whole] = await mergeModel.runSlice(5, 0, 3, runner.ids, runner.ids.map((id) => runner.tensor(id)));
    const receipt = await runner.window(3, [0, 0, 0], [3, 3, 3], second);
    expect(eventOf(jobs, receipt, "SliceDone").args.packed).to.equal(whole);
    await runner.window(8, [3, 2, 3], [5, 6, 5], opener); // a window may hold more than the slice reads
    await runner.complete(opener);
    await runner.step(8, opener);
    await expectLikePredict(jobs, mergeModel, runner, sample);

    const cnnSample = cnn.samples[1];
    const cnnRunner = await JobRunner.open(jobs, model, packed(cnnSample), opener);
    // Conv2D 3x3 "same" over 8x8x1: output rows 0-1 (128 values) read input rows 0-2 (24 values).
    await cnnRunner.window(128, [0], [24], opener);
    await cnnRunner.slice(512, opener);
    await cnnRunner.complete(opener);
    await cnnRunner.step(LAYERS, opener);
    await expectLikePredict(jobs, model, cnnRunner, cnnSample);
  });

  it("refuses windows that miss what the slice reads, are not covered by their pieces, or are not one per input", async function () {
    const { jobs, merge, mergeModel, opener } = await loadFixture(deployFixture);
    const runner = await JobRunner.open(jobs, mergeModel, packed(merge.samples[1]), opener);
    await runner.step(5, opener);
    const id = runner.jobId;
    const multiply = await ethers.getContractAt("MultiplyLayer", (await mergeModel.layers())[5]);
    const windows = async (offsets, counts) => (await runner.windowArgs(3, offsets, counts))[3];
    const send = (w, live = runner.live) => jobs.advanceWindow(id, 3, live, w);
    await expect(send(await windows([0, 1, 0], [3, 2, 3])))
      .to.be.revertedWithCustomError(multiply, "WindowTooSmall").withArgs(1, 0, 3, 1, 3);
    // Tensor 2 has 8 values, one piece: a window of 4 from 5 runs past it.
    await expect(send(await windows([0, 5, 0], [3, 4, 3])))
      .to.be.revertedWithCustomError(jobs, "WindowNotCovered").withArgs(2, 5, 4, 0, 8);
    const good = await windows([0, 0, 0], [3, 3, 3]);
    const noPiece = { ...good[1], pieces: [] }; // three elements, no piece to cut them from
    await expect(send([good[0], noPiece, good[2]]))
      .to.be.revertedWithCustomError(jobs, "WindowNotCovered").withArgs(2, 0, 3, 0, 0);
    for (const [first, count] of [[1, 1], [0, 2], [2, 0]]) {
      const outside = { ...good[2], first, pieces: Array(count).fill(good[2].pieces[0]) };
      await expect(send([good[0], good[1], outside]))
        .to.be.revertedWithCustomError(jobs, "PiecesOutOfRange").withArgs(3, first, count, 1);
    }
    await expect(send([good[0], good[2], good[2]])) // tensor 3's piece given for tensor 2
      .to.be.revertedWithCustomError(jobs, "WrongPiece").withArgs(2, 0);
    await expect(send(good.slice(0, 2)))
      .to.be.revertedWithCustomError(jobs, "WrongWindowCount").withArgs(5, 3, 2);
    const short = runner.live.slice(0, 3);
    await expect(send(good, short))
      .to.be.revertedWithCustomError(jobs, "WrongStateHash").withArgs(id, (await jobs.job(id)).stateHash, stateHashOf(short));
    await runner.window(8, [0, 0, 0], [8, 8, 8], opener);
    await expect(jobs.advanceWindow(...(await runner.windowArgs(8, [0, 0, 0], [8, 8, 8]))))
      .to.be.revertedWithCustomError(jobs, "SlicesComplete").withArgs(id, 5);
  });

  it("a model of two inputs: inputs in predict order, the live set by ascending id", async function () {
    const { jobs, twoInputs, twoInputModel, opener } = await loadFixture(deployFixture);
    const sample = twoInputs.samples[0];
    const runner = await JobRunner.open(jobs, twoInputModel, packed(sample), opener);
    expect(runner.ids).to.deep.equal([0n, 1n]);
    expect((await jobs.job(runner.jobId)).nextLayer).to.equal(2n);
    await runner.step(3, opener);
    await runner.step(5, opener);
    await expectLikePredict(jobs, twoInputModel, runner, sample);
  });

  it("a model input after a computed layer stays in the live set until a layer reads it", async function () {
    // 0: input a; 1: ReLU(a); 2: input b; 3: Add(1, 2). runStage returns only ids below its `to`.
    const { jobs, opener } = await loadFixture(deployFixture);
    const coder = ethers.AbiCoder.defaultAbiCoder();
    const [relu, add] = [await ethers.deployContract("ReLULayer"), await ethers.deployContract("AddLayer")];
    const model = await ethers.deployContract("EternalModel");
    const graph = ethers.toUtf8Bytes('{"late":"input"}');
    const [graphHash, weightsHash] = [ethers.sha256(graph), ethers.sha256("0x")];
    const Z = ethers.ZeroAddress;
    await model.addLayers(0, [Z, await relu.getAddress(), Z, await add.getAddress()], [
      "0x",
      coder.encode(["uint256", "uint256", "int256", "int256", "int256", "uint256", "int256"], [24, 32, 0, 0, 0, 0, 0]),
      "0x",
      coder.encode(["uint256", "uint256", "uint256"], [24, 32, 6]),
    ]);
    await model.construct([[], [0], [], [1, 2]], [0, 2], [3], graphHash, weightsHash,
      ethers.sha256(ethers.concat([graphHash, weightsHash])), 0, graph.length);
    await model.appendGraph(0, graph);
    await model.finalize();
    const a = [-3n, 5n, 0n, 7n << 24n, -(1n << 30n), 1n];
    const b = [10n, -20n, 30n, -40n, 50n, 1n << 40n];
    const expected = await model.predict([a, b]);
    for (const sliced of [false, true]) {
      const runner = await JobRunner.open(jobs, model, [pack(a), pack(b)], opener);
      expect((await jobs.job(runner.jobId)).nextLayer).to.equal(1n);
      if (sliced) {
        await runner.slice(2, opener);
        await runner.slice(6, opener);
        await runner.complete(opener);
      } else {
        await runner.step(2, opener);
      }
      expect(runner.ids).to.deep.equal([1n, 2n]); // input a goes (ReLU was its reader), b stays for the Add
      await runner.step(4, opener);
      expect(await jobs.outputs(runner.jobId)).to.deep.equal(expected);
    }
  });

  it("a model of input and identity layers only is done when opened", async function () {
    const { jobs, opener } = await loadFixture(deployFixture);
    const model = await ethers.deployContract("EternalModel");
    const graph = ethers.toUtf8Bytes('{"format":"eternal-graph/1","layers":["x","flatten"]}');
    const [graphHash, weightsHash] = [ethers.sha256(graph), ethers.sha256("0x")];
    await model.addLayers(0, [ethers.ZeroAddress, ethers.ZeroAddress], ["0x", "0x"]);
    await model.construct([[], [0]], [0], [1], graphHash, weightsHash, ethers.sha256(ethers.concat([graphHash, weightsHash])),
      0, graph.length);
    await model.appendGraph(0, graph);
    await model.finalize();
    const values = [1n, -2n, 300n];
    const runner = await JobRunner.open(jobs, model, [pack(values)], opener);
    const receipt = runner.receipts[0];
    expect(eventOf(jobs, receipt, "JobOpened").args.nextLayer).to.equal(2n); // nothing to run
    expect(eventOf(jobs, receipt, "JobDone").args.jobId).to.equal(runner.jobId);
    expect(await jobs.outputs(runner.jobId)).to.deep.equal([values]);
    await expect(jobs.advance(...(await runner.stepArgs(2))))
      .to.be.revertedWithCustomError(jobs, "JobAlreadyDone").withArgs(runner.jobId);
  });

  it("rejects tampered pieces, live sets and slices, and steps out of turn", async function () {
    const { jobs, cnn, model, opener, second } = await loadFixture(deployFixture);
    const sample = cnn.samples[0];
    const runner = await JobRunner.open(jobs, model, packed(sample), opener);
    await runner.step(2, opener);
    const id = runner.jobId;
    const committed = (await jobs.job(id)).stateHash;
    const [, , live, pieces] = await runner.stepArgs(3); // MaxPooling2D reads the Conv2D's output, one piece
    const tampered = ethers.getBytes(pieces[0][0]);
    tampered[5] ^= 1;
    await expect(jobs.connect(second).advance(id, 3, live, [[ethers.hexlify(tampered)]]))
      .to.be.revertedWithCustomError(jobs, "WrongPiece").withArgs(1, 0);
    await expect(jobs.advance(id, 3, live, [])).to.be.revertedWithCustomError(jobs, "WrongPieceLists").withArgs(1, 0);
    await expect(jobs.advance(id, 3, live, [[]])).to.be.revertedWithCustomError(model, "MissingTensor").withArgs(2, 1);
    const forgedLive = [{ ...live[0], hashes: [ethers.keccak256(tampered)] }];
    const renamed = [{ ...live[0], id: 7n }];
    for (const wrong of [forgedLive, renamed, []]) {
      await expect(jobs.advance(id, 3, wrong, [[ethers.hexlify(tampered)]]))
        .to.be.revertedWithCustomError(jobs, "WrongStateHash").withArgs(id, committed, stateHashOf(wrong));
    }
    await expect(jobs.advance(id, 9, live, pieces)).to.be.revertedWithCustomError(model, "BadStage");

    const noSlices = { id: 2n, hashes: [], ends: [] };
    await expect(jobs.completeLayer(id, live, [[]], noSlices, []))
      .to.be.revertedWithCustomError(jobs, "SlicesIncomplete").withArgs(id, 2, 0);
    await runner.slice(32, opener); // layer 2 (MaxPooling2D 4x4x8), one row
    await expect(jobs.advance(...(await runner.stepArgs(3))))
      .to.be.revertedWithCustomError(jobs, "SliceInProgress").withArgs(id, 2, 32);
    await expect(jobs.completeLayer(...(await runner.completeArgs())))
      .to.be.revertedWithCustomError(jobs, "SlicesIncomplete").withArgs(id, 2, 32);
    await runner.slice(128, second);
    await expect(jobs.advance(...(await runner.stepArgs(3))))
      .to.be.revertedWithCustomError(jobs, "SliceInProgress").withArgs(id, 2, 128);
    await expect(jobs.advanceSlice(...(await runner.sliceArgs(129))))
      .to.be.revertedWithCustomError(jobs, "SlicesComplete").withArgs(id, 2);
    // Two slices of fewer than 1,024 values: a piece each.
    const [first, last] = runner.slices.hashes;
    expect(runner.slices.ends).to.deep.equal([32n, 128n]);
    const committedSlices = chainOf([first, last], [32n, 128n]);
    expect((await jobs.job(id)).slicesHash).to.equal(committedSlices);
    const forged = ethers.keccak256(pack([...unpack(runner.slices.pieces[0])].map((v) => v + 1n)));
    for (const [hashes, ends] of [
      [[forged, last], [32n, 128n]],
      [[last, first], [32n, 128n]],
      [[last, first], [128n, 32n]],
      [[first, last], [33n, 128n]],
      [[first], [32n]],
      [[first, last, last], [32n, 128n, 128n]],
      [[], []],
    ]) {
      await expect(jobs.completeLayer(id, live, [[]], { id: 2n, hashes, ends }, []))
        .to.be.revertedWithCustomError(jobs, "WrongSlices").withArgs(id, committedSlices, chainOf(hashes, ends));
    }
    await expect(jobs.completeLayer(id, live, [[]], { id: 2n, hashes: [first, last], ends: [128n] }, []))
      .to.be.revertedWithCustomError(jobs, "WrongSlices").withArgs(id, committedSlices, ethers.ZeroHash); // unequal lists
    const [, , , output] = await runner.completeArgs();
    await expect(jobs.completeLayer(id, live, [[]], { ...output, id: 3n }, []))
      .to.be.revertedWithCustomError(jobs, "WrongSlices").withArgs(id, committedSlices, committedSlices);
    await expect(jobs.completeLayer(id, forgedLive, [[]], output, []))
      .to.be.revertedWithCustomError(jobs, "WrongStateHash").withArgs(id, committed, stateHashOf(forgedLive));
    await runner.complete(second);
    expect(runner.live.find((t) => t.id === 2n)).to.deep.equal(output); // the slices' pieces, as they were
    await expect(jobs.completeLayer(id, runner.live, [[]], { id: 3n, hashes: [], ends: [] }, []))
      .to.be.revertedWithCustomError(jobs, "SlicesIncomplete").withArgs(id, 3, 0);
    await expect(jobs.packedOutputs(id)).to.be.revertedWithCustomError(jobs, "JobNotDone").withArgs(id);
    await runner.step(LAYERS, opener);
    await expect(jobs.advance(id, LAYERS, runner.live, [[]]))
      .to.be.revertedWithCustomError(jobs, "JobAlreadyDone").withArgs(id);
    await expect(jobs.advanceSlice(id, 1, runner.live, [[]]))
      .to.be.revertedWithCustomError(jobs, "JobAlreadyDone").withArgs(id);
    await expect(jobs.advanceWindow(id, 1, runner.live, []))
      .to.be.revertedWithCustomError(jobs, "JobAlreadyDone").withArgs(id);
    await expect(jobs.completeLayer(id, runner.live, [[]], output, []))
      .to.be.revertedWithCustomError(jobs, "JobAlreadyDone").withArgs(id);
    await expectLikePredict(jobs, model, runner, sample);
  });

  it("refuses unknown jobs, models that are not finalised, wrong and malformed inputs", async function () {
    const { jobs, cnn, model, opener } = await loadFixture(deployFixture);
    await expect(jobs.job(1)).to.be.revertedWithCustomError(jobs, "UnknownJob").withArgs(1);
    await expect(jobs.advance(0, 1, [], [])).to.be.revertedWithCustomError(jobs, "UnknownJob").withArgs(0);
    await expect(jobs.outputs(5)).to.be.revertedWithCustomError(jobs, "UnknownJob").withArgs(5);
    const inputs = packed(cnn.samples[0]);
    const { model: unfinished } = await deployPlan(cnn.plan, { upTo: "uploaded" });
    for (const address of [await unfinished.getAddress(), opener.address, await jobs.getAddress()]) {
      await expect(jobs.open(address, inputs)).to.be.revertedWithCustomError(jobs, "ModelNotFinalised").withArgs(address);
    }
    await expect(jobs.open(model, [...inputs, inputs[0]])).to.be.revertedWithCustomError(jobs, "WrongInputCount").withArgs(1, 2);
    for (const malformed of ["0x", "0x00", "0x21", "0x0201"]) {
      await expect(jobs.open(model, [malformed]))
        .to.be.revertedWithCustomError(jobs, "MalformedInput").withArgs(0, ethers.dataLength(malformed));
    }
  });
});
