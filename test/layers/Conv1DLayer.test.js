// Conv1DLayer (Conv2DLayer with height 1): on chain == emulator for every Conv1D fixture
// (int32/int8); its config is the 2D one with height, kernel height and stride 1.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { CONV_TYPES, deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { abi, cloneLayer, writeStream, expectSlicesOfForward } = require("../helpers/layerHarness");
const { blockedKernel, plainTensor } = require("../helpers/weightStream");
const { rescale } = require("../helpers/reference");

describe("Conv1DLayer", function () {
  itMatchesEmulatorOnFixtures("Conv1DLayer");

  it("convolves a hand-made sequence like a height-1 Conv2D ('same', stride 2)", async function () {
    const kit = await loadFixture(deploySpatialKit);
    // length 5, 2 channels, kernel 3, 3 filters, F = 0, int8 weights at frac 0.
    const kernel = [[1, -2, 3], [0, 1, -1], [2, 2, 2], [-128, 127, 0], [1, 1, 1], [-1, 0, 1]].map((r) => r.map(BigInt));
    const kernelBytes = blockedKernel(kernel.flat(), 6, 3, 8);
    const biasBytes = plainTensor([5n, -5n, 0n], 8);
    const layer = await cloneLayer(kit, "Conv1DLayer", abi.encode(CONV_TYPES, [
      0, 8, 1, 5, 2, 1, 3, 3, 1, 2, 0, 1, 1, 3, 0, [0, 192, 0], [192, 32, 0],
    ]));
    const pages = await writeStream(kit, kernelBytes + biasBytes.slice(2));
    const x = [3n, -1n, 4n, 1n, -5n, 9n, 2n, -6n, 5n, 3n];
    const expected = [];
    for (let o = 0; o < 3; o++) {
      for (let f = 0; f < 3; f++) {
        let sum = 0n;
        for (let k = 0; k < 3; k++) {
          const t = o * 2 - 1 + k;
          if (t < 0 || t >= 5) continue;
          for (let c = 0; c < 2; c++) sum += x[t * 2 + c] * kernel[k * 2 + c][f];
        }
        expected.push(rescale(sum, 0, 0) + [5n, -5n, 0n][f]);
      }
    }
    expect(await layer.forward([x], pages)).to.deep.equal(expected);
    await expectSlicesOfForward(layer, [x], pages, 3); // Conv2D's: positions along the sequence
  });
});
