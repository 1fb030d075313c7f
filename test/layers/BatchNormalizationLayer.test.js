// BatchNormalizationLayer (folded per-channel scale and offset, read from the weight pages) over
// edge values against a BigInt reference of docs/FORMAT.md arithmetic, around the bound of
// Elementwise.affine's unchecked loop, its channel check, its slices against forward and what a
// quarter costs. Model-level bit-exactness with the emulator: DenseLayer.test.js and fixtures.test.js.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, TENSOR, deployLayerKit, cloneLayer, writeStream, expectSlicesOfForward } = require("../helpers/layerHarness");
const { plainTensor } = require("../helpers/weightStream");
const { rescale } = require("../helpers/reference");
const { randomIntsWithin, randomIntsOfWidth } = require("../helpers/random");
const { expectQuarterCheaper } = require("../helpers/slices");
const { F, GRID } = require("../helpers/edgeGrid");

const TYPES = ["uint256", "uint256", "uint256", TENSOR, TENSOR];

async function deployKit() {
  return deployLayerKit(["BatchNormalizationLayer"]);
}

/** A BatchNormalization of `scale` (frac `scaleFrac`) and `offset` (frac `offsetFrac`), `bits`-wide. */
async function batchNorm(kit, scale, scaleFrac, offset, offsetFrac, bits) {
  const [a, b] = [plainTensor(scale, bits), plainTensor(offset, bits)];
  const pages = await writeStream(kit, ethers.concat([a, b]));
  const size = (hex) => ethers.dataLength(hex);
  const layer = await cloneLayer(kit, "BatchNormalizationLayer", abi.encode(TYPES,
    [F, bits, scale.length, [0, size(a), scaleFrac], [size(a), size(b), offsetFrac]]));
  const reference = (x) => x.map((v, i) => rescale(v * BigInt(scale[i % scale.length]), Number(F) + scaleFrac, Number(F)) +
    rescale(BigInt(offset[i % scale.length]), offsetFrac, Number(F)));
  return { layer, pages, reference };
}

describe("BatchNormalizationLayer", function () {
  it("per-channel scale and offset from the weight pages", async function () {
    const kit = await loadFixture(deployKit);
    const { layer, pages, reference } = await batchNorm(kit, [3n, -7n, 1n], 2, [-100n, 0n, 127n], 7, 8); // 0.75, -1.75, 0.25
    const x = GRID.slice(0, 9);
    expect([...(await layer.forward([x], pages))]).to.deep.equal(reference(x));
    await expect(layer.forward([x.slice(0, 4)], pages)).to.be.revertedWithCustomError(layer, "ChannelMismatch").withArgs(4, 3);
  });

  it("around the unchecked loop's bound the same values; an overflow reverts", async function () {
    const kit = await loadFixture(deployKit);
    // |scale| <= 2^3: the unchecked loop takes |x| < 2^(252 - 3); past it the checked loop runs.
    const { layer, pages, reference } = await batchNorm(kit, [3n, -7n, 1n], 2, [-100n, 0n, 127n], 7, 8);
    const bound = 1n << 249n;
    const base = randomIntsWithin(27, 8 * 2 ** 24, 40); // runs of 9 per channel: 2 groups of 4, 1 after
    for (const edge of [bound - 1n, -bound, bound, -bound - 1n]) {
      for (const at of [0, 4, 8, 11, 13, 25]) { // run positions 0, 1, 2, 3, 4 and 8
        const x = [...base];
        x[at] = edge;
        expect([...(await layer.forward([x], pages))], `x[${at}] = ${edge}`).to.deep.equal(reference(x));
      }
    }
    for (const at of [1, 4, 7, 10, 25]) { // channel 1 (scale -7): x * -7 < -2^255
      const x = [...base];
      x[at] = 1n << 253n;
      await expect(layer.forward([x], pages)).to.be.revertedWithPanic(0x11);
    }
  });

  it("scales with negative frac bits (a left shift) and 32-bit weights", async function () {
    const kit = await loadFixture(deployKit);
    const scale = randomIntsOfWidth(5, 32, 41);
    const { layer, pages, reference } = await batchNorm(kit, scale, -4, randomIntsOfWidth(5, 32, 42), 30, 32);
    const x = [...GRID, ...randomIntsWithin(14, 2 ** 30, 43)];
    expect([...(await layer.forward([x.slice(0, 25)], pages))]).to.deep.equal(reference(x.slice(0, 25)));
  });

  it("forwardSlice is forward's slice (cut mid-pixel); a quarter of 16x16x16 costs < 35%", async function () {
    const kit = await loadFixture(deployKit);
    const small = await batchNorm(kit, [3n, -7n, 1n], 2, [-100n, 0n, 127n], 7, 8);
    const x = randomIntsWithin(3 * 67, 8 * 2 ** 24, 44);
    expect(await expectSlicesOfForward(small.layer, [x], small.pages, 3)).to.deep.equal(small.reference(x));
    const big = await batchNorm(kit, randomIntsOfWidth(16, 32, 45), 30, randomIntsOfWidth(16, 32, 46), 33, 32);
    await expectQuarterCheaper(kit, big.layer, [randomIntsWithin(4096, 8 * 2 ** 24, 47)], big.pages);
  });

  it("short slices of many channels (fewer values of a channel than its stride spans) are forward's", async function () {
    // 16 channels: a channel's values are 512 bytes apart, more than the input's calldata offset,
    // where the unrolled loop's end once wrapped below 0 (one value ran out of gas).
    const kit = await loadFixture(deployKit);
    const { layer, pages, reference } = await batchNorm(kit, randomIntsOfWidth(16, 32, 48), 30,
      randomIntsOfWidth(16, 32, 49), 33, 32);
    const x = randomIntsWithin(4 * 4 * 16, 8 * 2 ** 24, 50);
    const full = reference(x);
    for (const [start, end] of [[0, 1], [0, 2], [0, 8], [0, 17], [0, 33], [0, 49], [1, 2], [15, 18], [16, 17], [250, 256]]) {
      const [output] = await layer.forwardSlice([x], pages, start, end);
      expect([...output], `forwardSlice(${start}, ${end})`).to.deep.equal(full.slice(start, end));
    }
  });

  it("forwardWindow: a window that starts at a mid-pixel range's first value (64 channels) is forward's slice", async function () {
    // Regression: the unrolled per-channel loop once counted its end down from the range's end,
    // which wraps below calldata offset 0 when the window is the range and holds < 3 strides.
    const kit = await loadFixture(deployKit);
    const big = await batchNorm(kit, randomIntsOfWidth(64, 32, 48), 30, randomIntsOfWidth(64, 32, 49), 33, 32);
    const x = randomIntsWithin(64 * 20, 8 * 2 ** 24, 50);
    const full = [...(await big.layer.forward([x], big.pages))];
    for (const [start, end] of [[63, 64 * 3 + 5], [640 - 1, 640 + 130], [64 * 19 + 7, 64 * 20]]) {
      const [output, size] = await big.layer.forwardWindow([x.slice(start, end)], [start], [x.length], big.pages, start, end);
      expect([...output]).to.deep.equal(full.slice(start, end));
      expect(size).to.equal(BigInt(x.length));
      await expect(big.layer.forwardWindow([x.slice(start + 1, end)], [start + 1], [x.length], big.pages, start, end))
        .to.be.revertedWithCustomError(big.layer, "WindowTooSmall").withArgs(0, start, end, start + 1, end);
    }
  });
});
