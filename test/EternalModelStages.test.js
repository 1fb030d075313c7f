// Staged inference (IEternalModel.predictPacked, tensorIds, runStage, runSlice, runWindow) over committed
// fixtures: branching graphs (Add/Multiply/Concatenate, two inputs), identity layers, two
// outputs, convolutions. Every way of cutting a model into stages, and every slice, must give
// predict's outputs bit for bit; each new revert is checked; and memory compaction with a model
// input that comes after a computed layer.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { readFixture, sampleInputs } = require("./helpers/fixtureFiles");
const { deployImplementations, deployPlan } = require("./helpers/deployModel");
const { packTensor, unpackTensor, calldataGas } = require("./helpers/packedTensor");

const FIXTURES = ["merge_layers", "concatenate_axis", "small_cnn", "dense_no_bias_3d", "global_pooling", "activation_layers",
  "small_cnn_int8"];
const coder = ethers.AbiCoder.defaultAbiCoder();

/** Canonical id of every layer of a plan: identity layers (no contract) alias their input. */
function canonicalIds(plan) {
  const canonical = [];
  plan.layers.forEach((layer, i) => {
    canonical[i] = plan.inputs.includes(i) || layer.contract ? i : canonical[layer.inbound[0]];
  });
  return canonical;
}

/** Per canonical layer, the last layer reading it (Infinity: a model output; -1: none). */
function lastUses(plan) {
  const canonical = canonicalIds(plan);
  const last = plan.layers.map(() => -1);
  plan.layers.forEach((layer, i) => layer.inbound.forEach((j) => (last[canonical[j]] = i)));
  plan.outputs.forEach((i) => (last[canonical[i]] = Infinity));
  return last;
}

/** Whether layer i has a contract the walk runs (not a model input, not an identity layer). */
function computes(plan, i) {
  return !plan.inputs.includes(i) && Boolean(plan.layers[i].contract);
}

/** The ids runStage(from, to) must return, given tensors `given` (ids), from the plan alone. */
function expectedOutIds(plan, from, to, given) {
  const last = lastUses(plan);
  const ids = [];
  for (let j = 0; j < to; j++) {
    if (last[j] >= to && (given.includes(j) || (j >= from && computes(plan, j)))) ids.push(j);
  }
  return ids;
}

/** runStage as plain JS values: {ids: [Number], tensors: [hex], gasUsed: [Number]}. */
async function runStage(model, from, to, ids, tensors) {
  const [outIds, outTensors, gasUsed] = await model.runStage(from, to, ids, tensors);
  return { ids: outIds.map(Number), tensors: [...outTensors], gasUsed: gasUsed.map(Number) };
}

/**
 * What to give the stage starting at `from`: the previous stage's tensors (all with id < from)
 * and the model inputs with id >= from (a stage passes on only ids below its end).
 */
function nextGiven(previous, plan, packedInputs, from) {
  const ids = [...previous.ids];
  const tensors = [...previous.tensors];
  plan.inputs.forEach((id, k) => {
    if (id >= from) {
      ids.push(id);
      tensors.push(packedInputs[k]);
    }
  });
  return { ids, tensors };
}

/** The model outputs (BigInt arrays, predict order) out of a stage's result. */
function outputsOf(result, outputIds) {
  return outputIds.map((id) => {
    const at = result.ids.indexOf(id);
    expect(at, `output tensor ${id} not returned`).to.be.at.least(0);
    return unpackTensor(result.tensors[at]);
  });
}

