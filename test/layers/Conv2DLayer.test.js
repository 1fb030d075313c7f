// Conv2DLayer: on chain == emulator for every Conv2D fixture (int32/int16/int8), and a hand-made
// convolution against an independent BigInt reference over edge inputs: zeros, +-1, the exact
// SWAR slot limits (64 -> 128 -> 256-bit slots), extreme weight lanes, filter counts that leave
// the last block partial (every packing of its lanes into groups); input checks revert.
// forwardSlice: every slice is forward's, bit for bit, and a part of the rows costs a part of the gas.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { CONV_TYPES, deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { abi, cloneLayer, instantiate, expectSlicesOfForward } = require("../helpers/layerHarness");
const { readFixture, fixturesUsing, bigs } = require("../helpers/fixtureFiles");
const { randomIntsWithin } = require("../helpers/random");
const { F, handMade, slotLimit } = require("../helpers/conv2d");

describe("Conv2DLayer", function () {
  itMatchesEmulatorOnFixtures("Conv2DLayer");

  const SHAPES = [
    { H: 4, W: 5, C: 3, KH: 3, KW: 2, filters: 5, SH: 2, SW: 1, padding: "same" },
    { H: 5, W: 4, C: 2, KH: 2, KW: 3, filters: 9, SH: 1, SW: 1, padding: "valid" },
  ];

  for (const bits of [8, 16, 32]) {
    for (const shape of SHAPES) {
      it(`int${bits}, ${shape.padding} ${shape.KH}x${shape.KW}/${shape.SH}x${shape.SW}: equals a BigInt reference on edge inputs`, async function () {
        const kit = await loadFixture(deploySpatialKit);
        const { layer, pages, rows, size, reference } = await handMade(kit, bits, shape);
        const alternate = (m) => Array.from({ length: size }, (_, i) => (i % 3 === 1 ? -m : m));
        const narrow = 64;
        const inputs = [
          Array(size).fill(0n),
          alternate(1n),
          randomIntsWithin(size, 3 * 2 ** F, 5),
          alternate(slotLimit(narrow, bits, rows)), // the widest input the narrow slots take
          alternate(slotLimit(narrow, bits, rows) + 1n), // one more: wider slots
          alternate(slotLimit(128, bits, rows) + 1n), // 256-bit slots
        ];
        for (const x of inputs) {
          expect(await layer.forward([x], pages)).to.deep.equal(reference(x));
        }
      });
    }
  }

  // Filters leaving the last block partial (E = 256/L lanes a word): its lanes are packed into as
  // few groups as hold them, which differs with the slot width each input set picks (e.g. int8,
  // 17 filters: 8 groups in 64-bit slots, 12 of 16 in 128-bit slots, 20 of 32 in 256-bit slots;
  // 33 filters: a full block, then one of a single filter).
  const FILTERS = { 8: [1, 3, 5, 16, 17, 33, 40], 16: [3, 7, 20], 32: [3, 5, 11] };
  for (const [bits, counts] of Object.entries(FILTERS).map(([b, c]) => [Number(b), c])) {
    for (const filters of counts) {
      for (const base of SHAPES) {
        const shape = { ...base, filters };
        it(`int${bits}, ${filters} filter${filters === 1 ? "" : "s"}, ${shape.padding}: equals a BigInt reference at every slot width`, async function () {
          const kit = await loadFixture(deploySpatialKit);
          const { layer, pages, rows, size, reference } = await handMade(kit, bits, shape, { frac: 0 });
          const alternate = (m) => Array.from({ length: size }, (_, i) => (i % 3 === 1 ? -m : m));
          const inputs = [
            randomIntsWithin(size, 3 * 2 ** F, 11 + filters),
            alternate(slotLimit(64, bits, rows)),
            alternate(slotLimit(64, bits, rows) + 1n),
            alternate(slotLimit(128, bits, rows) + 1n),
          ];
          for (const x of inputs) {
            expect(await layer.forward([x], pages)).to.deep.equal(reference(x));
          }
        });
      }
    }
  }

  // int32 position-major layers of 16 filters or more run full blocks in pairs, one pass of 4
  // groups over 16 filters (Conv2DLayer._pair, SpatialBase._scatterPair), when both blocks take
  // 64-bit slots; else each block on its own. Against the BigInt reference at every slot width,
  // with a last block that is partial (17, 40) or single and full (24), windows clipped or not.
  const PAIRED = [
    SHAPES[1],
    { H: 5, W: 6, C: 9, KH: 3, KW: 3, SH: 1, SW: 1, padding: "same" }, // C KW = 27: position-major
    { H: 6, W: 5, C: 9, KH: 3, KW: 2, SH: 2, SW: 2, padding: "same" },
  ];
  for (const shape of PAIRED) {
    it(`int32, ${shape.H}x${shape.W}x${shape.C} ${shape.KH}x${shape.KW} ${shape.padding}: pairs of blocks equal the reference at every slot width`, async function () {
      const kit = await loadFixture(deploySpatialKit);
      for (const filters of [16, 17, 24, 40]) {
        const { layer, pages, rows, size, reference } = await handMade(kit, 32, { ...shape, filters }, { frac: 0 });
        const alternate = (m) => Array.from({ length: size }, (_, i) => (i % 3 === 1 ? -m : m));
        for (const x of [randomIntsWithin(size, 3 * 2 ** F, 19 + filters), alternate(slotLimit(64, 32, rows)),
          alternate(slotLimit(64, 32, rows) + 1n), alternate(slotLimit(128, 32, rows) + 1n)]) {
          expect(await layer.forward([x], pages), `${filters} filters`).to.deep.equal(reference(x));
        }
      }
    });
  }

  it("int32: a pair whose blocks take different slots runs each block on its own, exactly", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const shape = { ...PAIRED[1], filters: 16 };
    const rows = shape.KH * shape.KW * shape.C;
    // Filters 0-7 (the first block) at the minimum weight: the layer's bound; 8-15 small.
    const low = -(1n << 31n);
    const small = randomIntsWithin(rows * 8, 2 ** 20, 23);
    const kernel = Array.from({ length: rows }, (_, r) => [...Array(8).fill(low), ...small.slice(r * 8, r * 8 + 8)]);
    const made = await handMade(kit, 32, shape, { kernel, frac: 0 });
    // Past the 64-bit limit of the first block (its sums at rows x the input), within that of
    // the second; then at the limit, and small: both blocks in 64-bit slots, paired.
    for (const m of [slotLimit(64, 32, rows) + 5n, slotLimit(64, 32, rows), 1n << 20n]) {
      const x = Array(made.size).fill(m);
      expect(await made.layer.forward([x], made.pages), `${m}`).to.deep.equal(made.reference(x));
    }
  });

  // The bias and the rescale fold into the scatter (SpatialBase._foldBias) for 0 <= kernelFrac
  // <= 252 and |bias| < 2^(252 - kernelFrac): 0, 5 and 31 fold (31: a bias near 2^221); 250 does
  // not (the bias is too large), nor -3 (a left shift) or 253: the exact sums, then a pass.
  for (const frac of [0, 5, 31, 250, 253, -3]) {
    it(`kernel frac bits ${frac}: the folded or the unfolded bias gives the reference's integers`, async function () {
      const kit = await loadFixture(deploySpatialKit);
      for (const shape of [SHAPES[0], { H: 7, W: 9, C: 1, KH: 3, KW: 3, filters: 5, SH: 1, SW: 1, padding: "same" }]) {
        const { layer, pages, size, reference } = await handMade(kit, 32, shape, { frac });
        const x = randomIntsWithin(size, 3 * 2 ** F, 5 + frac);
        expect(await layer.forward([x], pages)).to.deep.equal(reference(x));
      }
    });
  }

  it("packs partial blocks exactly when every sum is at a slot's limit (all weights the minimum)", async function () {
    const kit = await loadFixture(deploySpatialKit);
    for (const [bits, filters] of [[8, 3], [8, 17], [8, 40], [16, 7], [32, 5]]) {
      const low = -(1n << BigInt(bits - 1));
      const { layer, pages, rows, size, reference } = await handMade(kit, bits, { ...SHAPES[1], filters }, { fill: low, frac: 0 });
      // |sum| = rows * limit * 2^(L-1) at the window's full positions: the largest exact value.
      for (const slot of [64, 128, 256]) {
        for (const sign of [1n, -1n]) {
          const x = Array(size).fill(sign * slotLimit(slot, bits, rows));
          expect(await layer.forward([x], pages), `int${bits} ${filters} filters, ${slot}-bit slots`).to.deep.equal(reference(x));
        }
      }
    }
  });

  // A block whose own kernel sums |q| far below rows * 2^(L-1) takes a narrower slot than the
  // layer's (SpatialBase._blockSlot, _kernelNorm). One filter (first, middle or last of the layer)
  // has the largest sum |q|, with the minimum weight -2^(L-1) in half its rows; position 0's input
  // follows its signs, so its sum is m * sum|q| exactly. At m = limit(64) / (sum|q| + 1) the block
  // takes 64-bit slots where the layer's bound would take 128; one past limit(64) / sum|q|, the sum
  // no longer fits 64 bits, so a norm that undercounted any lane would give a wrong integer, and
  // the wider slots it then takes cost more gas.
  for (const bits of [8, 16, 32]) {
    it(`int${bits}: a block's slot narrows by its own kernel, and stays exact at its edge`, async function () {
      const kit = await loadFixture(deploySpatialKit);
      const shape = { H: 3, W: 6, C: 4, KH: 3, KW: 3, SH: 1, SW: 1, padding: "valid" }; // 1 x 4 outputs
      const rows = shape.KH * shape.KW * shape.C;
      const lanes = 256 / bits;
      const low = -(1n << BigInt(bits - 1));
      for (const filters of [1, 5, lanes + 3]) {
        for (const target of new Set([0, filters >> 1, filters - 1])) {
          const flat = randomIntsWithin(rows * filters, 2 ** (bits - 3), 7 + filters + target);
          const kernel = Array.from({ length: rows }, (_, r) => flat.slice(r * filters, (r + 1) * filters));
          kernel.forEach((row, r) => { if (r % 2 === 0) row[target] = low; });
          kernel[1][target] = -low - 1n; // the largest weight too
          const norm = kernel.reduce((sum, row) => sum + (row[target] < 0n ? -row[target] : row[target]), 0n);
          const made = await handMade(kit, bits, { ...shape, filters }, { kernel, frac: 0 });
          const limit = (1n << 63n) - 1n;
          const edge = limit / (norm + 1n);
          expect(edge, "the layer's bound alone takes 128-bit slots").to.be.greaterThan(slotLimit(64, bits, rows));
          // Input (iy, ix, c) under position 0 is kernel row (iy KW + ix) C + c.
          const input = (m) => Array.from({ length: made.size }, (_, i) => {
            const [pixel, c] = [Math.floor(i / shape.C), i % shape.C];
            const [iy, ix] = [Math.floor(pixel / shape.W), pixel % shape.W];
            return ix < shape.KW && kernel[(iy * shape.KW + ix) * shape.C + c][target] < 0n ? -m : m;
          });
          const where = `${filters} filters, filter ${target}`;
          for (const m of [edge, limit / norm + 1n]) {
            expect(await made.layer.forward([input(m)], made.pages), where).to.deep.equal(made.reference(input(m)));
          }
          const gas = async (m) => made.layer.forward.estimateGas([input(m)], made.pages);
          // One filter is one group at any slot width: nothing to halve.
          if (filters > 1) expect(await gas(edge), `${where}: narrower slots cost less`).to.be.lessThan(await gas(limit / norm + 1n));
        }
      }
    });
  }

  // A fused BatchNormalization and ReLU (SpatialBase.Post, eternal.fusion.epilogues): the affine
  // map and the ReLU in one pass when the unchecked plan fits (Elementwise._affineMemory, modes
  // none / ReLU / ReLU and cap), and the checked map then the ReLU past its bound.
  it("a fused BatchNormalization and ReLU: the layers' integers, in one pass and past its bound", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const filters = 5;
    const scale = [3n, -7n, 1n << 20n, -(1n << 19n), 0n].map((v) => v * 1000n);
    const offset = [1n << 30n, -(1n << 31n), 5n, -(1n << 28n), 1n << 29n];
    const relus = [
      { relu: 0n, threshold: 0n, hasMax: 0n, maxValue: 0n },
      { relu: 1n, threshold: 0n, hasMax: 0n, maxValue: 0n },
      { relu: 1n, threshold: 1n << 22n, hasMax: 0n, maxValue: 0n },
      { relu: 1n, threshold: -(1n << 24n), hasMax: 1n, maxValue: 6n << 24n },
    ];
    const where = (relu) => JSON.stringify(relu, (k, v) => (typeof v === "bigint" ? `${v}` : v));
    for (const relu of relus) {
      // Real-sized constants: the one-pass plan.
      const post = { scale, scaleFrac: 20, offset, offsetFrac: 28, ...relu };
      const made = await handMade(kit, 32, { ...SHAPES[0], filters }, { post });
      const x = randomIntsWithin(made.size, 3 * 2 ** F, 41);
      expect(await made.layer.forward([x], made.pages), where(relu)).to.deep.equal(made.reference(x));
      // Sums near 2^253 (kernel frac 0, inputs of +-2^218): past the plan's bound, the checked map.
      const small = { scale: [3n, -7n, 5n, -2n, 1n], scaleFrac: 2, offset, offsetFrac: 28, ...relu };
      const big = await handMade(kit, 32, { ...SHAPES[0], filters }, { post: small, frac: 0 });
      const huge = Array.from({ length: big.size }, (_, i) => (i % 3 === 1 ? -1n : 1n) << 218n);
      expect(await big.layer.forward([huge], big.pages), `${where(relu)}, checked`).to.deep.equal(big.reference(huge));
    }
  });

  // The one-pass plan runs only when every output is inside its bound (Elementwise._magnitudeBits,
  // four values a round, then the tail): one output past it anywhere, whose product would wrap
  // in the unchecked loop, takes the checked map, which reverts as BatchNormalization does.
  it("a fused BatchNormalization: one output past the plan's bound, at any index, is checked", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const shape = { H: 1, W: 9, C: 1, KH: 1, KW: 1, filters: 1, SH: 1, SW: 1, padding: "valid" };
    const post = { scale: [1n << 20n], scaleFrac: 20, offset: [0n], offsetFrac: 0, relu: 1n, threshold: 0n, hasMax: 0n, maxValue: 0n };
    const made = await handMade(kit, 32, shape, { post, frac: 0, fill: 1n << 30n });
    const x = randomIntsWithin(9, 2 ** F, 43);
    expect(await made.layer.forward([x], made.pages)).to.deep.equal(made.reference(x));
    for (let at = 0; at < 9; at++) {
      const one = x.map((v, i) => (i === at ? 1n << 210n : v)); // its output x 2^20 passes 2^255
      await expect(made.layer.forward([one], made.pages), `output ${at}`).to.be.revertedWithPanic(0x11);
    }
  });

  // kernelFrac < 0: sums shift left (rescale F - kernelFrac -> F); kernelFrac > 254: every sum
  // rounds to 0 (and so does the bias at the same frac).
  for (const frac of [-3, 255, 300]) {
    it(`rescales the sums at kernel frac ${frac} like FixedMath.rescaleInt`, async function () {
      const kit = await loadFixture(deploySpatialKit);
      const { layer, pages, size, reference } = await handMade(kit, 16, SHAPES[0], { frac });
      for (const x of [randomIntsWithin(size, 3 * 2 ** F, 7), Array(size).fill(-(1n << 60n))]) {
        expect(await layer.forward([x], pages)).to.deep.equal(reference(x));
      }
    });
  }

  it("reverts ActivationsTooLarge when no slot can hold the sums exactly", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const { layer, pages, rows, size } = await handMade(kit, 16, SHAPES[0]);
    const x = Array(size).fill(0n);
    x[3] = -(1n << 255n);
    await expect(layer.forward([x], pages))
      .to.be.revertedWithCustomError(layer, "ActivationsTooLarge")
      .withArgs(1n << 255n, slotLimit(256, 16, rows));
  });

  it("reverts KernelSizeMismatch for a kernel of the wrong size, UnsupportedWeightBits for L = 12", async function () {
    const kit = await loadFixture(deploySpatialKit);
    // 2x2x1 input, 1x1 kernel, 3 filters at int32: one block of 1 row = 32 bytes.
    const geometry = [24, 32, 2, 2, 1, 1, 1, 3, 1, 1, 0, 0, 2, 2, 0];
    const wrong = await cloneLayer(kit, "Conv2DLayer", abi.encode(CONV_TYPES, [...geometry, [0, 64, 31], [0, 0, 0]]));
    await expect(wrong.forward([[1n, 2n, 3n, 4n]], [])).to.be.revertedWithCustomError(wrong, "KernelSizeMismatch").withArgs(0, 32, 64);
    geometry[1] = 12;
    const odd = await cloneLayer(kit, "Conv2DLayer", abi.encode(CONV_TYPES, [...geometry, [0, 32, 11], [0, 0, 0]]));
    await expect(odd.forward([[1n, 2n, 3n, 4n]], [])).to.be.revertedWithCustomError(odd, "UnsupportedWeightBits").withArgs(12);
  });

  describe("forwardSlice", function () {
    for (const bits of [8, 32]) {
      for (const shape of SHAPES) {
        it(`int${bits}, ${shape.padding} ${shape.KH}x${shape.KW}/${shape.SH}x${shape.SW}: every slice is forward's, bit for bit`, async function () {
          const kit = await loadFixture(deploySpatialKit);
          const { layer, pages, size } = await handMade(kit, bits, shape);
          await expectSlicesOfForward(layer, [randomIntsWithin(size, 3 * 2 ** F, 9)], pages, shape.filters);
        });
      }
    }

    // Two-layer fixtures (input -> Conv2D): bias, tanh and a softmax over the channels per slice.
    const single = fixturesUsing(["Conv2DLayer"]).filter((name) => readFixture(name).plan.layers.length === 2);
    it(`every two-layer Conv2D fixture's layer slices exactly (${single.length} fixtures)`, async function () {
      expect(single).to.include.members(["conv2d_softmax_channels", "conv2d_same_strided_tanh_int8", "conv2d_valid_strided"]);
      const kit = await loadFixture(deploySpatialKit);
      for (const name of single) {
        const { plan, samples, output_shapes: shapes } = readFixture(name);
        const { layers, pages } = await instantiate(kit, plan);
        const layer = await ethers.getContractAt("Conv2DLayer", layers[1]);
        await expectSlicesOfForward(layer, samples[0].inputs.map(bigs), pages, shapes[0][shapes[0].length - 1], { quick: true });
      }
    });

    it("a quarter of the rows costs well under half the layer (16x16x3, 3x3, 16 filters, int8)", async function () {
      const kit = await loadFixture(deploySpatialKit);
      const shape = { H: 16, W: 16, C: 3, KH: 3, KW: 3, filters: 16, SH: 1, SW: 1, padding: "same" };
      const { layer, pages, size } = await handMade(kit, 8, shape);
      const x = [randomIntsWithin(size, 2 ** F, 21)];
      const outputs = 16 * 16 * 16;
      const gasOf = async (start, end) => Number((await kit.harness.measureSlice(layer.target, x, pages, start, end))[2]);
      const [, forwardGas] = await kit.harness.measure(layer.target, x, pages);
      const full = await gasOf(0, outputs);
      const quarter = await gasOf(0, outputs / 4);
      const inner = await gasOf((3 * outputs) / 8, (5 * outputs) / 8 - 7); // rows 6..9, not position-aligned
      console.log(`      Conv2D 16x16x3 -> 16x16x16: forward ${forwardGas}, forwardSlice all ${full}, first quarter ${quarter}, middle quarter ${inner}`);
      expect(full).to.be.below(Number(forwardGas) * 1.02);
      expect(quarter).to.be.below(0.35 * full);
      expect(inner).to.be.below(0.35 * full);
    });

    it("reverts as forward does", async function () {
      const kit = await loadFixture(deploySpatialKit);
      const { layer, pages, rows, size } = await handMade(kit, 16, SHAPES[0]);
      const x = Array(size).fill(0n);
      x[3] = -(1n << 255n);
      await expect(layer.forwardSlice([x], pages, 0, 1))
        .to.be.revertedWithCustomError(layer, "ActivationsTooLarge").withArgs(1n << 255n, slotLimit(256, 16, rows));
      await expect(layer.forwardSlice([x.slice(1)], pages, 0, 1))
        .to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, size, size - 1);
    });
  });

  it("reverts on a wrong input count or size", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const { layer, pages, size } = await handMade(kit, 32, SHAPES[0]);
    await expect(layer.forward([Array(size - 1).fill(0n)], pages))
      .to.be.revertedWithCustomError(layer, "WrongInputSize").withArgs(0, size, size - 1);
    await expect(layer.forward([Array(size).fill(0n), []], pages))
      .to.be.revertedWithCustomError(layer, "WrongLayerInputCount").withArgs(1, 2);
  });
});
