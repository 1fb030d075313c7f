// FixedMath and Activations against python/eternal/activations.py, value for value
// (test/fixtures/numbers/activations.json, written by scripts/make_activation_fixtures.py).
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const fixture = require("../fixtures/numbers/activations.json");

async function deployHarness() {
  const harness = await ethers.deployContract("FixedHarness");
  return { harness };
}

const big = (values) => values.map((v) => BigInt(v));

describe("Fixed / Activations (bit-exact with Python)", function () {
  for (const fn of ["exp", "sigmoid", "tanh"]) {
    for (const c of fixture.cases.filter((c) => c.fn === fn)) {
      it(`${fn} at F=${c.frac} over ${c.x.length} edge and random inputs`, async function () {
        const { harness } = await loadFixture(deployHarness);
        const got = await Promise.all(c.x.map((x) => harness[fn](BigInt(x), c.frac)));
        expect(got).to.deep.equal(big(c.y));
      });
    }
  }

  for (const c of fixture.cases.filter((c) => c.fn === "expOverflow")) {
    it(`exp above +128 reverts ExpOverflow at F=${c.frac}`, async function () {
      const { harness } = await loadFixture(deployHarness);
      for (const x of c.x) {
        await expect(harness.exp(BigInt(x), c.frac)).to.be.revertedWithCustomError(harness, "ExpOverflow").withArgs(BigInt(x), c.frac);
      }
    });
  }

  it("exp rejects more than 64 fractional bits", async function () {
    const { harness } = await loadFixture(deployHarness);
    await expect(harness.exp(0n, 65)).to.be.revertedWithCustomError(harness, "FracBitsUnsupported").withArgs(65);
  });

  for (const c of fixture.cases.filter((c) => c.fn === "activate")) {
    it(`activate ${c.name} (code ${c.kind}) on 5 rows of 5`, async function () {
      const { harness } = await loadFixture(deployHarness);
      expect(await harness.activate(big(c.x), c.kind, c.frac, c.axis)).to.deep.equal(big(c.y));
    });
  }

  it("activate rejects an unknown code and a softmax axis that does not divide", async function () {
    const { harness } = await loadFixture(deployHarness);
    const lib = await ethers.getContractAt("FixedHarness", await harness.getAddress());
    await expect(harness.activate([1n, 2n], 6, 24, 2)).to.be.revertedWithCustomError(lib, "UnknownActivation").withArgs(6);
    await expect(harness.activate([1n, 2n, 3n], 4, 24, 2)).to.be.revertedWithCustomError(lib, "SoftmaxAxisMismatch").withArgs(3, 2);
  });

  for (const c of fixture.cases.filter((c) => c.fn === "leakyRelu")) {
    it(`leakyRelu with multiplier ${c.q} * 2^-${c.qFrac}`, async function () {
      const { harness } = await loadFixture(deployHarness);
      expect(await harness.leakyRelu(big(c.x), c.q, c.qFrac, c.frac)).to.deep.equal(big(c.y));
    });
  }

  it("rescale rounds half up over a grid of values and scales", async function () {
    const { harness } = await loadFixture(deployHarness);
    const rows = fixture.cases.find((c) => c.fn === "rescale").rows;
    const got = await Promise.all(rows.map(([v, from, to]) => harness.rescale(BigInt(v), from, to)));
    expect(got).to.deep.equal(rows.map((r) => BigInt(r[3])));
  });

  it("operators are checked: int256 overflow reverts", async function () {
    const { harness } = await loadFixture(deployHarness);
    const max = 2n ** 255n - 1n;
    expect(await harness.add(max - 1n, 1n)).to.equal(max);
    await expect(harness.add(max, 1n)).to.be.revertedWithPanic(0x11);
  });

  it("prints the gas of exp, sigmoid and tanh", async function () {
    const { harness } = await loadFixture(deployHarness);
    const rows = [];
    for (const [kind, name] of [[0, "exp"], [1, "sigmoid"], [2, "tanh"]]) {
      for (const x of [-(3n << 24n), 1n << 23n, 5n << 24n]) {
        rows.push({ fn: name, x: Number(x) / 2 ** 24, gas: Number(await harness.gasOf(kind, x, 24)) });
      }
    }
    console.table(rows);
    for (const r of rows) expect(r.gas).to.be.below(5000);
  });
});
