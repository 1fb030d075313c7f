// Shared by the tests of the layers that compute only the part of their output a forwardSlice asks
// for (SlicedLayerBase): what a part costs the layer. (Slices against forward:
// layerHarness.expectSlicesOfForward.)
const { expect } = require("chai");
const { forwardGas, implementationGas } = require("./layerHarness");

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

module.exports = { expectQuarterCheaper };
