// UpSampling2DLayer (UpSampling2D and UpSampling1D nearest, RepeatVector): on chain == emulator for
// every fixture; hand-made images against a reference (output pixel (y, x) = input pixel
// (y / sizeY, x / sizeX)); forwardSlice against forward (cut inside pixels and rows, repeated
// rows copied or rebuilt) and what a quarter costs.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { abi, cloneLayer, expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { expectQuarterCheaper } = require("../helpers/slices");

/** An UpSampling2D of an H x W x C image by (sy, sx) and its reference. */
async function upSampling(kit, [H, W, C], [sy, sx]) {
  const layer = await cloneLayer(kit, "UpSampling2DLayer", abi.encode(Array(7).fill("uint256"), [24, 32, H, W, C, sy, sx]));
  const reference = (x) => {
    const expected = [];
    for (let y = 0; y < H * sy; y++) {
      for (let z = 0; z < W * sx; z++) {
        for (let c = 0; c < C; c++) expected.push(x[(Math.floor(y / sy) * W + Math.floor(z / sx)) * C + c]);
      }
    }
    return expected;
  };
  return { layer, reference, size: H * W * C };
}

/** floor(a / b) for BigInts (b > 0). */
const floorDiv = (a, b) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/** TensorFlow's half-pixel taps of output position o (scale s, n inputs): [lower, upper, weights out of 2s]. */
function tap(o, s, n) {
  const num = BigInt(2 * o + 1 - s);
  const low = floorDiv(num, BigInt(2 * s));
  const frac = num - low * BigInt(2 * s);
  const clamp = (v) => Number(v < 0n ? 0n : v > BigInt(n - 1) ? BigInt(n - 1) : v);
  return [clamp(low), clamp(low + 1n), BigInt(2 * s) - frac, frac];
}

/** A bilinear UpSampling2D (config word 1 after the sizes) and its BigInt reference. */
async function bilinear(kit, [H, W, C], [sy, sx]) {
  const layer = await cloneLayer(kit, "UpSampling2DLayer", abi.encode(Array(8).fill("uint256"), [24, 32, H, W, C, sy, sx, 1]));
  const den = BigInt(4 * sy * sx);
  const reference = (x) => {
    const expected = [];
    for (let y = 0; y < H * sy; y++) {
      const [y0, y1, wy0, wy1] = tap(y, sy, H);
      for (let z = 0; z < W * sx; z++) {
        const [x0, x1, wx0, wx1] = tap(z, sx, W);
        for (let c = 0; c < C; c++) {
          const at = (iy, ix) => x[(iy * W + ix) * C + c];
          const sum = wy0 * (wx0 * at(y0, x0) + wx1 * at(y0, x1)) + wy1 * (wx0 * at(y1, x0) + wx1 * at(y1, x1));
          expected.push(floorDiv(2n * sum + den, 2n * den));
        }
      }
    }
    return expected;
  };
  return { layer, reference, size: H * W * C };
}

describe("UpSampling2DLayer", function () {
  itMatchesEmulatorOnFixtures("UpSampling2DLayer");

  it("repeats (2, 3) over a 2x3x2 image; checks the input size", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const { layer, reference, size } = await upSampling(kit, [2, 3, 2], [2, 3]);
    const x = randomIntsWithin(size, 1000, 4);
    expect(await layer.forward([x], [])).to.deep.equal(reference(x));
    await expect(layer.forward([x.slice(1)], [])).to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, size, size - 1);
    await expect(layer.forward([x, x], [])).to.be.revertedWithCustomError(layer, "WrongLayerInputCount").withArgs(1, 2);
  });

  it("forwardSlice is forward's slice at every size (RepeatVector: (n, 1) of a 1x1xF input); a quarter of 16x16x16 costs < 35%", async function () {
    const kit = await loadFixture(deploySpatialKit);
    for (const [shape, sizes] of [[[2, 3, 2], [2, 3]], [[3, 2, 3], [3, 1]], [[1, 4, 2], [1, 3]], [[1, 1, 5], [4, 1]],
      [[2, 2, 1], [1, 1]], [[3, 1, 1], [2, 2]]]) {
      const { layer, reference, size } = await upSampling(kit, shape, sizes);
      const x = randomIntsWithin(size, 1000, 5);
      expect(await expectSlicesOfForward(layer, [x], [], shape[2])).to.deep.equal(reference(x));
    }
    const { layer } = await upSampling(kit, [8, 8, 16], [2, 2]);
    await expectQuarterCheaper(kit, layer, [randomIntsWithin(1024, 2 ** 27, 6)]);
  });

  it("bilinear: the four taps' weighted sum divided once, nearest with ties up; forwardSlice is forward's slice", async function () {
    const kit = await loadFixture(deploySpatialKit);
    for (const [shape, sizes] of [[[3, 4, 2], [2, 2]], [[2, 3, 3], [3, 2]], [[1, 5, 1], [1, 3]], [[2, 2, 1], [4, 4]], [[3, 1, 2], [2, 1]]]) {
      const { layer, reference, size } = await bilinear(kit, shape, sizes);
      const x = randomIntsWithin(size, 1000, 6); // negative values too: the floor of the division
      expect(await expectSlicesOfForward(layer, [x], [], shape[2]), `${shape} by ${sizes}`).to.deep.equal(reference(x));
    }
  });

  it("bilinear: rows with inputs past the unchecked bound are computed checked, to the same integers", async function () {
    const kit = await loadFixture(deploySpatialKit);
    // Sizes (2, 1): d = 8, unchecked below 2^248 (_plan); row 1 holds values near 2^249.
    const { layer, reference } = await bilinear(kit, [3, 2, 2], [2, 1]);
    const big = 1n << 249n;
    const x = [5n, -7n, 3n, 1n, big - 3n, -big + 1n, -big, big - 1n, -2n, 9n, 4n, -4n];
    expect(await expectSlicesOfForward(layer, [x], [], 2)).to.deep.equal(reference(x));
  });

  it("bilinear: an int256 overflow of the weighted sum reverts (Panic 0x11)", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const { layer } = await bilinear(kit, [1, 2, 1], [1, 2]);
    await expect(layer.forward([[(1n << 253n), 1n]], [])).to.be.revertedWithPanic(0x11);
  });
});