describe("EternalModel: staged inference", function () {
  async function deployFixture() {
    const plans = FIXTURES.map((name) => readFixture(name).plan);
    const implementations = await deployImplementations([...new Set(plans.flatMap((plan) => plan.implementations))]);
    const models = {};
    for (const name of FIXTURES) models[name] = (await deployPlan(readFixture(name).plan, { implementations })).model;
    return { models, implementations };
  }

  for (const name of FIXTURES) {
    describe(name, function () {
      const fixture = readFixture(name);
      const { plan } = fixture;
      const count = plan.layers.length;
      const canonical = canonicalIds(plan);
      const outputIds = plan.outputs.map((i) => canonical[i]);

      it("tensorIds names the inputs and outputs; predictPacked equals predict bit for bit", async function () {
        const { models } = await loadFixture(deployFixture);
        const model = models[name];
        const [inputIds, outIds] = await model.tensorIds();
        expect(inputIds.map(Number)).to.deep.equal(plan.inputs);
        expect(outIds.map(Number)).to.deep.equal(outputIds);
        for (const sample of fixture.samples) {
          const inputs = sampleInputs(sample);
          const expected = (await model.predict(inputs)).map((output) => [...output]);
          expect(expected.map((o) => o.map(String))).to.deep.equal(sample.expected);
          const packed = await model.predictPacked(inputs.map((x) => packTensor(x)));
          expect([...packed]).to.deep.equal(expected.map((o) => packTensor(o)));
        }
      });

      it("every cut into two stages, and the whole model as one, gives predict's outputs", async function () {
        const { models } = await loadFixture(deployFixture);
        const model = models[name];
        const sample = fixture.samples[0];
        const inputs = sampleInputs(sample);
        const expected = (await model.predict(inputs)).map((output) => [...output]);
        const packedInputs = inputs.map((x) => packTensor(x));
        for (let cut = 1; cut <= count; cut++) {
          const first = await runStage(model, 0, cut, plan.inputs, packedInputs);
          expect(first.ids, `[0, ${cut})`).to.deep.equal(expectedOutIds(plan, 0, cut, plan.inputs));
          expect(first.gasUsed.length).to.equal(cut);
          const given = nextGiven(first, plan, packedInputs, cut);
          const last = cut === count ? first : await runStage(model, cut, count, given.ids, given.tensors);
          if (cut < count) expect(last.ids, `[${cut}, ${count})`).to.deep.equal(expectedOutIds(plan, cut, count, given.ids));
          expect(outputsOf(last, outputIds), `cut at ${cut}`).to.deep.equal(expected);
        }
      });

      it("one layer a stage, chained, gives predict's outputs; gasUsed is 0 exactly for skipped layers", async function () {
        const { models } = await loadFixture(deployFixture);
        const model = models[name];
        for (const sample of fixture.samples) {
          const inputs = sampleInputs(sample);
          const expected = (await model.predict(inputs)).map((output) => [...output]);
          const packedInputs = inputs.map((x) => packTensor(x));
          let state = { ids: [], tensors: [] };
          for (let i = 0; i < count; i++) {
            const given = nextGiven(state, plan, packedInputs, i);
            // Reversed: ids need not be sorted.
            state = await runStage(model, i, i + 1, [...given.ids].reverse(), [...given.tensors].reverse());
            expect(state.ids, `stage ${i}`).to.deep.equal(expectedOutIds(plan, i, i + 1, given.ids));
            expect(state.gasUsed[0] > 0, `gasUsed of layer ${i}`).to.equal(computes(plan, i));
          }
          expect(outputsOf(state, outputIds)).to.deep.equal(expected);
        }
      });
    });
  }

  describe("runSlice", function () {
    // The layer's sources come from runStage(0, layer), its whole output from
    // runStage(layer, layer + 1): slices at uneven cut points, concatenated, must equal it.
    const CASES = [
      ["small_cnn", 1, "Conv2DLayer"], ["small_cnn", 3, "DepthwiseConv2DLayer"], ["small_cnn", 4, "Conv2DLayer (1x1)"],
      ["small_cnn", 6, "DenseLayer"], ["small_cnn_int8", 1, "Conv2DLayer, int8"], ["activation_layers", 2, "ActivationLayer"],
      ["merge_layers", 4, "AddLayer (3 inputs)"], ["merge_layers", 6, "ConcatenateLayer"],
    ];
    for (const [name, layer, what] of CASES) {
      it(`${name} layer ${layer} (${what}): slices concatenated equal the layer's output`, async function () {
        const { models } = await loadFixture(deployFixture);
        const model = models[name];
        const { plan, samples } = readFixture(name);
        const inputs = sampleInputs(samples[1]).map((x) => packTensor(x));
        const before = await runStage(model, 0, layer, plan.inputs, inputs);
        const whole = await runStage(model, layer, layer + 1, before.ids, before.tensors);
        const full = unpackTensor(whole.tensors[whole.ids.indexOf(layer)]);
        const size = full.length;
        const cuts = [...new Set([0, 1, 5, Math.floor(size / 3), Math.floor(size / 2) + 1, size - 1, size])]
          .filter((c) => c >= 0 && c <= size).sort((a, b) => a - b);
        const pieces = [];
        for (let k = 0; k + 1 < cuts.length; k++) {
          const [slice, reported, gasUsed] = await model.runSlice(layer, cuts[k], cuts[k + 1], before.ids, before.tensors);
          expect(reported).to.equal(BigInt(size));
          expect(gasUsed).to.be.greaterThan(0n);
          pieces.push(...unpackTensor(slice));
        }
        expect(pieces).to.deep.equal(full);
        // Sources given in any order, with extra tensors: the same slice.
        const [again] = await model.runSlice(layer, 1, size, [...before.ids].reverse(), [...before.tensors].reverse());
        expect(unpackTensor(again)).to.deep.equal(full.slice(1));
      });
    }

    it("a quarter of a Conv2D's rows costs well under half of the whole layer", async function () {
      const { models } = await loadFixture(deployFixture);
      const model = models.small_cnn;
      const { plan, samples } = readFixture("small_cnn");
      const inputs = sampleInputs(samples[0]).map((x) => packTensor(x));
      const [, size] = await model.runSlice(1, 0, 1, plan.inputs, inputs);
      const gasOf = async (start, end) => Number((await model.runSlice(1, start, end, plan.inputs, inputs))[2]);
      const full = await gasOf(0, Number(size));
      const quarter = await gasOf(0, Number(size) / 4);
      const middle = await gasOf(Number(size) / 2, (3 * Number(size)) / 4);
      console.log(`      small_cnn conv1 (8x8x1 -> ${size} values): full ${full} gas, first quarter ${quarter}, third quarter ${middle}`);
      expect(quarter).to.be.below(0.45 * full);
      expect(middle).to.be.below(0.45 * full);
    });
  });

  describe("runWindow", function () {
    // The layers' errors, which runWindow passes on (not in EternalModel's ABI).
    const LAYER_ERRORS = new ethers.Interface([
      "error WindowTooSmall(uint256 input, uint256 needLo, uint256 needHi, uint256 haveLo, uint256 haveHi)",
      "error WindowUnsupported()",
    ]);
    /** Packed windows of the layer's sources (in its inbound order) for [start, end): each the
     *  need WindowTooSmall names when asked with that window empty (or whole, with `whole`). */
    async function windowsFor(model, plan, layer, values, start, end, whole = false) {
      const sources = plan.layers[layer].inbound.map((j) => values[canonicalIds(plan)[j]]);
      const sizes = sources.map((x) => x.length);
      const windows = sources.map((x) => [0, x.length]);
      if (!whole) {
        for (let k = 0; k < sources.length; k++) {
          const probe = windows.map((w, j) => (j === k ? [0, 0] : w));
          try {
            await model.runWindow(layer, start, end, probe.map((w) => w[0]), sizes, probe.map((w, j) => packTensor(sources[j].slice(...w))));
            windows[k] = [0, 0];
          } catch (error) {
            const parsed = LAYER_ERRORS.parseError(error.data);
            expect(parsed && parsed.name).to.equal("WindowTooSmall");
            windows[k] = [Number(parsed.args[1]), Number(parsed.args[2])];
          }
        }
      }
      return { sizes, windows, offsets: windows.map((w) => w[0]), packed: windows.map((w, k) => packTensor(sources[k].slice(...w))) };
    }

    /** Every computed tensor of sample 1 of `name`, by canonical id (runStage one layer at a time). */
    async function allValues(model, name) {
      const { plan, samples } = readFixture(name);
      const values = {};
      const inputs = sampleInputs(samples[1]);
      plan.inputs.forEach((i, k) => (values[canonicalIds(plan)[i]] = inputs[k].map(BigInt)));
      const ids = [...plan.inputs];
      const tensors = inputs.map((x) => packTensor(x));
      const whole = await runStage(model, 0, plan.layers.length, ids, tensors);
      for (let layer = 0; layer < plan.layers.length; layer++) {
        if (!computes(plan, layer)) continue;
        const given = Object.keys(values).map(Number);
        const out = await runStage(model, layer, layer + 1, given, given.map((id) => packTensor(values[id])));
        values[layer] = unpackTensor(out.tensors[out.ids.indexOf(layer)]);
      }
      return { plan, values, whole };
    }

    const CASES = [["small_cnn", 1, "Conv2DLayer"], ["small_cnn", 2, "MaxPooling2DLayer"], ["small_cnn", 3, "DepthwiseConv2DLayer"],
      ["merge_layers", 4, "AddLayer (3 inputs)"]];
    for (const [name, layer, what] of CASES) {
      it(`${name} layer ${layer} (${what}): runWindow with only what a slice reads equals runSlice`, async function () {
        const { models } = await loadFixture(deployFixture);
        const model = models[name];
        const { plan, values } = await allValues(model, name);
        const ids = Object.keys(values).map(Number);
        const tensors = ids.map((id) => packTensor(values[id]));
        const size = values[layer].length;
        for (const [start, end] of [[0, 1], [1, Math.floor(size / 3)], [Math.floor(size / 2), size - 1], [size - 1, size]]) {
          const [slice, reported] = await model.runSlice(layer, start, end, ids, tensors);
          const w = await windowsFor(model, plan, layer, values, start, end);
          expect(w.windows.some(([lo, hi], k) => hi - lo < w.sizes[k]), `${start}..${end}: a part window`).to.equal(true);
          const [part, size2, gasUsed] = await model.runWindow(layer, start, end, w.offsets, w.sizes, w.packed);
          expect(unpackTensor(part)).to.deep.equal(unpackTensor(slice));
          expect(size2).to.equal(reported);
          expect(gasUsed).to.be.greaterThan(0n);
        }
      });
    }

    it("reverts: LengthMismatch, BadPackedTensor, WindowTooSmall and WindowUnsupported from the layer, BadSlice", async function () {
      const { models } = await loadFixture(deployFixture);
      const model = models.small_cnn;
      const { plan, values } = await allValues(model, "small_cnn");
      const w = await windowsFor(model, plan, 1, values, 0, 8);
      await expect(model.runWindow(1, 0, 8, w.offsets, w.sizes, [...w.packed, w.packed[0]]))
        .to.be.revertedWithCustomError(model, "LengthMismatch").withArgs(1, 2);
      await expect(model.runWindow(1, 0, 8, [], w.sizes, w.packed)).to.be.revertedWithCustomError(model, "LengthMismatch").withArgs(1, 0);
      await expect(model.runWindow(1, 0, 8, w.offsets, w.sizes, ["0x00"])).to.be.revertedWithCustomError(model, "BadPackedTensor").withArgs(0);
      const layerContract = await ethers.getContractAt("Conv2DLayer", ethers.ZeroAddress); // its ABI: the layer errors
      const short = packTensor(values[0].slice(w.windows[0][0], w.windows[0][1] - 1));
      await expect(model.runWindow(1, 0, 8, w.offsets, w.sizes, [short])).to.be.revertedWithCustomError(layerContract, "WindowTooSmall")
        .withArgs(0, w.windows[0][0], w.windows[0][1], w.windows[0][0], w.windows[0][1] - 1);
      const [, size] = await model.runWindow(1, 0, 8, w.offsets, w.sizes, w.packed);
      await expect(model.runWindow(1, 0, Number(size) + 1, w.offsets, w.sizes, w.packed))
        .to.be.revertedWithCustomError(layerContract, "WindowTooSmall"); // the range's rows come first
      await expect(model.runWindow(0, 0, 1, [0], [64], [packTensor([])])).to.be.revertedWithCustomError(model, "BadSlice").withArgs(0, 0, 1, 0);
      // Dense takes whole inputs only: whole windows are runSlice, any other reverts.
      const dense = 6;
      const d = await windowsFor(model, plan, dense, values, 0, 3, true);
      const ids = Object.keys(values).map(Number);
      const [slice] = await model.runSlice(dense, 0, 3, ids, ids.map((id) => packTensor(values[id])));
      expect(unpackTensor((await model.runWindow(dense, 0, 3, d.offsets, d.sizes, d.packed))[0])).to.deep.equal(unpackTensor(slice));
      const source = plan.layers[dense].inbound.map((j) => values[canonicalIds(plan)[j]])[0];
      await expect(model.runWindow(dense, 0, 3, [1], d.sizes, [packTensor(source.slice(1))]))
        .to.be.revertedWithCustomError(await ethers.getContractAt("DenseLayer", ethers.ZeroAddress), "WindowUnsupported");
    });
  });

  describe("reverts", function () {
    it("NotFinalised before finalize", async function () {
      const { implementations } = await loadFixture(deployFixture);
      const { plan } = readFixture("merge_layers");
      const { model } = await deployPlan(plan, { implementations, upTo: "uploaded" });
      await expect(model.predictPacked(["0x0100"])).to.be.revertedWithCustomError(model, "NotFinalised");
      await expect(model.tensorIds()).to.be.revertedWithCustomError(model, "NotFinalised");
      await expect(model.runStage(0, 1, [], [])).to.be.revertedWithCustomError(model, "NotFinalised");
      await expect(model.runSlice(1, 0, 1, [], [])).to.be.revertedWithCustomError(model, "NotFinalised");
    });

    it("BadStage unless from < to <= layerCount", async function () {
      const { models } = await loadFixture(deployFixture);
      const model = models.merge_layers; // 8 layers
      for (const [from, to] of [[0, 0], [3, 3], [4, 2], [0, 9], [8, 9], [9, 10]]) {
        await expect(model.runStage(from, to, [], [])).to.be.revertedWithCustomError(model, "BadStage").withArgs(from, to, 8);
      }
    });

    it("MissingTensor names the first layer and the tensor it lacks", async function () {
      const { models } = await loadFixture(deployFixture);
      const model = models.merge_layers; // 1, 2, 3: Dense(0); 4: Add(1, 2, 3); 5: Multiply(1, 2, 3); 6: Concatenate(4, 5, 0)
      const input = packTensor([1n, 2n, 3n, 4n]);
      await expect(model.runStage(0, 8, [], [])).to.be.revertedWithCustomError(model, "MissingTensor").withArgs(1, 0);
      await expect(model.runStage(4, 8, [1, 2], [input, input])).to.be.revertedWithCustomError(model, "MissingTensor").withArgs(4, 3);
      await expect(model.runStage(6, 7, [4, 5], [input, input])).to.be.revertedWithCustomError(model, "MissingTensor").withArgs(6, 0);
      await expect(model.runSlice(4, 0, 1, [1, 3], [input, input])).to.be.revertedWithCustomError(model, "MissingTensor").withArgs(4, 2);
    });

    it("BadPackedTensor(index), BadTensorId(index, id), LengthMismatch, WrongInputCount", async function () {
      const { models } = await loadFixture(deployFixture);
      const { plan, samples } = readFixture("concatenate_axis"); // inputs 0 and 1
      const model = models.concatenate_axis;
      const [a, b] = sampleInputs(samples[0]).map((x) => packTensor(x));
      for (const bad of ["0x", "0x00", "0x21" + "00".repeat(33), "0x0200", "0x020000ff"]) {
        await expect(model.predictPacked([a, bad])).to.be.revertedWithCustomError(model, "BadPackedTensor").withArgs(1);
        await expect(model.runStage(0, 5, [0, 1], [bad, b])).to.be.revertedWithCustomError(model, "BadPackedTensor").withArgs(0);
        await expect(model.runSlice(2, 0, 1, [0, 1], [a, bad])).to.be.revertedWithCustomError(model, "BadPackedTensor").withArgs(1);
      }
      // Past the last layer, given twice; dense_no_bias_3d's layer 2 is an identity layer.
      await expect(model.runStage(0, 5, [0, 1, 5], [a, b, a])).to.be.revertedWithCustomError(model, "BadTensorId").withArgs(2, 5);
      await expect(model.runStage(0, 5, [0, 1, 0], [a, b, a])).to.be.revertedWithCustomError(model, "BadTensorId").withArgs(2, 0);
      const deep = models.dense_no_bias_3d;
      await expect(deep.runStage(2, 6, [1, 2], [a, a])).to.be.revertedWithCustomError(deep, "BadTensorId").withArgs(1, 2);
      await expect(model.runStage(0, 5, [0, 1], [a])).to.be.revertedWithCustomError(model, "LengthMismatch").withArgs(2, 1);
      await expect(model.runSlice(2, 0, 1, [0], [a, b])).to.be.revertedWithCustomError(model, "LengthMismatch").withArgs(1, 2);
      await expect(model.predictPacked([a])).to.be.revertedWithCustomError(model, "WrongInputCount").withArgs(plan.inputs.length, 1);
    });

    it("BadSlice unless start < end <= size, and for input and identity layers; LayerIndexOutOfRange", async function () {
      const { models } = await loadFixture(deployFixture);
      const { plan, samples } = readFixture("small_cnn");
      const model = models.small_cnn;
      const inputs = sampleInputs(samples[0]).map((x) => packTensor(x));
      const [, size] = await model.runSlice(1, 0, 1, plan.inputs, inputs);
      for (const [start, end] of [[0, 0], [5, 5], [6, 5], [0, Number(size) + 1], [Number(size), Number(size) + 1]]) {
        await expect(model.runSlice(1, start, end, plan.inputs, inputs))
          .to.be.revertedWithCustomError(model, "BadSlice").withArgs(1, start, end, size);
      }
      await expect(model.runSlice(0, 0, 1, plan.inputs, inputs)).to.be.revertedWithCustomError(model, "BadSlice").withArgs(0, 0, 1, 0);
      const deep = models.dense_no_bias_3d; // layer 2: identity
      await expect(deep.runSlice(2, 0, 1, [], [])).to.be.revertedWithCustomError(deep, "BadSlice").withArgs(2, 0, 1, 0);
      await expect(model.runSlice(7, 0, 1, [], [])).to.be.revertedWithCustomError(model, "LayerIndexOutOfRange").withArgs(7, 7);
    });
  });

  describe("a model input after a computed layer, with memory compaction", function () {
    // 0: input a; 1: ReLU(a); 2: input b; 3: Add(1, 2). N values each: 64 KB a tensor, so the
    // arena is compacted after layer 1, while input b (layer 2) must survive it.
    const N = 2000;
    async function lateInputFixture() {
      const [relu, add] = await Promise.all([ethers.deployContract("ReLULayer"), ethers.deployContract("AddLayer")]);
      const harness = await ethers.deployContract("LayerHarness");
      const model = await ethers.deployContract("EternalModel");
      const graph = ethers.toUtf8Bytes('{"late":"input"}');
      const graphHash = ethers.sha256(graph);
      const weightsHash = ethers.sha256("0x");
      const modelHash = ethers.sha256(ethers.concat([graphHash, weightsHash]));
      const reluConfig = coder.encode(["uint256", "uint256", "int256", "int256", "int256", "uint256", "int256"], [24, 32, 0, 0, 0, 0, 0]);
      const addConfig = coder.encode(["uint256", "uint256", "uint256"], [24, 32, N]);
      const Z = ethers.ZeroAddress;
      await model.addLayers(0, [Z, await relu.getAddress(), Z, await add.getAddress()], ["0x", reluConfig, "0x", addConfig]);
      await model.construct([[], [0], [], [1, 2]], [0, 2], [3], graphHash, weightsHash, modelHash, 0, graph.length);
      await model.appendGraph(0, graph);
      await model.finalize();
      return { model, harness };
    }

    it("predict, predictPacked and runStage keep the later input intact", async function () {
      const { model } = await loadFixture(lateInputFixture);
      const a = Array.from({ length: N }, (_, i) => BigInt((i % 7) - 3) << 20n);
      const b = Array.from({ length: N }, (_, i) => BigInt(i) * 1000n + 1n);
      const expected = a.map((v, i) => (v > 0n ? v : 0n) + b[i]);
      expect([...(await model.predict([a, b]))[0]]).to.deep.equal(expected);
      expect(unpackTensor((await model.predictPacked([packTensor(a), packTensor(b)]))[0])).to.deep.equal(expected);
      const stage = await runStage(model, 0, 4, [2, 0], [packTensor(b), packTensor(a)]);
      expect(stage.ids).to.deep.equal([3]);
      expect(unpackTensor(stage.tensors[0])).to.deep.equal(expected);
    });
  });

  describe("gas", function () {
    it("predict vs predictPacked (gas and calldata); a packed 96x96x3 input at F = 24 stays under 2M calldata gas", async function () {
      const { models } = await loadFixture(deployFixture);
      const rows = [];
      for (const name of ["small_cnn", "merge_layers", "concatenate_axis"]) {
        const model = models[name];
        const inputs = sampleInputs(readFixture(name).samples[0]);
        const packed = inputs.map((x) => packTensor(x));
        rows.push({
          fixture: name,
          predictGas: Number(await model.predict.estimateGas(inputs)),
          predictPackedGas: Number(await model.predictPacked.estimateGas(packed)),
          predictCalldataGas: calldataGas(model.interface.encodeFunctionData("predict", [inputs])),
          packedCalldataGas: calldataGas(model.interface.encodeFunctionData("predictPacked", [packed])),
        });
      }
      console.table(rows);
      // An image in [0, 1) at F = 24: 4 bytes a value (0x00 and 3 random bytes).
      let state = 1;
      const image = Array.from({ length: 96 * 96 * 3 }, () => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return BigInt(state >>> 8); // [0, 2^24)
      });
      const iface = models.small_cnn.interface;
      const packedGas = calldataGas(iface.encodeFunctionData("predictPacked", [[packTensor(image)]]));
      const plainGas = calldataGas(iface.encodeFunctionData("predict", [[image]]));
      console.log(`      96x96x3 input at F = 24: calldata gas ${packedGas} packed, ${plainGas} as int256[]`);
      expect(packTensor(image).slice(0, 4)).to.equal("0x04");
      expect(packedGas).to.be.at.most(2_000_000);
    });
  });
});
