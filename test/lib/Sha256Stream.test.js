// Sha256Stream against the sha256 precompile (ethers.sha256): messages of 0..40 random words
// (odd and even counts), edge words (all zeros, all ones), and 10,000 and 10,001 words absorbed
// over many calls, as EternalModel absorbs page hashes over many appendPages transactions.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { randomBytes } = require("../helpers/random");

const INITIAL_STATE = 0x6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19n;

/** `count` seeded random 32-byte words, as hex strings. */
function randomWords(count, seed) {
  const bytes = randomBytes(32 * count, seed);
  return Array.from({ length: count }, (_, i) => ethers.hexlify(bytes.slice(32 * i, 32 * i + 32)));
}

describe("Sha256Stream", function () {
  async function deployFixture() {
    return { harness: await ethers.deployContract("Sha256StreamHarness") };
  }

  it("equals the precompile for 0..40 random words", async function () {
    const { harness } = await loadFixture(deployFixture);
    for (let count = 0; count <= 40; ++count) {
      const words = randomWords(count, 100 + count);
      expect(await harness.hashWords(words), `${count} words`).to.equal(ethers.sha256(ethers.concat(words)));
    }
    expect(await harness.hashWords([])).to.equal("0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("equals the precompile on edge words: zeros, ones, single set bits", async function () {
    const { harness } = await loadFixture(deployFixture);
    const zero = ethers.ZeroHash;
    const ones = ethers.MaxUint256;
    const edges = [zero, ethers.toBeHex(ones, 32), ethers.toBeHex(1n, 32), ethers.toBeHex(1n << 255n, 32), ethers.toBeHex(0x80n << 248n, 32)];
    for (const a of edges) {
      for (const b of edges) {
        for (const words of [[a], [a, b], [a, b, a]]) {
          expect(await harness.hashWords(words)).to.equal(ethers.sha256(ethers.concat(words)));
        }
      }
    }
  });

  it("matches the FIPS 180-4 chaining value after one block of 'abc' padding", async function () {
    // sha256("abc") is one block: 'abc' 0x80 zeros, length 24 bits; its chaining value is the digest.
    const { harness } = await loadFixture(deployFixture);
    const block = ethers.concat([ethers.toUtf8Bytes("abc"), "0x80", new Uint8Array(52), ethers.toBeHex(24n, 8)]);
    const next = await harness.absorb(INITIAL_STATE, [ethers.dataSlice(block, 0, 32), ethers.dataSlice(block, 32, 64)]);
    expect(ethers.toBeHex(next, 32)).to.equal("0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  for (const count of [10000, 10001]) {
    it(`equals the precompile for ${count} words absorbed over many calls`, async function () {
      this.timeout(600000);
      const { harness } = await loadFixture(deployFixture);
      const words = randomWords(count, 7 + count);
      const even = count - (count % 2);
      let state = INITIAL_STATE;
      for (let i = 0; i < even; i += 500) state = await harness.absorb(state, words.slice(i, Math.min(i + 500, even)));
      const pending = count % 2 ? words[count - 1] : ethers.ZeroHash;
      expect(await harness.digest(state, pending, count)).to.equal(ethers.sha256(ethers.concat(words)));
    });
  }

  it("compresses a block in under 30,000 gas", async function () {
    const { harness } = await loadFixture(deployFixture);
    const [first, second] = randomWords(2, 5);
    const [, gasUsed] = await harness.compressGas(INITIAL_STATE, first, second);
    console.log(`      Sha256Stream.compress: ${gasUsed} gas per 64-byte block`);
    expect(gasUsed).to.be.below(30000n);
  });
});
