// PackedTensor (contracts/lib/PackedTensor.sol) through PackedTensorHarness, against the JS
// reference of test/helpers/packedTensor.js: the smallest width exactly at every boundary of
// every width 1..32, round trips (calldata and memory), wider-than-needed packings, the checks
// on malformed bytes, and the gas per value.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { packedWidth, packTensor } = require("../helpers/packedTensor");
const { randomIntsOfWidth, randomIntsWithin } = require("../helpers/random");

const INT256_MIN = -(1n << 255n);
const INT256_MAX = (1n << 255n) - 1n;

describe("PackedTensor", function () {
  async function deployFixture() {
    return { harness: await ethers.deployContract("PackedTensorHarness") };
  }

  /** Packs on chain; expects the reference bytes and a round trip through both unpacks. */
  async function roundTrip(harness, values) {
    const [packed] = await harness.pack(values);
    expect(packed, `pack(${values.slice(0, 4)}...)`).to.equal(packTensor(values));
    const [back] = await harness.unpack(packed);
    expect([...back]).to.deep.equal(values);
    expect([...(await harness.unpackMemory(packed))]).to.deep.equal(values);
    return packed;
  }

  it("picks the smallest width at the named edges", async function () {
    const { harness } = await loadFixture(deployFixture);
    const cases = [
      [[], 1], [[0n, 0n, 0n], 1], [[127n], 1], [[128n], 2], [[-128n], 1], [[-129n], 2], [[-1n], 1],
      [[32767n], 2], [[32768n], 3], [[-32768n], 2], [[-32769n], 3],
      [[INT256_MAX], 32], [[INT256_MIN], 32], [[INT256_MIN, INT256_MAX], 32], [[0n, 1n, INT256_MIN], 32],
    ];
    for (const [values, width] of cases) {
      expect(await harness.width(values), `width of [${values}]`).to.equal(width);
      const packed = await roundTrip(harness, values);
      expect(ethers.dataLength(packed)).to.equal(1 + width * values.length);
    }
    expect((await harness.pack([]))[0]).to.equal("0x01");
  });

  for (let w = 1; w <= 32; w++) {
    it(`width ${w}: its extremes take ${w} byte${w > 1 ? "s" : ""}, one past them ${w < 32 ? w + 1 : "(none)"}; random values round-trip`, async function () {
      const { harness } = await loadFixture(deployFixture);
      const high = (1n << BigInt(8 * w - 1)) - 1n;
      const low = -(1n << BigInt(8 * w - 1));
      for (const values of [[high], [low], [low, 0n, high], [0n, -1n, high, low, 1n]]) {
        expect(await harness.width(values)).to.equal(w);
        await roundTrip(harness, values);
      }
      if (w < 32) {
        for (const values of [[high + 1n], [low - 1n], [0n, high + 1n, low]]) {
          expect(await harness.width(values)).to.equal(w + 1);
          await roundTrip(harness, values);
        }
      }
      const random = randomIntsOfWidth(37, 8 * w, 100 + w); // uniform in the width's range
      expect(packedWidth(random)).to.equal(w);
      await roundTrip(harness, random);
    });
  }

  it("unpacks a packing wider than needed (any width that holds the values)", async function () {
    const { harness } = await loadFixture(deployFixture);
    const values = [0n, 1n, -1n, 127n, -128n, 300n];
    for (const w of [2, 3, 7, 31, 32]) {
      const packed = packTensor(values, w);
      expect([...(await harness.unpack(packed))[0]], `width ${w}`).to.deep.equal(values);
      expect([...(await harness.unpackMemory(packed))], `width ${w}`).to.deep.equal(values);
    }
  });

  it("refuses bytes that are not a packed tensor: MalformedPackedTensor(length, width)", async function () {
    const { harness } = await loadFixture(deployFixture);
    const bad = [["0x", 0, 0], ["0x00", 1, 0], ["0x0001", 2, 0], ["0x21" + "00".repeat(33), 34, 33], ["0xff00", 2, 255],
      ["0x020001ff", 4, 2], ["0x03000102ff", 5, 3], ["0x20" + "00".repeat(31), 32, 32]];
    for (const [hex, length, width] of bad) {
      expect(await harness.isWellFormed(hex), hex).to.equal(false);
      await expect(harness.unpack(hex)).to.be.revertedWithCustomError(harness, "MalformedPackedTensor").withArgs(length, width);
      await expect(harness.unpackMemory(hex)).to.be.revertedWithCustomError(harness, "MalformedPackedTensor").withArgs(length, width);
    }
    for (const hex of ["0x01", "0x20", "0x0101", "0x0200010002", "0x20" + "00".repeat(64)]) {
      expect(await harness.isWellFormed(hex), hex).to.equal(true);
    }
  });

  it("costs a few tens of gas a value (pack and unpack, 4-byte values)", async function () {
    const { harness } = await loadFixture(deployFixture);
    // Activations in [0, 1) at F = 24 (4 bytes each); the slope between two sizes is the cost
    // per value, memory expansion included.
    const perValue = async (fn) => {
      const [small, large] = [200, 400];
      const a = await fn(randomIntsWithin(small, 2 ** 24 - 1, 5).map((v) => (v < 0n ? -v : v)));
      const b = await fn(randomIntsWithin(large, 2 ** 24 - 1, 5).map((v) => (v < 0n ? -v : v)));
      return Number(b - a) / (large - small);
    };
    const pack = await perValue(async (values) => (await harness.pack(values))[1]);
    const unpack = await perValue(async (values) => (await harness.unpack(packTensor(values)))[1]);
    console.log(`      PackedTensor gas per value: pack ${pack.toFixed(1)}, unpack ${unpack.toFixed(1)}`);
    expect(pack).to.be.below(100);
    expect(unpack).to.be.below(60);
  });

  it("unpacks a 96x96x3 image at F = 24 in [0, 1) on chain in under a quarter of the eth_call cap", async function () {
    const { harness } = await loadFixture(deployFixture);
    const image = randomIntsWithin(96 * 96 * 3, 2 ** 24 - 1, 9).map((v) => (v < 0n ? -v : v));
    const packed = packTensor(image);
    expect(ethers.dataLength(packed)).to.equal(1 + 4 * image.length);
    // Raw return data, not decoded by ethers (27,648 values take it ~13 s): (offset, gas, n, values).
    const raw = await ethers.provider.call({ to: harness.target, data: harness.interface.encodeFunctionData("unpack", [packed]) });
    const word = (v) => v.toString(16).padStart(64, "0"); // values here are >= 0
    expect(raw.slice(2 + 3 * 64)).to.equal(image.map(word).join(""));
    expect(raw.slice(2 + 2 * 64, 2 + 3 * 64)).to.equal(word(BigInt(image.length)));
    const unpackGas = BigInt("0x" + raw.slice(2 + 64, 2 + 2 * 64));
    console.log(`      96x96x3 image: unpack ${unpackGas} gas`);
    expect(unpackGas).to.be.below(16_777_216n / 4n);
  });
});
