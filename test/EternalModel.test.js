// EternalModel lifecycle and access control, on a hand-made model: an identity input layer and a
// WeightPagesHarness layer (output = a slice of the weight stream spanning pages, plus the sum of
// its input). Weights: 2 full pages + a short one; graph: 2 chunks. Hashes computed here in JS.
const { expect } = require("chai");
const { ethers } = require("hardhat");
const { loadFixture } = require("@nomicfoundation/hardhat-network-helpers");
const { LibZip } = require("solady/js/solady.js");
const { PAGE_SIZE, splitPages } = require("./helpers/weightStream");
const { randomNonZeroBytes } = require("./helpers/random");

const State = { Created: 0n, Constructed: 1n, WeightsUploaded: 2n, Finalised: 3n };
const coder = ethers.AbiCoder.defaultAbiCoder();

/** A two-layer model whose harness layer reads `length` bytes at `offset` of the stream. */
function makeModel(offset, length) {
  const stream = randomNonZeroBytes(2 * PAGE_SIZE + 1000, 7);
  const graph = ethers.toUtf8Bytes(JSON.stringify({ format: "eternal-graph/1", padding: "g".repeat(30000) }));
  const pages = splitPages(stream);
  const pageHashes = pages.map((page) => ethers.sha256(page));
  const graphHash = ethers.sha256(graph);
  const weightsHash = ethers.sha256(ethers.concat(pageHashes));
  return {
    stream,
    graph: ethers.hexlify(graph),
    graphChunks: splitPages(graph),
    pages,
    pageHashes,
    graphHash,
    weightsHash,
    modelHash: ethers.sha256(ethers.concat([graphHash, weightsHash])),
    config: coder.encode(["uint256", "uint256"], [offset, length]),
  };
}

