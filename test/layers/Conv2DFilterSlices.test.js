// Conv2DLayer.forwardSlice of ranges that begin or end inside an output position (Conv2DLayer.Cut):
// only the blocks of E = 256/L filters holding the range's filters run at a partial position.
// Against the independent BigInt reference (kernel frac 0: an error of 1 in any sum shows) at every
// weight width and slot width (64/128/256-bit), filter counts that are and are not multiples of E
// (int32 pairs of blocks included), position-major, tap-major and single-pixel pointwise shapes;
// and what a filter range of a single-pixel layer costs against the whole position.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit } = require("../helpers/spatial");
const { randomIntsWithin } = require("../helpers/random");
const { F, handMade, slotLimit } = require("../helpers/conv2d");

const SHAPES = [
  { name: "position-major 3x3 same (C KW = 27)", H: 3, W: 4, C: 9, KH: 3, KW: 3, SH: 1, SW: 1, padding: "same" },
  { name: "tap-major 2x3 valid, stride 1x2", H: 3, W: 9, C: 2, KH: 2, KW: 3, SH: 1, SW: 2, padding: "valid" },
  { name: "pointwise on one pixel", H: 1, W: 1, C: 12, KH: 1, KW: 1, SH: 1, SW: 1, padding: "valid" },
];

// E = 32 (int8), 16 (int16), 8 (int32) filters a block: counts below, at and past a block, not
// multiples of it; int32 counts of 16 or more run full blocks in pairs.
const FILTERS = { 8: [5, 33, 70], 16: [7, 35], 32: [11, 16, 37] };

/** Ranges [start, end) that begin, end, or both, inside a position of `filters` outputs. */
function rangesOf(filters, positions, block) {
  const f = filters;
  const ranges = [[1, f - 1], [0, 1], [f - 1, f], [Math.min(block, f - 1), Math.min(block + 1, f)],
    [Math.max(block - 1, 0), Math.min(2 * block + 1, f)], [Math.floor(f / 2), f]];
  if (positions >= 2) ranges.push([f - 3, f + 5], [f, 2 * f - 1], [3, 2 * f], [f + block, 2 * f]);
  if (positions >= 3) ranges.push([Math.floor(f / 2), 2 * f + Math.floor(f / 2)], [1, 3 * f - 1], [f - 1, 2 * f + 1]);
  return ranges.filter(([a, b]) => a < b && b <= f * positions && (a % f !== 0 || b % f !== 0));
}

describe("Conv2DLayer filter slices", function () {
  for (const shape of SHAPES) {
    for (const [bits, counts] of Object.entries(FILTERS).map(([b, c]) => [Number(b), c])) {
      it(`${shape.name}, int${bits}, ${counts.join("/")} filters: partial positions equal the BigInt reference at every slot width`, async function () {
        const kit = await loadFixture(deploySpatialKit);
        for (const filters of counts) {
          const made = await handMade(kit, bits, { ...shape, filters }, { frac: 0 });
          const alternate = (m) => Array.from({ length: made.size }, (_, i) => (i % 3 === 1 ? -m : m));
          const ranges = rangesOf(filters, made.OH * made.OW, 256 / bits);
          for (const x of [randomIntsWithin(made.size, 3 * 2 ** F, 41 + filters), alternate(slotLimit(64, bits, made.rows)),
            alternate(slotLimit(64, bits, made.rows) + 1n), alternate(slotLimit(128, bits, made.rows) + 1n)]) {
            const full = made.reference(x);
            for (const [start, end] of ranges) {
              const [output, size] = await made.layer.forwardSlice([x], made.pages, start, end);
              expect([...output], `${filters} filters, [${start}, ${end})`).to.deep.equal(full.slice(start, end));
              expect(size).to.equal(BigInt(full.length));
            }
          }
        }
      });
    }
  }

  it("a fused BatchNormalization and ReLU apply to a partial position as to the whole", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const filters = 21;
    const post = {
      scale: randomIntsWithin(filters, 2 ** 15, 7), scaleFrac: 14, offset: randomIntsWithin(filters, 2 ** 15, 8),
      offsetFrac: 15, relu: 1, threshold: 0n, hasMax: 1, maxValue: 6n << BigInt(F),
    };
    const made = await handMade(kit, 16, { ...SHAPES[0], filters }, { post });
    const x = randomIntsWithin(made.size, 2 ** F, 5);
    const full = made.reference(x);
    for (const [start, end] of [[3, 17], [filters + 16, 3 * filters + 2]]) {
      expect([...(await made.layer.forwardSlice([x], made.pages, start, end))[0]]).to.deep.equal(full.slice(start, end));
    }
  });

  it("four of a single pixel's 16 blocks cost under 35% of the position, one block under 20% (1x1, 256 -> 512, int8)", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const shape = { H: 1, W: 1, C: 256, KH: 1, KW: 1, filters: 512, SH: 1, SW: 1, padding: "valid" };
    const made = await handMade(kit, 8, shape);
    const x = [randomIntsWithin(made.size, 2 ** F, 3)];
    const gasOf = async (start, end) => Number((await kit.harness.measureSlice(made.layer.target, x, made.pages, start, end))[2]);
    const whole = await gasOf(0, 512);
    const quarter = await gasOf(129, 255); // blocks 4-7
    const block = await gasOf(40, 41); // block 1
    console.log(`      Conv2D 1x1x256 -> 512 int8: the position ${whole} gas, filters [129, 255) ${quarter}, filter 40 ${block}`);
    expect(quarter / whole).to.be.below(0.35);
    expect(block / whole).to.be.below(0.2);
  });
});
