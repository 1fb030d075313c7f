// Activations (activate by code, softmax per axis, leakyRelu) against python/eternal/activations.py,
// value for value (test/fixtures/numbers/activations.json, written by
// scripts/make_activation_fixtures.py), through FixedHarness.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const fixture = require("../fixtures/numbers/activations.json");

async function deployHarness() {
  const harness = await ethers.deployContract("FixedHarness");
  return { harness };
}

const big = (values) => values.map((v) => BigInt(v));

describe("Activations (bit-exact with Python)", function () {
  for (const c of fixture.cases.filter((c) => c.fn === "activate")) {
    it(`activate ${c.name} (code ${c.kind}) on ${c.x.length / c.axis} rows of ${c.axis}`, async function () {
      const { harness } = await loadFixture(deployHarness);
      expect(await harness.activate(big(c.x), c.kind, c.frac, c.axis)).to.deep.equal(big(c.y));
    });
  }

  it("activate rejects an unknown code and a softmax axis that does not divide", async function () {
    const { harness } = await loadFixture(deployHarness);
    // Codes 6 and up run in the harness's ActivationKernels, which reverts for a code it does not know.
    const kernels = await ethers.getContractFactory("ActivationKernels");
    await expect(harness.activate([1n, 2n], 99, 24, 2)).to.be.revertedWithCustomError(kernels, "UnknownActivation").withArgs(99);
    await expect(harness.activate([1n, 2n, 3n], 4, 24, 2)).to.be.revertedWithCustomError(harness, "SoftmaxAxisMismatch").withArgs(3, 2);
  });

  for (const c of fixture.cases.filter((c) => c.fn === "leakyRelu")) {
    it(`leakyRelu with multiplier ${c.q} * 2^-${c.qFrac}`, async function () {
      const { harness } = await loadFixture(deployHarness);
      expect(await harness.leakyRelu(big(c.x), c.q, c.qFrac, c.frac)).to.deep.equal(big(c.y));
    });
  }

  it("extended activations revert ActivationInputTooLarge past +-2^190, like the emulator", async function () {
    const { harness } = await loadFixture(deployHarness);
    const c = fixture.cases.find((c) => c.fn === "extendedTooLarge");
    const kernels = await ethers.getContractFactory("ActivationKernels");
    for (const x of big(c.x)) {
      await expect(harness.activate([0n, x], 10, c.frac, 1)).to.be.revertedWithCustomError(kernels, "ActivationInputTooLarge").withArgs(x);
    }
  });

  it("a layer without ActivationKernels reverts ActivationKernelsMissing for an extended code", async function () {
    const { harness } = await loadFixture(deployHarness);
    // Only the implementation's own first creation counts: a contract that created none has none.
    const bare = await ethers.deployContract("BareActivationHarness");
    await expect(bare.activate([1n], 6, 24, 1)).to.be.revertedWithCustomError(harness, "ActivationKernelsMissing");
    expect(await bare.activate([], 6, 24, 1)).to.deep.equal([]); // nothing to activate: no call
  });
});