describe("EternalModel", function () {
  async function deployFixture() {
    const [owner, other] = await ethers.getSigners();
    const harness = await ethers.deployContract("WeightPagesHarness");
    const model = await ethers.deployContract("EternalModel");
    // Slice across the boundary of pages 0 and 1 (test/lib/WeightPages.test.js covers longer spans).
    const spec = makeModel(PAGE_SIZE - 40, 100);
    const harnessAddress = await harness.getAddress();
    const addLayers = () => model.addLayers(0, [ethers.ZeroAddress, harnessAddress], ["0x", spec.config]);
    const construct = (overrides = {}) => {
      const a = { inbound: [[], [0]], inputs: [0], outputs: [1], graphHash: spec.graphHash, weightsHash: spec.weightsHash,
        modelHash: spec.modelHash, weightBytes: spec.stream.length, graphBytes: ethers.dataLength(spec.graph), ...overrides };
      return model.construct(a.inbound, a.inputs, a.outputs, a.graphHash, a.weightsHash, a.modelHash, a.weightBytes, a.graphBytes);
    };
    const upload = async (pages = spec.pages) => {
      for (const [index, chunk] of spec.graphChunks.entries()) await model.appendGraph(index, chunk);
      await model.appendPages(0, pages.slice(0, 2));
      await model.appendPages(2, pages.slice(2));
    };
    return { owner, other, harness, model, spec, addLayers, construct, upload };
  }

  async function constructedFixture() {
    const f = await deployFixture();
    await f.addLayers();
    await f.construct();
    return f;
  }

  async function uploadedFixture() {
    const f = await constructedFixture();
    await f.upload();
    return f;
  }

  async function finalisedFixture() {
    const f = await uploadedFixture();
    await f.model.finalize();
    return f;
  }

  describe("deployment", function () {
    it("is owned by the deployer and starts Created", async function () {
      const { model, owner } = await loadFixture(deployFixture);
      expect(await model.owner()).to.equal(owner.address);
      expect(await model.state()).to.equal(State.Created);
    });
  });

  describe("access control", function () {
    // Every non-view function, called by a non-owner in the state where the owner's call would
    // succeed, so only `onlyOwner` stands in the way. A new mutating function fails the first test
    // until it has a row here.
    const byOther = {
      addLayers: [deployFixture, (m, f) => m.addLayers(0, [ethers.ZeroAddress], ["0x"])],
      construct: [layersFixture, (m, f) => m.construct([[], [0]], [0], [1], f.spec.graphHash, f.spec.weightsHash, f.spec.modelHash, f.spec.stream.length, ethers.dataLength(f.spec.graph))],
      appendGraph: [constructedFixture, (m, f) => m.appendGraph(0, f.spec.graphChunks[0])],
      appendPages: [constructedFixture, (m, f) => m.appendPages(0, [f.spec.pages[0]])],
      finalize: [uploadedFixture, (m) => m.finalize()],
      renounceOwnership: [deployFixture, (m) => m.renounceOwnership()],
      transferOwnership: [deployFixture, (m, f) => m.transferOwnership(f.other.address)],
    };

    async function layersFixture() {
      const f = await deployFixture();
      await f.addLayers();
      return f;
    }

    it("has a non-owner test for every non-view function in the ABI", async function () {
      const { model } = await loadFixture(deployFixture);
      const mutating = model.interface.fragments
        .filter((fragment) => fragment.type === "function" && !fragment.constant)
        .map((fragment) => fragment.name);
      expect([...mutating].sort()).to.deep.equal(Object.keys(byOther).sort());
    });

    for (const [name, [fixture, call]] of Object.entries(byOther)) {
      it(`refuses ${name} from a non-owner`, async function () {
        const f = await loadFixture(fixture);
        const before = await f.model.state();
        await expect(call(f.model.connect(f.other), f))
          .to.be.revertedWithCustomError(f.model, "OwnableUnauthorizedAccount")
          .withArgs(f.other.address);
        expect(await f.model.state()).to.equal(before);
        expect(await f.model.owner()).to.equal(f.owner.address);
      });
    }
  });

  describe("order of calls", function () {
    it("refuses uploads and finalize before construct", async function () {
      const { model, spec, addLayers } = await loadFixture(deployFixture);
      await addLayers();
      await expect(model.appendGraph(0, spec.graphChunks[0])).to.be.revertedWithCustomError(model, "WrongState").withArgs(State.Constructed, State.Created);
      await expect(model.appendPages(0, [spec.pages[0]])).to.be.revertedWithCustomError(model, "WrongState").withArgs(State.Constructed, State.Created);
      await expect(model.finalize()).to.be.revertedWithCustomError(model, "WrongState").withArgs(State.WeightsUploaded, State.Created);
    });

    it("refuses addLayers and construct after construct, finalize before the upload is complete", async function () {
      const { model, spec, addLayers, construct } = await loadFixture(constructedFixture);
      await expect(addLayers()).to.be.revertedWithCustomError(model, "WrongState").withArgs(State.Created, State.Constructed);
      await expect(construct()).to.be.revertedWithCustomError(model, "WrongState").withArgs(State.Created, State.Constructed);
      for (const [index, chunk] of spec.graphChunks.entries()) await model.appendGraph(index, chunk);
      await model.appendPages(0, spec.pages.slice(0, 2));
      await expect(model.finalize()).to.be.revertedWithCustomError(model, "WrongState").withArgs(State.WeightsUploaded, State.Constructed);
    });

    it("refuses predict before finalize", async function () {
      const { model, upload } = await loadFixture(constructedFixture);
      await expect(model.predict([[1n]])).to.be.revertedWithCustomError(model, "NotFinalised");
      await upload();
      expect(await model.state()).to.equal(State.WeightsUploaded);
      await expect(model.predict([[1n]])).to.be.revertedWithCustomError(model, "NotFinalised");
    });
  });

  describe("construct", function () {
    it("checks the model hash against sha256(graphHash || weightsHash)", async function () {
      const { model, spec, addLayers, construct } = await loadFixture(deployFixture);
      await addLayers();
      const wrong = ethers.sha256("0x01");
      await expect(construct({ modelHash: wrong })).to.be.revertedWithCustomError(model, "ModelHashMismatch").withArgs(wrong, spec.modelHash);
    });

    it("checks the links and indices", async function () {
      const { model, addLayers, construct } = await loadFixture(deployFixture);
      await addLayers();
      await expect(construct({ inbound: [[]] })).to.be.revertedWithCustomError(model, "LengthMismatch").withArgs(2, 1);
      await expect(construct({ inbound: [[], [1]] })).to.be.revertedWithCustomError(model, "BadInbound").withArgs(1, 1);
      await expect(construct({ outputs: [2] })).to.be.revertedWithCustomError(model, "LayerIndexOutOfRange").withArgs(2, 2);
      await expect(construct({ inputs: [] })).to.be.revertedWithCustomError(model, "EmptyModel");
      await expect(construct({ inputs: [1], inbound: [[], [0]], outputs: [0] })).to.be.revertedWithCustomError(model, "IdentityLayerInputs").withArgs(0, 0);
      await expect(construct({ inbound: [[], Array(256).fill(0)] })).to.be.revertedWithCustomError(model, "LayerLimitExceeded").withArgs(1, 256, 255);
    });

    it("emits LayerAdded per layer and Constructed", async function () {
      const { model, harness, spec, addLayers, construct } = await loadFixture(deployFixture);
      const tx = addLayers();
      await expect(tx).to.emit(model, "LayerAdded").withArgs(0, ethers.ZeroAddress, ethers.ZeroAddress);
      await expect(tx).to.emit(model, "LayerAdded").withArgs(1, (address) => address !== ethers.ZeroAddress, await harness.getAddress());
      await expect(construct()).to.emit(model, "Constructed").withArgs(spec.modelHash);
      expect(await model.pageCount()).to.equal(3n);
      expect(await model.inbound(1)).to.deep.equal([0n]);
    });
  });

  describe("upload", function () {
    it("refuses a page of the wrong size, too many pages and a graph past its size", async function () {
      const { model, spec } = await loadFixture(constructedFixture);
      const short = ethers.dataSlice(spec.pages[0], 0, PAGE_SIZE - 1);
      await expect(model.appendPages(0, [short])).to.be.revertedWithCustomError(model, "WrongPageSize").withArgs(0, PAGE_SIZE, PAGE_SIZE - 1);
      await model.appendPages(0, spec.pages.slice(0, 2));
      await expect(model.appendPages(2, [spec.pages[0]])).to.be.revertedWithCustomError(model, "WrongPageSize").withArgs(2, 1000, PAGE_SIZE);
      await expect(model.appendPages(2, [spec.pages[2], spec.pages[2]])).to.be.revertedWithCustomError(model, "TooManyPages").withArgs(3, 4);
      const graphBytes = ethers.dataLength(spec.graph);
      await model.appendGraph(0, spec.graphChunks[0]);
      await expect(model.appendGraph(1, spec.graphChunks[0])).to.be.revertedWithCustomError(model, "WrongGraphChunk").withArgs(PAGE_SIZE, PAGE_SIZE, graphBytes);
      await expect(model.appendGraph(1, "0x")).to.be.revertedWithCustomError(model, "WrongGraphChunk").withArgs(PAGE_SIZE, 0, graphBytes);
    });

    it("records page hashes, emits PagesAppended and completes when graph and pages are in", async function () {
      const { model, spec } = await loadFixture(constructedFixture);
      await expect(model.appendPages(0, spec.pages.slice(0, 2))).to.emit(model, "PagesAppended").withArgs(0, 2);
      await expect(model.appendPages(2, spec.pages.slice(2))).to.emit(model, "PagesAppended").withArgs(2, 1);
      expect(await model.state()).to.equal(State.Constructed); // graph still missing
      await expect(model.appendGraph(0, spec.graphChunks[0])).to.emit(model, "GraphAppended").withArgs(0, PAGE_SIZE);
      await expect(model.appendGraph(1, spec.graphChunks[1])).to.emit(model, "UploadCompleted");
      expect(await model.state()).to.equal(State.WeightsUploaded);
      expect(await model.pageHashes()).to.deep.equal(spec.pageHashes);
    });
  });

  describe("out-of-order appends", function () {
    // A rerun that resends a mined batch, or a batch mined after a later one, must revert and
    // change nothing; the model is then finished from the chain's counters and still finalises.
    async function finishAndFinalize({ model, spec }) {
      await model.finalize();
      expect(await model.state()).to.equal(State.Finalised);
      expect(await model.pageHashes()).to.deep.equal(spec.pageHashes);
      expect(await model.graph()).to.equal(spec.graph);
    }

    it("refuses addLayers twice or ahead, with the next index and the one given", async function () {
      const f = await loadFixture(deployFixture);
      const { model, addLayers, construct, upload } = f;
      await addLayers();
      await expect(addLayers()).to.be.revertedWithCustomError(model, "OutOfOrderAppend").withArgs(2, 0);
      await expect(model.addLayers(1, [ethers.ZeroAddress], ["0x"])).to.be.revertedWithCustomError(model, "OutOfOrderAppend").withArgs(2, 1);
      await expect(model.addLayers(3, [ethers.ZeroAddress], ["0x"])).to.be.revertedWithCustomError(model, "OutOfOrderAppend").withArgs(2, 3);
      await expect(model.addLayers(3, [], [])).to.be.revertedWithCustomError(model, "OutOfOrderAppend").withArgs(2, 3);
      expect((await model.layers()).length).to.equal(2);
      await construct();
      await upload();
      await finishAndFinalize(f);
      expect((await model.predict([[5n]]))[0].length).to.equal(101); // the slice of 100 bytes + the sum
    });

    it("refuses appendGraph twice or ahead, with the next chunk index and the one given", async function () {
      const f = await loadFixture(constructedFixture);
      const { model, spec } = f;
      const [first, second] = spec.graphChunks;
      await expect(model.appendGraph(1, second)).to.be.revertedWithCustomError(model, "OutOfOrderAppend").withArgs(0, 1);
      await model.appendGraph(0, first);
      await expect(model.appendGraph(0, first)).to.be.revertedWithCustomError(model, "OutOfOrderAppend").withArgs(1, 0);
      await expect(model.appendGraph(2, second)).to.be.revertedWithCustomError(model, "OutOfOrderAppend").withArgs(1, 2);
      expect(await model.graph()).to.equal(first);
      await model.appendPages(0, spec.pages);
      await model.appendGraph(1, second);
      await expect(model.appendGraph(1, second)).to.be.revertedWithCustomError(model, "WrongState").withArgs(State.Constructed, State.WeightsUploaded);
      await finishAndFinalize(f);
    });

    it("refuses appendPages twice, overlapping or ahead, with the next page index and the one given", async function () {
      const f = await loadFixture(constructedFixture);
      const { model, spec } = f;
      await expect(model.appendPages(1, spec.pages.slice(1, 2))).to.be.revertedWithCustomError(model, "OutOfOrderAppend").withArgs(0, 1);
      await model.appendPages(0, spec.pages.slice(0, 2));
      await expect(model.appendPages(0, spec.pages.slice(0, 2))).to.be.revertedWithCustomError(model, "OutOfOrderAppend").withArgs(2, 0);
      await expect(model.appendPages(1, spec.pages.slice(1))).to.be.revertedWithCustomError(model, "OutOfOrderAppend").withArgs(2, 1);
      await expect(model.appendPages(3, [])).to.be.revertedWithCustomError(model, "OutOfOrderAppend").withArgs(2, 3);
      expect(await model.pageHashes()).to.deep.equal(spec.pageHashes.slice(0, 2));
      for (const [index, chunk] of spec.graphChunks.entries()) await model.appendGraph(index, chunk);
      await model.appendPages(2, spec.pages.slice(2));
      await finishAndFinalize(f);
    });
  });

  describe("finalize", function () {
    it("reverts WeightsHashMismatch for a tampered page", async function () {
      const { model, spec, upload } = await loadFixture(constructedFixture);
      const tampered = ethers.getBytes(spec.pages[1]);
      tampered[12345] ^= 0x01;
      const pages = [spec.pages[0], ethers.hexlify(tampered), spec.pages[2]];
      await upload(pages);
      const actual = ethers.sha256(ethers.concat(pages.map((page) => ethers.sha256(page))));
      await expect(model.finalize()).to.be.revertedWithCustomError(model, "WeightsHashMismatch").withArgs(spec.weightsHash, actual);
    });

    it("reverts GraphHashMismatch for a tampered graph", async function () {
      const { model, spec } = await loadFixture(constructedFixture);
      const tampered = ethers.getBytes(spec.graphChunks[1]);
      tampered[0] ^= 0x20;
      await model.appendGraph(0, spec.graphChunks[0]);
      await model.appendGraph(1, ethers.hexlify(tampered));
      await model.appendPages(0, spec.pages);
      const actual = ethers.sha256(ethers.concat([spec.graphChunks[0], ethers.hexlify(tampered)]));
      await expect(model.finalize()).to.be.revertedWithCustomError(model, "GraphHashMismatch").withArgs(spec.graphHash, actual);
    });

    it("finalises, renounces ownership, and then nothing can change", async function () {
      const { model, owner, spec, addLayers } = await loadFixture(finalisedFixture);
      expect(await model.state()).to.equal(State.Finalised);
      expect(await model.owner()).to.equal(ethers.ZeroAddress);
      const err = (p) => expect(p).to.be.revertedWithCustomError(model, "OwnableUnauthorizedAccount").withArgs(owner.address);
      await err(model.finalize());
      await err(addLayers());
      await err(model.construct([[]], [0], [0], spec.graphHash, spec.weightsHash, spec.modelHash, 0, 1));
      await err(model.appendGraph(2, spec.graphChunks[0]));
      await err(model.appendPages(3, [spec.pages[2]]));
      await err(model.transferOwnership(owner.address));
    });

    it("emits Finalized with the model hash", async function () {
      const { model, spec, upload } = await loadFixture(constructedFixture);
      await upload();
      await expect(model.finalize()).to.emit(model, "Finalized").withArgs(spec.modelHash);
    });
  });

  describe("after finalize", function () {
    it("returns the graph bytes, hashes and pages", async function () {
      const { model, spec } = await loadFixture(finalisedFixture);
      expect(await model.graph()).to.equal(spec.graph);
      expect(await model.graphHash()).to.equal(spec.graphHash);
      expect(await model.weightsHash()).to.equal(spec.weightsHash);
      expect(await model.modelHash()).to.equal(spec.modelHash);
      expect(await model.weightBytes()).to.equal(BigInt(spec.stream.length));
      expect(await model.graphBytes()).to.equal(BigInt(ethers.dataLength(spec.graph)));
      const pages = await model.pages();
      expect(pages.length).to.equal(3);
      for (let i = 0; i < 3; ++i) {
        expect(await ethers.provider.getCode(pages[i])).to.equal(ethers.concat(["0x00", spec.pages[i]]));
      }
      expect(await model.inputLayers()).to.deep.equal([0n]);
      expect(await model.outputLayers()).to.deep.equal([1n]);
    });

    it("predicts through the layer clone, reading weights across pages", async function () {
      const { model, spec } = await loadFixture(finalisedFixture);
      const offset = PAGE_SIZE - 40;
      const expected = Array.from(spec.stream.slice(offset, offset + 100), BigInt);
      const [output] = await model.predict([[5n, -7n, 1n]]);
      expect(output.slice(0, -1)).to.deep.equal(expected);
      expect(output[output.length - 1]).to.equal(-1n);
    });

    it("refuses the wrong number of inputs", async function () {
      const { model } = await loadFixture(finalisedFixture);
      await expect(model.predict([])).to.be.revertedWithCustomError(model, "WrongInputCount").withArgs(1, 0);
    });
  });

  describe("pages and the weights hash, at any page count", function () {
    // Models of 1, 2, 7 and 8 full pages, the same graph and layers: the harness layer reads 64
    // bytes across the last two pages. Page hashes are absorbed a pair at a time as they arrive, so
    // finalize costs the same for any page count of the same parity (an odd count reads its last
    // page hash back from storage).
    async function pagesModel(pageCount) {
      const { model, harness, owner } = await loadFixture(deployFixture);
      const stream = randomNonZeroBytes(pageCount * PAGE_SIZE, 50 + pageCount);
      const pages = splitPages(stream);
      const graph = ethers.toUtf8Bytes(JSON.stringify({ format: "eternal-graph/1", pages: "same size" }));
      const graphHash = ethers.sha256(graph);
      const weightsHash = ethers.sha256(ethers.concat(pages.map((page) => ethers.sha256(page))));
      const modelHash = ethers.sha256(ethers.concat([graphHash, weightsHash]));
      const offset = Math.max(0, (pageCount - 1) * PAGE_SIZE - 30);
      await model.addLayers(0, [ethers.ZeroAddress, await harness.getAddress()], ["0x", coder.encode(["uint256", "uint256"], [offset, 64])]);
      await model.construct([[], [0]], [0], [1], graphHash, weightsHash, modelHash, stream.length, graph.length);
      await model.appendGraph(0, graph);
      for (let i = 0; i < pages.length; i += 3) await model.appendPages(i, pages.slice(i, i + 3));
      return { model, owner, stream, pages, offset };
    }

    it("finalises in the same gas for 1 and 7 pages, and for 2 and 8, and predicts from the last page", async function () {
      const gas = {};
      for (const count of [1, 2, 7, 8]) {
        const { model, stream, offset } = await pagesModel(count);
        gas[count] = (await (await model.finalize()).wait()).gasUsed;
        const [output] = await model.predict([[1n]]);
        expect(output.slice(0, 64)).to.deep.equal(Array.from(stream.slice(offset, offset + 64), BigInt));
      }
      expect(gas[7]).to.equal(gas[1]);
      expect(gas[8]).to.equal(gas[2]);
      expect(gas[1] - gas[2]).to.be.below(5000n); // reading back the odd page's hash
      expect(gas[1]).to.be.below(100000n);
    });

    it("derives every page address from the page writer, which takes pages from its model only", async function () {
      const { model, owner, pages } = await pagesModel(7);
      const address = await model.getAddress();
      const writer = ethers.getCreateAddress({ from: address, nonce: 1 }); // the model's first creation
      const stored = await model.pages();
      expect(stored).to.deep.equal(pages.map((_, i) => ethers.getCreateAddress({ from: writer, nonce: i + 1 })));
      for (const [i, page] of stored.entries()) {
        expect(await ethers.provider.getCode(page)).to.equal(ethers.concat(["0x00", pages[i]]));
      }
      const pageWriter = await ethers.getContractAt("PageWriter", writer);
      await expect(pageWriter.write(pages[0])).to.be.revertedWithCustomError(pageWriter, "NotModel").withArgs(owner.address);
    });

    it("reverts WeightsHashMismatch for a tampered odd last page, whose hash waits for finalize", async function () {
      const { model, spec, upload } = await loadFixture(constructedFixture);
      const tampered = ethers.getBytes(spec.pages[2]);
      tampered[999] ^= 0x80;
      const pages = [spec.pages[0], spec.pages[1], ethers.hexlify(tampered)];
      await upload(pages);
      const actual = ethers.sha256(ethers.concat(pages.map((page) => ethers.sha256(page))));
      await expect(model.finalize()).to.be.revertedWithCustomError(model, "WeightsHashMismatch").withArgs(spec.weightsHash, actual);
    });
  });

  describe("graph walk", function () {
    // Inputs given in reverse layer order, identity aliases, branches, merges and outputs that
    // are also read later: exercises predict's memory compaction against a JS model.
    async function dagFixture() {
      const base = await deployFixture();
      const { model, harness, spec } = base;
      const h = await harness.getAddress();
      // Configs stored compressed (as the deployer does), but one raw: layers accept both.
      const cfg = (offset, length) => LibZip.cdCompress(coder.encode(["uint256", "uint256"], [offset, length]));
      // Outputs of up to 3,001 words: predict compacts its memory (above 32 KiB) along the way.
      const slices = { 2: [10, 3000], 4: [PAGE_SIZE - 5, 1700], 5: [2 * PAGE_SIZE, 1000], 6: [3, 1] };
      const Z = ethers.ZeroAddress;
      await model.addLayers(0, [Z, Z, h, Z, h, h, h], ["0x", "0x", cfg(...slices[2]), "0x", cfg(...slices[4]), cfg(...slices[5]), coder.encode(["uint256", "uint256"], slices[6])]);
      const inbound = [[], [], [0], [2], [1, 3], [0, 4], [3, 1]];
      const inputs = [1, 0];
      const outputs = [5, 3, 1, 6];
      await model.construct(inbound, inputs, outputs, spec.graphHash, spec.weightsHash, spec.modelHash, spec.stream.length, ethers.dataLength(spec.graph));
      await base.upload();
      await model.finalize();
      return { ...base, slices, inbound, inputs, outputs };
    }

    it("matches a direct evaluation of the graph", async function () {
      const { model, spec, slices, inbound, inputs, outputs } = await loadFixture(dagFixture);
      const given = [[1n, 2n, 3n], [-10n, 20n]]; // for layers 1 and 0
      const values = [];
      inputs.forEach((layer, k) => (values[layer] = given[k]));
      for (let i = 0; i < inbound.length; ++i) {
        if (values[i]) continue;
        const ins = inbound[i].map((j) => values[j]);
        if (!slices[i]) { values[i] = ins[0]; continue; }
        const [offset, length] = slices[i];
        const total = ins.reduce((acc, x, k) => acc + x.reduce((a, v) => a + v, 0n) * BigInt(k + 1), 0n);
        values[i] = [...Array.from(spec.stream.slice(offset, offset + length), BigInt), total];
      }
      const layers = await model.layers();
      const clone = await ethers.getContractAt("WeightPagesHarness", layers[5]);
      expect(await clone.config()).to.equal(coder.encode(["uint256", "uint256"], slices[5]));
      expect((await ethers.provider.getCode(layers[5])).length).to.be.below((await ethers.provider.getCode(layers[6])).length);
      const result = await model.predict(given);
      expect(result.map((out) => [...out])).to.deep.equal(outputs.map((i) => values[i]));
    });
  });

  describe("a deep model", function () {
    it("links, finalises and predicts 130 layers with outputs at both ends", async function () {
      const { model } = await loadFixture(deployFixture);
      const count = 130;
      const graph = ethers.toUtf8Bytes(JSON.stringify({ layers: count }));
      const graphHash = ethers.sha256(graph);
      const weightsHash = ethers.sha256("0x");
      const modelHash = ethers.sha256(ethers.concat([graphHash, weightsHash]));
      for (let i = 0; i < count; i += 65) {
        await model.addLayers(i, Array(65).fill(ethers.ZeroAddress), Array(65).fill("0x"));
      }
      const inbound = Array.from({ length: count }, (_, i) => (i === 0 ? [] : [i - 1]));
      await model.construct(inbound, [0], [count - 1, 0], graphHash, weightsHash, modelHash, 0, graph.length);
      await model.appendGraph(0, graph);
      await model.finalize();
      expect(await model.predict([[9n, -8n]])).to.deep.equal([[9n, -8n], [9n, -8n]]);
    });
  });

  describe("a model without weights", function () {
    it("is complete once its graph is stored", async function () {
      const { model } = await loadFixture(deployFixture);
      const graph = ethers.toUtf8Bytes('{"layers":[]}');
      const graphHash = ethers.sha256(graph);
      const weightsHash = ethers.sha256("0x");
      const modelHash = ethers.sha256(ethers.concat([graphHash, weightsHash]));
      await model.addLayers(0, [ethers.ZeroAddress, ethers.ZeroAddress], ["0x", "0x"]);
      await model.construct([[], [0]], [0], [1], graphHash, weightsHash, modelHash, 0, graph.length);
      expect(await model.pageCount()).to.equal(0n);
      await expect(model.appendGraph(0, graph)).to.emit(model, "UploadCompleted");
      await model.finalize();
      const [output] = await model.predict([[3n, -4n]]);
      expect(output).to.deep.equal([3n, -4n]);
    });
  });
});
