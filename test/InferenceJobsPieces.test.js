// InferenceJobs on tensors of more than one piece (PIECE_VALUES = 1,024 values): the pieces a job
// commits to are the ones cut here from the format; steps are handed only the pieces they read, a
// window only the pieces that cover it; pieces of different widths are widened into what predict
// gives; outputs are stored from pieces bit for bit; wrong pieces revert with the job's errors.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { TX_GAS_CAP, PIECE_VALUES, pack, unpack, eventOf, describe: describeTensor, stateHashOf, chainOf, JobRunner } =
  require("./helpers/inferenceJobs");

// 0: input a; 1: ReLU(a); 2: input b; 3: Add(1, 2), an output; 4: ReLU(b), an output. Outputs in
// predict order [4, 3]; every tensor has SIZE values: three pieces, [0, 1024), [1024, 2048), [2048, 2600).
const SIZE = 2600;
const OUTPUTS = [4, 3];
const LAYERS = 5;
const big = (i, bits) => (i % 3 === 0 ? -1n : 1n) * ((1n << bits) + BigInt(i) * 12345n);
// ReLU(a) is 1 byte a value below element 1,024 and 6 above; ReLU(b) 1 byte below 1,300 and 5 above.
const A = Array.from({ length: SIZE }, (_, i) => (i < PIECE_VALUES ? BigInt((i % 200) - 100) : big(i, 40n)));
const B = Array.from({ length: SIZE }, (_, i) => (i < 1300 ? BigInt((i % 50) - 25) : big(i, 33n)));
const relu = (values) => values.map((v) => (v > 0n ? v : 0n));

const widthOf = (packed) => ethers.getBytes(packed)[0];
const flip = (hex, at) => {
  const bytes = ethers.getBytes(hex);
  bytes[at] ^= 1;
  return ethers.hexlify(bytes);
};

