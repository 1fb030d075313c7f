// Conv2DLayer's tap-major path (Conv2DLayer._rowsByTaps, SpatialBase._accumulateTaps), which
// `_tapMajor` picks for short runs of input rows (C KW <= 24) and at least 4 output columns, for
// blocks of 1 or 2 groups: against an independent BigInt reference (kernel frac 0, so an error of
// 1 in any sum shows) over edge columns and rows ('same' kernels wider than the input, even
// kernels, strides 2 and 3), every weight width and slot width (64/128/256-bit), filter counts of
// 1 and 2 groups and blocks that fall back to the position-major path; forwardSlice and
// forwardWindow (only the input rows under the range handed in) give forward's slice exactly.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit } = require("../helpers/spatial");
const { expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { F, handMade, slotLimit } = require("../helpers/conv2d");

// Every shape has C KW <= 24 and outWidth >= 4 (tap-major).
const SHAPES = [
  { name: "LeNet-like 5x5 same, C = 1", H: 7, W: 9, C: 1, KH: 5, KW: 5, SH: 1, SW: 1, padding: "same" },
  { name: "4x3 same, strides 2x3, C = 2", H: 6, W: 11, C: 2, KH: 4, KW: 3, SH: 2, SW: 3, padding: "same" },
  { name: "4x5 same, strides 2x2 (padding 1 top, 2 left), C = 2", H: 6, W: 9, C: 2, KH: 4, KW: 5, SH: 2, SW: 2, padding: "same" },
  { name: "2x3 valid, stride 1x2, C = 3", H: 5, W: 10, C: 3, KH: 2, KW: 3, SH: 1, SW: 2, padding: "valid" },
  { name: "5x5 same on a 3x4 input (no interior column)", H: 3, W: 4, C: 1, KH: 5, KW: 5, SH: 1, SW: 1, padding: "same" },
  { name: "1x1 pointwise, C = 24", H: 3, W: 5, C: 24, KH: 1, KW: 1, SH: 1, SW: 1, padding: "same" },
];

// Filters by weight width: 64-bit slots hold 4 lanes a word, 128-bit 2, 256-bit 1, so these give
// blocks of 1 and 2 groups, several blocks (int32: 8 filters a block), and blocks of more groups
// (position-major) in the same layer.
const FILTERS = { 8: [1, 5, 17], 16: [2, 7], 32: [3, 6, 11] };

/** Inputs at every slot width: random, alternating signs at the 64-bit limit, just past it, past 128. */
function inputsFor(size, bits, rows, seed) {
  const alternate = (m) => Array.from({ length: size }, (_, i) => (i % 3 === 1 ? -m : m));
  return [
    randomIntsWithin(size, 3 * 2 ** F, seed),
    alternate(slotLimit(64, bits, rows)),
    alternate(slotLimit(64, bits, rows) + 1n),
    alternate(slotLimit(128, bits, rows) + 1n),
  ];
}

/** The input rows positions [first, last) read (SpatialBase._inputRows), as input elements [lo, hi). */
function windowOf(shape, made, first, last) {
  const { H, W, C, KH, SH } = shape;
  const y0 = Math.max(0, Math.floor(first / made.OW) * SH - made.top);
  const y1 = Math.max(y0, Math.min(H, Math.floor((last - 1) / made.OW) * SH - made.top + KH));
  return [y0 * W * C, y1 * W * C];
}

describe("Conv2DLayer tap-major path", function () {
  for (const shape of SHAPES) {
    for (const [bits, counts] of Object.entries(FILTERS).map(([b, c]) => [Number(b), c])) {
      it(`${shape.name}, int${bits}, ${counts.join("/")} filters: equals a BigInt reference at every slot width`, async function () {
        const kit = await loadFixture(deploySpatialKit);
        for (const filters of counts) {
          const made = await handMade(kit, bits, { ...shape, filters }, { frac: 0 });
          for (const x of inputsFor(made.size, bits, made.rows, 31 + filters)) {
            expect(await made.layer.forward([x], made.pages), `${filters} filters`).to.deep.equal(made.reference(x));
          }
        }
      });
    }
  }

  for (const bits of [8, 32]) {
    for (const shape of SHAPES.slice(0, 4)) {
      it(`${shape.name}, int${bits}: every slice is forward's, bit for bit`, async function () {
        const kit = await loadFixture(deploySpatialKit);
        const filters = bits === 8 ? 5 : 6;
        const made = await handMade(kit, bits, { ...shape, filters }, { frac: 0 });
        const x = [randomIntsWithin(made.size, 3 * 2 ** F, 13)];
        const full = await expectSlicesOfForward(made.layer, x, made.pages, filters);
        expect(full).to.deep.equal(made.reference(x[0]));
      });
    }
  }

  it("forwardWindow with only the input rows under the range equals the reference's slice", async function () {
    const kit = await loadFixture(deploySpatialKit);
    for (const shape of SHAPES.slice(0, 5)) {
      for (const [bits, filters] of [[32, 6], [8, 5], [16, 2]]) {
        const made = await handMade(kit, bits, { ...shape, filters }, { frac: 0 });
        const x = randomIntsWithin(made.size, 3 * 2 ** F, 17);
        const expected = made.reference(x);
        const size = expected.length;
        // Whole positions, cuts inside positions and rows, single elements at both ends.
        const ranges = [[0, size], [0, 1], [size - 1, size], [filters + 1, 3 * made.OW * filters - 2],
          [made.OW * filters - 1, 2 * made.OW * filters + 1], [Math.floor(size / 2) - 3, size - filters - 1]];
        for (const [start, end] of ranges.filter(([a, b]) => a < b && b <= size)) {
          const first = Math.floor(start / filters);
          const last = Math.floor((end - 1) / filters) + 1;
          const [lo, hi] = windowOf(shape, made, first, last);
          const [output] = await made.layer.forwardWindow([x.slice(lo, hi)], [lo], [made.size], made.pages, start, end);
          expect([...output], `${shape.name} int${bits} [${start}, ${end}) from rows [${lo}, ${hi})`).to.deep.equal(expected.slice(start, end));
        }
      }
    }
  });
});
