// A layer implementation called directly, as EternalModel calls it (past the clone's proxy,
// which would copy the calldata and the answer into memory): the clone's address appended as
// the calldata's last word. It must answer as the clone does, through its own calls to itself
// too (LayerBase's default forwardSlice and forwardWindow), and refuse anything but a clone of
// itself there (NotAClone).
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { abi, deployLayerKit, cloneLayer } = require("../../helpers/layerHarness");
const { F, ONE } = require("../../helpers/edgeGrid");

const U3 = ["uint256", "uint256", "uint256"];

async function deployKit() {
  const kit = await deployLayerKit(["SoftmaxLayer", "ReLULayer"]);
  const soft = await cloneLayer(kit, "SoftmaxLayer", abi.encode(U3, [F, 32, 2]));
  const other = await cloneLayer(kit, "SoftmaxLayer", abi.encode(U3, [F, 32, 3]));
  const relu = await cloneLayer(kit, "ReLULayer", abi.encode(["uint256", "uint256", "int256", "int256", "int256", "uint256", "int256"], [F, 32, 0, 31, 0, 0, 0]));
  return { kit, soft, other, relu, implementation: kit.implementations.SoftmaxLayer };
}

/** `fn(...args)` sent to `target` with `clone` (an address, or any 32-byte word) appended. */
async function direct(layer, target, clone, fn, args) {
  const data = layer.interface.encodeFunctionData(fn, args) + ethers.zeroPadValue(clone, 32).slice(2);
  const answer = await ethers.provider.call({ to: target, data });
  return layer.interface.decodeFunctionResult(fn, answer);
}

describe("LayerBase: direct calls naming the clone", function () {
  const x = [0n, 0n, ONE, -ONE, 3n * ONE, ONE];

  it("forward, forwardSlice and forwardWindow (the default ones call the layer itself) answer as the clone does", async function () {
    const { soft, other, implementation } = await loadFixture(deployKit);
    const target = await implementation.getAddress();
    for (const clone of [soft, other]) {
      const [whole] = await direct(clone, target, clone.target, "forward", [[x], []]);
      expect(whole).to.deep.equal(await clone.forward([x], []));
      const slice = await direct(clone, target, clone.target, "forwardSlice", [[x], [], 1, 5]);
      expect([...slice]).to.deep.equal([...(await clone.forwardSlice([x], [], 1, 5))]);
      const window = await direct(clone, target, clone.target, "forwardWindow", [[x], [0], [x.length], [], 2, 6]);
      expect([...window]).to.deep.equal([...(await clone.forwardWindow([x], [0], [x.length], [], 2, 6))]);
    }
    // Each call read its own clone's config: axis 2 and axis 3 differ.
    expect(await soft.forward([x], [])).to.not.deep.equal(await other.forward([x], []));
  });

  it("refuses a last word that is not a clone of this implementation: NotAClone", async function () {
    const { kit, soft, relu, implementation } = await loadFixture(deployKit);
    const target = await implementation.getAddress();
    const notClones = [
      relu.target, // a clone of another implementation
      target, // the implementation itself
      await kit.harness.getAddress(), // some contract
      ethers.ZeroAddress, // no code
      "0x" + "ff".repeat(12) + soft.target.slice(2), // the clone, with high bits set
    ];
    for (const word of notClones) {
      const data = soft.interface.encodeFunctionData("forward", [[x], []]) + ethers.zeroPadValue(word, 32).slice(2);
      await expect(ethers.provider.call({ to: target, data })).to.be.revertedWithCustomError(implementation, "NotAClone");
    }
    // Without a word appended, the last word of the arguments is no clone either.
    await expect(implementation.forward([x], [])).to.be.revertedWithCustomError(implementation, "NotAClone");
  });
});
