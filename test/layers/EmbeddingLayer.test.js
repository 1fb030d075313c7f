// EmbeddingLayer: ids (fixed point id * 2^F) to table rows, bit-exact with the emulator;
// ids outside the vocabulary revert EmbeddingIdOutOfRange(position, id, inputDim).
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { fixtureVariants } = require("../helpers/fixtureFiles");
const { deploySequenceFixture, expectSamplesExact, forwardGas } = require("../helpers/sequence");

const [INT32, INT16, INT8] = fixtureVariants("embedding");

describe("EmbeddingLayer", function () {
  async function int32() {
    return deploySequenceFixture(INT32, "EmbeddingLayer");
  }
  async function int16() {
    return deploySequenceFixture(INT16, "EmbeddingLayer");
  }
  async function int8() {
    return deploySequenceFixture(INT8, "EmbeddingLayer");
  }

  for (const [label, deploy] of [["int32", int32], ["int16", int16], ["int8", int8]]) {
    it(`${label}: returns the emulator's rows exactly`, async function () {
      await expectSamplesExact(await loadFixture(deploy));
    });
  }

  it("reads the id rounding half up: id - 0.5 is the id, id - 0.5 - 2^-F the one below", async function () {
    const ctx = await loadFixture(int32);
    const { layer, pages, config } = ctx;
    const F = config.fracBits;
    const half = 1n << (F - 1n);
    const row = async (x) => (await layer.forward([[x]], pages)).map(String);
    const last = config.inputDim - 1n;
    expect(await row((last << F) - half)).to.deep.equal(await row(last << F));
    expect(await row((last << F) - half - 1n)).to.deep.equal(await row((last - 1n) << F));
    expect(await row(-half)).to.deep.equal(await row(0n)); // -0.5 rounds up to id 0
  });

  it("reverts EmbeddingIdOutOfRange for ids outside [0, inputDim)", async function () {
    const { layer, pages, config, model, fixture } = await loadFixture(int32);
    const F = config.fracBits;
    const V = config.inputDim;
    const half = 1n << (F - 1n);
    const cases = [
      [[0n, V << F], 1n, V], // id = inputDim
      [[(V << F) - half], 0n, V], // inputDim - 0.5 rounds up to inputDim
      [[-half - 1n], 0n, -1n], // just below -0.5 rounds to -1
      [[0n, 1n << F, -(5n << F)], 2n, -5n],
      [[1n << 200n], 0n, 1n << (200n - F)],
    ];
    for (const [ids, position, id] of cases) {
      await expect(layer.forward([ids], pages)).to.be.revertedWithCustomError(layer, "EmbeddingIdOutOfRange").withArgs(position, id, V);
    }
    // Through the model too (the error bubbles up from the layer).
    const bad = new Array(fixture.input_shapes[0][0]).fill(0n);
    bad[3] = V << F;
    await expect(model.predict([bad])).to.be.revertedWithCustomError(layer, "EmbeddingIdOutOfRange").withArgs(3n, V, V);
  });

  it("reverts WrongLayerInputCount unless given exactly one input", async function () {
    const { layer, pages } = await loadFixture(int32);
    await expect(layer.forward([], pages)).to.be.revertedWithCustomError(layer, "WrongLayerInputCount").withArgs(1n, 0n);
    await expect(layer.forward([[0n], [0n]], pages)).to.be.revertedWithCustomError(layer, "WrongLayerInputCount").withArgs(1n, 2n);
  });

  it("reads only the rows asked for (gas per id)", async function () {
    const ctx = await loadFixture(int32);
    const one = await forwardGas(ctx, [0n]);
    const many = await forwardGas(ctx, new Array(64).fill(0n));
    console.log(`      Embedding (dim ${ctx.config.outputDim}, int32): ${one} gas for 1 id, ${((many - one) / 63).toFixed(0)} gas per further id`);
    expect(many).to.be.greaterThan(one);
  });
});
