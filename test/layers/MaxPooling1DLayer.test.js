// MaxPooling1DLayer (MaxPooling2D with height 1): on chain == emulator for every fixture, and a
// hand-made 'same' window over an odd length against a BigInt reference, and its slices.
const { expect } = require("chai");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deploySpatialKit, itMatchesEmulatorOnFixtures } = require("../helpers/spatial");
const { expectSlicesOfForward } = require("../helpers/layerHarness");
const { randomIntsWithin } = require("../helpers/random");
const { handMadePooling, maxOf } = require("../helpers/pooling");

describe("MaxPooling1DLayer", function () {
  itMatchesEmulatorOnFixtures("MaxPooling1DLayer");

  it("'same' pool 3 stride 2 over length 7: equals a BigInt reference", async function () {
    const kit = await loadFixture(deploySpatialKit);
    const shape = { H: 1, W: 7, C: 3, PH: 1, PW: 3, SH: 1, SW: 2, padding: "same" };
    const { layer, reference, size } = await handMadePooling(kit, "MaxPooling1DLayer", shape, maxOf);
    const x = randomIntsWithin(size, 2 ** 40, 21);
    expect(await layer.forward([x], [])).to.deep.equal(reference(x));
    expect(await expectSlicesOfForward(layer, [x], [], 3)).to.deep.equal(reference(x));
  });
});
