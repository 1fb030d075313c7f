// FixedMath (the Fixed type's operators, rescaling, exp, sigmoid, tanh) and FixedLog's lnQ64 against
// python/eternal/activations.py, value for value (test/fixtures/numbers/activations.json, written
// by scripts/make_activation_fixtures.py), through FixedHarness.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const fixture = require("../fixtures/numbers/activations.json");

async function deployHarness() {
  const harness = await ethers.deployContract("FixedHarness");
  return { harness };
}

const big = (values) => values.map((v) => BigInt(v));

describe("FixedMath (bit-exact with Python)", function () {
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

  it("lnQ64 (FixedLog) over its edges and random Q64 values from 1 to 2^254", async function () {
    const { harness } = await loadFixture(deployHarness);
    const c = fixture.cases.find((c) => c.fn === "lnQ64");
    const got = await Promise.all(c.x.map((u) => harness.lnQ64(BigInt(u))));
    expect(got).to.deep.equal(big(c.y));
  });

  it("exp rejects more than 64 fractional bits", async function () {
    const { harness } = await loadFixture(deployHarness);
    await expect(harness.exp(0n, 65)).to.be.revertedWithCustomError(harness, "FracBitsUnsupported").withArgs(65);
  });

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