describe("InferenceJobs pieces", function () {
  async function deployFixture() {
    const [opener, second] = await ethers.getSigners();
    const jobs = await ethers.deployContract("InferenceJobs");
    const coder = ethers.AbiCoder.defaultAbiCoder();
    const [reluLayer, add] = [await ethers.deployContract("ReLULayer"), await ethers.deployContract("AddLayer")];
    const model = await ethers.deployContract("EternalModel");
    const graph = ethers.toUtf8Bytes('{"pieces":"2600 values"}');
    const [graphHash, weightsHash] = [ethers.sha256(graph), ethers.sha256("0x")];
    const reluConfig = coder.encode(["uint256", "uint256", "int256", "int256", "int256", "uint256", "int256"], [24, 32, 0, 0, 0, 0, 0]);
    const Z = ethers.ZeroAddress;
    const [reluAt, addAt] = [await reluLayer.getAddress(), await add.getAddress()];
    await model.addLayers(0, [Z, reluAt, Z, addAt, reluAt], [
      "0x",
      reluConfig,
      "0x",
      coder.encode(["uint256", "uint256", "uint256"], [24, 32, SIZE]),
      reluConfig,
    ]);
    await model.construct([[], [0], [], [1, 2], [2]], [0, 2], OUTPUTS, graphHash, weightsHash,
      ethers.sha256(ethers.concat([graphHash, weightsHash])), 0, graph.length);
    await model.appendGraph(0, graph);
    await model.finalize();
    const expected = await model.predict([A, B]);
    // Computed here too, so a model that went wrong would not pass for a job that matches it.
    expect(expected.map((o) => [...o])).to.deep.equal([relu(B), relu(A).map((v, i) => v + B[i])]);
    return { opener, second, jobs, model, expected };
  }

  const inputs = () => [pack(A), pack(B)];

  /** A finished job's outputs against predict's, bit for bit, and every step under the gas cap. */
  async function expectLikePredict(jobs, model, runner, expected) {
    expect(await jobs.outputs(runner.jobId)).to.deep.equal(expected);
    expect(await jobs.packedOutputs(runner.jobId)).to.deep.equal(await model.predictPacked(inputs()));
    for (const receipt of runner.receipts) expect(receipt.gasUsed).to.be.lessThan(TX_GAS_CAP);
  }

  it("commits a tensor of more than 1,024 values in pieces of 1,024, each packed at the tensor's width", async function () {
    const { jobs, model, opener, expected } = await loadFixture(deployFixture);
    const runner = await JobRunner.open(jobs, model, inputs(), opener);
    const ends = [1024n, 2048n, 2600n];
    const cut = (values, width) => [0, 1024, 2048].map((at) => pack(values.slice(at, at + PIECE_VALUES), width));
    const [wa, wb] = inputs().map(widthOf);
    expect([wa, wb]).to.deep.equal([6, 5]);
    const hashes = (values, width) => cut(values, width).map((piece) => ethers.keccak256(piece));
    expect(runner.live).to.deep.equal([
      { id: 0n, hashes: hashes(A, wa), ends },
      { id: 2n, hashes: hashes(B, wb), ends },
    ]);
    // Piece 0 of input a holds values of one byte, packed at a's six, not at its own.
    expect(runner.piece(runner.live[0].hashes[0])).to.equal(cut(A, wa)[0]);
    expect((await jobs.job(runner.jobId)).stateHash).to.equal(stateHashOf(runner.live));

    const receipt = await runner.step(2, opener);
    const stage = eventOf(jobs, receipt, "StageDone").args;
    expect([...stage.ids]).to.deep.equal([1n]);
    expect([...stage.tensors]).to.deep.equal([pack(relu(A))]);
    expect(runner.live).to.deep.equal([{ id: 1n, hashes: hashes(relu(A), 6), ends }, { id: 2n, hashes: hashes(B, wb), ends }]);
    expect(describeTensor(1, pack(relu(A)))).to.deep.equal(runner.live[0]); // the helper's rule, checked once
    expect((await jobs.job(runner.jobId)).stateHash).to.equal(stateHashOf(runner.live));
    await runner.step(LAYERS, opener);
    await expectLikePredict(jobs, model, runner, expected);
  });

  it("refuses pieces that are not the committed ones, and a tensor given in part", async function () {
    const { jobs, model, opener } = await loadFixture(deployFixture);
    const runner = await JobRunner.open(jobs, model, inputs(), opener);
    const [id, , live, pieces] = await runner.stepArgs(2);
    const [a, b] = [pieces[0], live[1].hashes.map((h) => runner.piece(h))];
    expect([a.length, pieces[1].length]).to.deep.equal([3, 0]); // ReLU(a) reads a, not b
    const advance = (given) => jobs.advance(id, 2, live, given);
    const slice = (given) => jobs.advanceSlice(id, 10, live, given);
    for (const send of [advance, slice]) {
      await expect(send([a])).to.be.revertedWithCustomError(jobs, "WrongPieceLists").withArgs(2, 1);
      await expect(send([a, [], []])).to.be.revertedWithCustomError(jobs, "WrongPieceLists").withArgs(2, 3);
      await expect(send([a.slice(0, 2), []])).to.be.revertedWithCustomError(jobs, "WrongPieceCount").withArgs(0, 3, 2);
      await expect(send([[...a, a[2]], []])).to.be.revertedWithCustomError(jobs, "WrongPieceCount").withArgs(0, 3, 4);
      await expect(send([[a[0], flip(a[1], 9), a[2]], []])).to.be.revertedWithCustomError(jobs, "WrongPiece").withArgs(0, 1);
      await expect(send([[a[1], a[0], a[2]], []])).to.be.revertedWithCustomError(jobs, "WrongPiece").withArgs(0, 0);
      await expect(send([b, []])).to.be.revertedWithCustomError(jobs, "WrongPiece").withArgs(0, 0);
      // The same values at another width are other bytes: not the piece.
      await expect(send([[a[0], a[1], pack(unpack(a[2]), 8)], []])).to.be.revertedWithCustomError(jobs, "WrongPiece").withArgs(0, 2);
    }
    await runner.step(2, opener);
    expect((await jobs.job(runner.jobId)).nextLayer).to.equal(2n);
  });

  it("windows: handed only the pieces that cover them, across pieces, and refused outside them", async function () {
    const { jobs, model, opener, second, expected } = await loadFixture(deployFixture);
    const runner = await JobRunner.open(jobs, model, inputs(), opener);
    const id = runner.jobId;
    // ReLU(a), elements [0, 100): one piece of a, none of b, though the live set holds 6 pieces.
    const args = await runner.windowArgs(100, [0], [100]);
    expect([args[3][0].first, args[3][0].pieces.length]).to.deep.equal([0, 1]);
    const receipt = await runner.send("advanceWindow", args, second);
    expect(eventOf(jobs, receipt, "SliceDone").args.packed).to.equal(pack(relu(A.slice(0, 100))));
    const sent = ethers.dataLength((await ethers.provider.getTransaction(receipt.hash)).data);
    const whole = ethers.dataLength(pack(A)) + ethers.dataLength(pack(B));
    const bySlice = ethers.dataLength(jobs.interface.encodeFunctionData("advanceSlice", await runner.sliceArgs(200)));
    expect(sent, `advanceWindow ${sent} bytes, live set ${whole}, advanceSlice ${bySlice}`).to.be.below(whole / 3);
    expect(sent).to.be.below(bySlice / 2);

    // [100, 1100) reads a's pieces 0 and 1.
    const across = await runner.windowArgs(1100, [100], [1000]);
    expect([across[3][0].first, across[3][0].pieces.length]).to.deep.equal([0, 2]);
    const [[p0, p1, p2]] = [runner.live[0].hashes.map((h) => runner.piece(h))];
    const window = (w) => jobs.advanceWindow(id, 1100, runner.live, [w]);
    await expect(window({ pieces: [p0], first: 0, offset: 100, count: 1000 }))
      .to.be.revertedWithCustomError(jobs, "WindowNotCovered").withArgs(0, 100, 1000, 0, 1024);
    await expect(window({ pieces: [p1], first: 1, offset: 100, count: 1000 }))
      .to.be.revertedWithCustomError(jobs, "WindowNotCovered").withArgs(0, 100, 1000, 1024, 2048);
    await expect(window({ pieces: [p1, p2], first: 1, offset: 2000, count: 601 }))
      .to.be.revertedWithCustomError(jobs, "WindowNotCovered").withArgs(0, 2000, 601, 1024, 2600);
    await expect(window({ pieces: [p2, p2], first: 2, offset: 2048, count: 10 }))
      .to.be.revertedWithCustomError(jobs, "PiecesOutOfRange").withArgs(0, 2, 2, 3);
    await expect(window({ pieces: [], first: 4, offset: 2600, count: 0 }))
      .to.be.revertedWithCustomError(jobs, "PiecesOutOfRange").withArgs(0, 4, 0, 3);
    await expect(window({ pieces: [p0, p2], first: 0, offset: 100, count: 1000 }))
      .to.be.revertedWithCustomError(jobs, "WrongPiece").withArgs(0, 1);
    const reluAt = (await model.layers())[1];
    await expect(window({ pieces: [p0, p1], first: 0, offset: 150, count: 950 }))
      .to.be.revertedWithCustomError(await ethers.getContractAt("ReLULayer", reluAt), "WindowTooSmall")
      .withArgs(0, 100, 1100, 150, 1100);
    await expect(jobs.advanceWindow(id, 1100, runner.live, []))
      .to.be.revertedWithCustomError(jobs, "WrongWindowCount").withArgs(1, 1, 0);
    await runner.send("advanceWindow", across, opener);
    await runner.window(SIZE, [1100], [1500], opener); // pieces 1 and 2
    expect(runner.slices.ends).to.deep.equal([100n, 1100n, 2124n, 2600n]); // cut every 1,024 from each slice's start
    expect((await jobs.job(id)).slicesHash).to.equal(chainOf(runner.slices.hashes, runner.slices.ends));
    await runner.complete(opener);
    await runner.step(LAYERS, opener);
    await expectLikePredict(jobs, model, runner, expected);
  });

  it("a window over pieces of different widths gives predict's slice; the last step needs every output's data", async function () {
    const { jobs, model, opener, expected } = await loadFixture(deployFixture);
    const runner = await JobRunner.open(jobs, model, inputs(), opener);
    const widths = [];
    for (const end of [1024, SIZE]) widths.push(widthOf(eventOf(jobs, await runner.slice(end, opener), "SliceDone").args.packed));
    expect(widths).to.deep.equal([1, 6]);
    await runner.complete(opener);
    const reluA = runner.live.find((t) => t.id === 1n);
    expect(reluA.ends).to.deep.equal([1024n, 2048n, 2600n]);
    expect(reluA.hashes.map((h) => widthOf(runner.piece(h)))).to.deep.equal([1, 6, 6]);
    expect(runner.tensor(1)).to.equal(pack(relu(A))); // widened, the bytes runStage gives

    await runner.step(3, opener); // input b: nothing to run
    const sum = expected[OUTPUTS.indexOf(3)];
    const sliceOf = (receipt) => eventOf(jobs, receipt, "SliceDone").args.packed;
    const head = [...sum].slice(0, PIECE_VALUES);
    expect(head.some((v) => v < 0n), "negative values in a 1-byte piece, to be sign-extended").to.equal(true);
    expect(sliceOf(await runner.window(PIECE_VALUES, [0, 0], [PIECE_VALUES, PIECE_VALUES], opener))).to.equal(pack(head, 1));
    // ReLU(a)'s window [1000, 2600) is cut from its 1-byte piece and its two 6-byte pieces.
    const across = await runner.windowArgs(SIZE, [1000, 1024], [1600, 1576]);
    expect(across[3][0].pieces.map(widthOf)).to.deep.equal([1, 6, 6]);
    expect(sliceOf(await runner.send("advanceWindow", across, opener))).to.equal(pack([...sum].slice(PIECE_VALUES)));
    await runner.complete(opener);
    expect(runner.ids).to.deep.equal([2n, 3n]);
    expect(runner.live[1].hashes.map((h) => widthOf(runner.piece(h)))).to.deep.equal([1, 6, 6]);

    // The last step runs ReLU(b), which does not read output 3: its data must come all the same.
    const [id, to, live, pieces] = await runner.stepArgs(LAYERS);
    expect(pieces.map((p) => p.length)).to.deep.equal([3, 3]);
    await expect(jobs.advance(id, to, live, [pieces[0], []]))
      .to.be.revertedWithCustomError(jobs, "MissingOutput").withArgs(id, 3);
    await runner.send("advance", [id, to, live, pieces], opener);
    // Output 3 stored from a 1-byte piece of negative values and two 6-byte pieces: predictPacked's bytes.
    expect((await jobs.packedOutputs(id))[1]).to.equal(pack([...sum]));
    await expectLikePredict(jobs, model, runner, expected);
  });

  it("completeLayer as the last layer stores the outputs from their pieces, bit for bit", async function () {
    const { jobs, model, opener, second, expected } = await loadFixture(deployFixture);
    const runner = await JobRunner.open(jobs, model, inputs(), opener);
    await runner.step(4, opener);
    expect(runner.ids).to.deep.equal([2n, 3n]);
    for (const end of [1300, SIZE]) await runner.slice(end, second); // ReLU(b): 1-byte values, then 5-byte
    expect(runner.slices.ends).to.deep.equal([1024n, 1300n, 2324n, 2600n]);
    expect(runner.slices.pieces.map(widthOf)).to.deep.equal([1, 1, 5, 5]);
    const committed = chainOf(runner.slices.hashes, runner.slices.ends);
    expect((await jobs.job(runner.jobId)).slicesHash).to.equal(committed);

    const [id, live, pieces, output, outputPieces] = await runner.completeArgs();
    expect([pieces.map((p) => p.length), outputPieces.length]).to.deep.equal([[0, 3], 4]);
    const complete = (p, o, op) => jobs.completeLayer(id, live, p, o, op);
    await expect(complete([[], []], output, outputPieces)).to.be.revertedWithCustomError(jobs, "MissingOutput").withArgs(id, 3);
    await expect(complete(pieces, output, [])).to.be.revertedWithCustomError(jobs, "MissingOutput").withArgs(id, 4);
    await expect(complete(pieces, output, outputPieces.slice(1)))
      .to.be.revertedWithCustomError(jobs, "WrongPieceCount").withArgs(4, 4, 3);
    const tampered = [...outputPieces];
    tampered[2] = flip(tampered[2], 1);
    await expect(complete(pieces, output, tampered)).to.be.revertedWithCustomError(jobs, "WrongPiece").withArgs(4, 2);
    await expect(complete([[], pieces[1].slice(0, 2)], output, outputPieces))
      .to.be.revertedWithCustomError(jobs, "WrongPieceCount").withArgs(3, 3, 2);
    await expect(complete([pieces[1]], output, outputPieces)).to.be.revertedWithCustomError(jobs, "WrongPieceLists").withArgs(2, 1);
    for (const wrong of [
      { ...output, ends: [1024n, 1301n, 2324n, 2600n] },
      { ...output, hashes: [...output.hashes.slice(0, 3), ethers.keccak256(tampered[2])] },
      { ...output, hashes: output.hashes.slice(0, 3), ends: output.ends.slice(0, 3) },
    ]) {
      await expect(complete(pieces, wrong, outputPieces))
        .to.be.revertedWithCustomError(jobs, "WrongSlices").withArgs(id, committed, chainOf(wrong.hashes, wrong.ends));
    }
    await runner.send("completeLayer", [id, live, pieces, output, outputPieces], opener);
    expect(eventOf(jobs, runner.receipts.at(-1), "JobDone").args.jobId).to.equal(id);
    // Output 4 merged from 1- and 5-byte pieces at 5 bytes: predictPacked's bytes.
    expect((await jobs.packedOutputs(id))[0]).to.equal(pack(relu(B)));
    await expectLikePredict(jobs, model, runner, expected);
  });
});
