// WeightPages: any range of a weight stream stored as SSTORE2 pages, through WeightPagesHarness
// (`readInto`); pages written by LayerHarness as EternalModel.appendPages writes them (SSTORE2).
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { deployLayerKit, writeStream } = require("../helpers/layerHarness");
const { PAGE_SIZE } = require("../helpers/weightStream");
const { randomNonZeroBytes } = require("../helpers/random");

describe("WeightPages", function () {
  // 2 full pages and a short one.
  async function deployFixture() {
    const kit = await deployLayerKit(["WeightPagesHarness"]);
    const stream = randomNonZeroBytes(2 * PAGE_SIZE + 1000, 7);
    const pages = await writeStream(kit, stream);
    return { harness: kit.implementations.WeightPagesHarness, stream, pages };
  }

  it("copies any range, page boundaries included, and refuses ranges past the last page", async function () {
    const { harness, stream, pages } = await loadFixture(deployFixture);
    expect(pages.length).to.equal(3);
    const cases = [[0, 1], [0, 32], [PAGE_SIZE - 1, 2], [PAGE_SIZE, 33], [100, 2 * PAGE_SIZE + 900], [2 * PAGE_SIZE + 999, 1], [7, 0]];
    const random = randomNonZeroBytes(40, 99); // 20 more ranges anywhere in the stream, some across pages
    for (let k = 0; k < 40; k += 2) {
      const offset = Math.floor((random[k] / 256) * stream.length);
      cases.push([offset, Math.min(1 + random[k + 1] * 97, stream.length - offset)]);
    }
    for (const [offset, length] of cases) {
      expect(await harness.readInto(pages, offset, length)).to.equal(ethers.hexlify(stream.slice(offset, offset + length)));
    }
    await expect(harness.readInto(pages, 3 * PAGE_SIZE, 1)).to.be.revertedWithCustomError(harness, "WeightRangeOutOfBounds").withArgs(3 * PAGE_SIZE, 1, 3, 3);
  });
});
