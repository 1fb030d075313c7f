// ILayer.forwardWindow on every layer of the committed fixtures (each layer fed what the layers
// before it computed): for ranges at the first and last rows, mid-position cuts and random ones,
// the window the layer asks for (WindowTooSmall's need, found from an empty window) gives
// forward()[start:end] bit for bit, with nothing around it (a read outside the window would read
// other calldata and differ); one element less at either end reverts WindowTooSmall; a wider
// window gives the same. Elementwise layers need exactly their range (a broadcast merge input, all of it).
// Layers that need whole inputs (LayerBase's default) take whole windows and revert
// WindowUnsupported on any other.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deployLayerKit, instantiate } = require("../helpers/layerHarness");
const { readFixture, bigs } = require("../helpers/fixtureFiles");
const { randomIntsWithin } = require("../helpers/random");

// Fixtures covering every layer type that takes part windows, stride 2 and 'same' padding
// included, and two that take whole windows only (Dense, Softmax).
const FIXTURES = ["small_cnn", "zero_padding_conv", "conv2d_same_strided_tanh_int8", "conv2d_valid_strided", "depthwise_int8",
  "pooling2d", "pooling2d_valid_int8", "global_pooling", "merge_layers", "relu_layers", "rescaling_batchnorm_int16",
  "activation_layers", "concatenate_axis", "merge_ops_int8", "prelu_int16",
  "squeeze_excite_int8", "pooling1d", "padding_cropping_int16", "upsampling", "upsampling_bilinear_int8", "permute_int8"];
const ELEMENTWISE = ["BatchNormalizationLayer", "ReLULayer", "LeakyReLULayer", "RescalingLayer", "AddLayer", "MultiplyLayer", "MergeLayer", "PReLULayer"];
const WHOLE_ONLY = ["DenseLayer", "SoftmaxLayer"];

const CONTRACTS = [...new Set(FIXTURES.flatMap((name) => readFixture(name).plan.layers.map((l) => l.contract).filter(Boolean)))];

async function deployKit() {
  return deployLayerKit(CONTRACTS);
}

/** Every layer's inputs for sample 0 of `name`: [{contract, layer (contract object), inputs, pages}]. */
async function layerCalls(kit, name) {
  const { plan, samples } = readFixture(name);
  const instance = await instantiate(kit, plan);
  const values = new Array(plan.layers.length);
  plan.inputs.forEach((index, k) => (values[index] = bigs(samples[0].inputs[k])));
  const calls = [];
  for (let i = 0; i < plan.layers.length; i++) {
    if (plan.inputs.includes(i)) continue;
    const inputs = plan.layers[i].inbound.map((j) => values[j]);
    if (instance.layers[i] === null) {
      values[i] = inputs[0];
      continue;
    }
    const layer = await ethers.getContractAt(plan.layers[i].contract, instance.layers[i]);
    values[i] = [...(await layer.forward(inputs, instance.pages))];
    calls.push({ contract: plan.layers[i].contract, name: plan.layers[i].name, layer, inputs, pages: instance.pages, size: values[i].length });
  }
  return calls;
}

/** forwardWindow with input k cut to [lo, hi) (`windows[k]`), the others whole. */
function windowCall(call, windows, start, end) {
  const parts = call.inputs.map((x, k) => (windows[k] ? x.slice(windows[k][0], windows[k][1]) : x));
  const offsets = call.inputs.map((x, k) => (windows[k] ? windows[k][0] : 0));
  return call.layer.forwardWindow(parts, offsets, call.inputs.map((x) => x.length), call.pages, start, end);
}

/** The [needLo, needHi) of input k for [start, end): from WindowTooSmall on an empty window, or
 *  null when the empty window is enough (the range reads nothing of it). */
async function need(call, k, start, end) {
  const windows = [];
  windows[k] = [0, 0];
  try {
    await windowCall(call, windows, start, end);
    return null;
  } catch (error) {
    const parsed = call.layer.interface.parseError(error.data);
    expect(parsed && parsed.name, `${call.name}: ${error.message}`).to.equal("WindowTooSmall");
    expect(parsed.args[0]).to.equal(BigInt(k));
    return [Number(parsed.args[1]), Number(parsed.args[2])];
  }
}

