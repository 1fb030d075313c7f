// Shared by the tests of the layers that compute any part of their output (SlicedLayerBase):
// forwardSlice against forward, and what a part costs the layer.
const { expect } = require("chai");
const { forwardGas, implementationGas } = require("./layerHarness");

const MAX_UINT = 2n ** 256n - 1n;

/**
 * forwardSlice(inputs, pages, start, end) equals forward(inputs, pages)[start:end]: over ranges
 * that cut the output unevenly (mid-pixel, mid-row) and together cover it, and ranges that a slice
 * clamps (past the end, reversed, empty, [0, 2^256 - 1)). Returns forward's output.
 */
async function expectSlicesOfForward(kit, layer, inputs, pages = []) {
  const { output: whole } = await forwardGas(kit, layer, inputs, pages);
  const n = whole.length;
  const cuts = [...new Set([0, 1, Math.floor(n / 3), Math.floor(n / 2) + 1, n - 1, n])]
    .filter((cut) => cut >= 0 && cut <= n).sort((a, b) => a - b);
  const joined = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const { output } = await forwardGas(kit, layer, inputs, pages, [cuts[k], cuts[k + 1]]);
    expect(output, `forwardSlice(${cuts[k]}, ${cuts[k + 1]})`).to.deep.equal(whole.slice(cuts[k], cuts[k + 1]));
    joined.push(...output);
  }
  expect(joined).to.deep.equal(whole);
  const clamped = [[n, n + 5], [Math.max(n - 2, 0), n + 7], [3, 2], [1, 1], [0, MAX_UINT]];
  for (const [start, end] of clamped) {
    const { output } = await forwardGas(kit, layer, inputs, pages, [start, end]);
    const within = (v) => (BigInt(v) > BigInt(n) ? n : Number(v));
    const from = within(start);
    expect(output, `forwardSlice(${start}, ${end}) of ${n}`).to.deep.equal(whole.slice(from, Math.max(from, within(end))));
  }
  return whole;
}

/**
 * The first and the last quarter of the output cost the layer's implementation (its DELEGATECALL,
 * not the clone's copy of the calldata: `implementationGas`) less than 35% of its whole forward.
 * Returns {full, quarters: [gas, gas]}.
 */
async function expectQuarterCheaper(kit, layer, inputs, pages = []) {
  const { output } = await forwardGas(kit, layer, inputs, pages);
  const n = output.length;
  const quarter = Math.floor(n / 4);
  const full = await implementationGas(kit, layer, inputs, pages);
  const quarters = [];
  for (const range of [[0, quarter], [n - quarter, n]]) {
    const part = await implementationGas(kit, layer, inputs, pages, range);
    expect(part / full, `forwardSlice(${range}) ${part} gas vs forward ${full}`).to.be.below(0.35);
    quarters.push(part);
  }
  return { full, quarters };
}

module.exports = { expectSlicesOfForward, expectQuarterCheaper };