/** Ranges at the first and last positions, cut inside positions, and random ones. */
function rangesOf(size, seed) {
  const ranges = [[0, 1], [0, Math.min(size, 7)], [size - 1, size], [Math.max(0, size - 9), size], [0, size]];
  const random = randomIntsWithin(8, size, seed).map((v) => Math.abs(Number(v)) % size);
  for (let i = 0; i < random.length; i += 2) {
    const [a, b] = [random[i], random[i + 1]].sort((p, q) => p - q);
    ranges.push([a, Math.max(a + 1, b)]);
  }
  return ranges;
}

describe("forwardWindow", function () {
  for (const name of FIXTURES) {
    it(`${name}: every layer's windows give forward's slice; a short window reverts WindowTooSmall`, async function () {
      const kit = await loadFixture(deployKit);
      for (const call of await layerCalls(kit, name)) {
        const full = [...(await call.layer.forward(call.inputs, call.pages))];
        if (WHOLE_ONLY.includes(call.contract)) {
          const [output, size] = await windowCall(call, [], 0, full.length);
          expect([...output]).to.deep.equal(full);
          expect(size).to.equal(BigInt(full.length));
          await expect(windowCall(call, [[1, call.inputs[0].length]], 0, 1))
            .to.be.revertedWithCustomError(call.layer, "WindowUnsupported");
          continue;
        }
        for (const [start, end] of rangesOf(full.length, full.length + call.inputs.length)) {
          const label = `${name} ${call.name} (${call.contract}) [${start}, ${end})`;
          const needs = [];
          for (let k = 0; k < call.inputs.length; k++) needs.push(await need(call, k, start, end));
          needs.forEach((range, k) => {
            const size = call.inputs[k].length;
            if (range === null) return;
            expect(range[0], label).to.be.below(range[1]);
            expect(range[1], label).to.be.at.most(size);
            // A broadcast merge input (fewer values than the output: it repeats) is needed whole.
            if (ELEMENTWISE.includes(call.contract)) expect(range, label).to.deep.equal(size < full.length ? [0, size] : [start, end]);
          });
          // Only the windows asked for: exactly forward's slice.
          const tight = needs.map((range) => range || [0, 0]);
          const [output, reported] = await windowCall(call, tight, start, end);
          expect([...output], label).to.deep.equal(full.slice(start, end));
          expect(reported).to.equal(BigInt(full.length));
          // Wider windows: the same.
          const wide = tight.map(([lo, hi], k) => [Math.max(0, lo - 3), Math.min(call.inputs[k].length, hi + 5)]);
          expect([...(await windowCall(call, wide, start, end))[0]], label).to.deep.equal(full.slice(start, end));
          // One element short at either end: WindowTooSmall, naming the input and the ranges.
          for (let k = 0; k < needs.length; k++) {
            if (needs[k] === null) continue;
            const [lo, hi] = needs[k];
            for (const short of [[lo + 1, hi], [lo, hi - 1]]) {
              const windows = [...tight];
              windows[k] = short;
              await expect(windowCall(call, windows, start, end), label)
                .to.be.revertedWithCustomError(call.layer, "WindowTooSmall").withArgs(k, lo, hi, short[0], short[1]);
            }
          }
        }
      }
    });
  }

  it("a window that does not fit its size reverts BadWindow; counts must match", async function () {
    const kit = await loadFixture(deployKit);
    const call = (await layerCalls(kit, "small_cnn"))[0];
    const x = call.inputs[0];
    await expect(call.layer.forwardWindow([x.slice(0, 4)], [x.length - 3], [x.length], call.pages, 0, 1))
      .to.be.revertedWithCustomError(call.layer, "BadWindow").withArgs(0, x.length - 3, 4, x.length);
    await expect(call.layer.forwardWindow([x], [0, 0], [x.length], call.pages, 0, 1))
      .to.be.revertedWithCustomError(call.layer, "WindowCountMismatch").withArgs(1, 2, 1);
    await expect(call.layer.forwardWindow([x.slice(1)], [1], [x.length + 1], call.pages, 0, 1))
      .to.be.revertedWithCustomError(call.layer, "WrongInputSize").withArgs(0, x.length, x.length + 1);
  });
});
