// Shared by bench/gas_elementwise.js and bench/profile_elementwise.js: the elementwise, merge and
// pooling layers at a given (H, W, C), with their configs (the abi_config of their Python layer
// modules, compressed as deployed), weight streams and seeded inputs (F = 24, uniform in [-4, 4]), int32 weights.
const { ethers } = require("hardhat");
const { LibZip } = require("solady/js/solady.js");
const { abi, TENSOR, cloneLayer, writeStream } = require("../test/helpers/layerHarness");
const { plainTensor } = require("../test/helpers/weightStream");
const { randomIntsWithin, randomIntsOfWidth } = require("../test/helpers/random");
const { POOL_TYPES } = require("../test/helpers/spatial");

const F = 24;
const ONE = 1n << BigInt(F);
const U = "uint256";
const I = "int256";

/** Input tensors of `sizes` values, F = 24, in [-4, 4]. */
const inputs = (sizes) => sizes.map((n, k) => randomIntsWithin(n, 4 * 2 ** F, 11 + k));

/** Each case: (H, W, C) -> {contract, types, values, ins: input sizes, out: output size, stream}. */
const CASES = {
  "BatchNormalization": (H, W, C) => ({
    contract: "BatchNormalizationLayer", types: [U, U, U, TENSOR, TENSOR],
    values: [F, 32, C, [0, 32 * Math.ceil(C / 8), 30], [32 * Math.ceil(C / 8), 32 * Math.ceil(C / 8), 33]],
    stream: ethers.concat([plainTensor(randomIntsOfWidth(C, 31, 3), 32), plainTensor(randomIntsOfWidth(C, 31, 4), 32)]),
    ins: [H * W * C], out: H * W * C,
  }),
  "ReLU": (H, W, C) => ({
    contract: "ReLULayer", types: [U, U, I, I, I, U, I], values: [F, 32, 0, 31, 0, 0, 0], ins: [H * W * C], out: H * W * C,
  }),
  "ReLU(max_value=6)": (H, W, C) => ({
    contract: "ReLULayer", types: [U, U, I, I, I, U, I], values: [F, 32, 0, 31, 0, 1, 6n * ONE], ins: [H * W * C], out: H * W * C,
  }),
  "Activation('relu')": (H, W, C) => ({
    contract: "ActivationLayer", types: [U, U, U, U], values: [F, 32, 1, C], ins: [H * W * C], out: H * W * C,
  }),
  "LeakyReLU(0.3)": (H, W, C) => ({
    contract: "LeakyReLULayer", types: [U, U, I, I], values: [F, 32, 1288490189, 32], ins: [H * W * C], out: H * W * C,
  }),
  "PReLU (per channel)": (H, W, C) => ({
    contract: "PReLULayer", types: [U, U, U, TENSOR], values: [F, 32, C, [0, 32 * Math.ceil(C / 8), 30]],
    stream: plainTensor(randomIntsOfWidth(C, 31, 5), 32), ins: [H * W * C], out: H * W * C,
  }),
  "Rescaling(1/127.5, -1)": (H, W, C) => ({
    contract: "RescalingLayer", types: [U, U, I, I, I], values: [F, 32, 2155905152n, 38, -ONE], ins: [H * W * C], out: H * W * C,
  }),
  "Add (2 inputs)": (H, W, C) => ({
    contract: "AddLayer", types: [U, U, U], values: [F, 32, H * W * C], ins: [H * W * C, H * W * C], out: H * W * C,
  }),
  "Multiply (2 inputs)": (H, W, C) => ({
    contract: "MultiplyLayer", types: [U, U, U], values: [F, 32, H * W * C], ins: [H * W * C, H * W * C], out: H * W * C,
  }),
  ...Object.fromEntries([["Subtract", 0, 2], ["Average", 1, 2], ["Average", 1, 3], ["Maximum", 2, 2], ["Minimum", 3, 2]].map(
    ([merge, op, n]) => [`${merge} (${n} inputs)`, (H, W, C) => ({
      contract: "MergeLayer", types: [U, U, U, U, "uint256[]"], values: [F, 32, H * W * C, op, Array(n).fill(H * W * C)],
      ins: Array(n).fill(H * W * C), out: H * W * C,
    })])),
  // A squeeze-and-excite scale: (H, W, C) times (1, 1, C), and a broadcast Add.
  ...Object.fromEntries([["Multiply", 5], ["Add", 4]].map(([merge, op]) => [`${merge} (H,W,C) x (1,1,C)`, (H, W, C) => ({
    contract: "MergeLayer", types: [U, U, U, U, "uint256[]"], values: [F, 32, H * W * C, op, [H * W * C, C]],
    ins: [H * W * C, C], out: H * W * C,
  })])),
  "Concatenate (C/2 + C/2)": (H, W, C) => ({
    contract: "ConcatenateLayer", types: [U, U, U, "uint256[]"], values: [F, 32, H * W, [C / 2, C / 2]],
    ins: [H * W * C / 2, H * W * C / 2], out: H * W * C,
  }),
  "ZeroPadding2D(1)": (H, W, C) => ({
    contract: "ZeroPadding2DLayer", types: Array(9).fill(U), values: [F, 32, H, W, C, 1, 1, 1, 1],
    ins: [H * W * C], out: (H + 2) * (W + 2) * C,
  }),
  "Cropping2D(1)": (H, W, C) => ({
    contract: "ZeroPadding2DLayer", types: [...Array(5).fill(U), ...Array(4).fill(I)], values: [F, 32, H, W, C, -1, -1, -1, -1],
    ins: [H * W * C], out: Math.max(H - 2, 0) * Math.max(W - 2, 0) * C,
  }),
  "UpSampling2D(2)": (H, W, C) => ({
    contract: "UpSampling2DLayer", types: Array(7).fill(U), values: [F, 32, H, W, C, 2, 2], ins: [H * W * C], out: 4 * H * W * C,
  }),
  "UpSampling2D(2) bilinear": (H, W, C) => ({
    contract: "UpSampling2DLayer", types: Array(8).fill(U), values: [F, 32, H, W, C, 2, 2, 1], ins: [H * W * C], out: 4 * H * W * C,
  }),
  "UpSampling1D(2) (W x C)": (H, W, C) => ({
    contract: "UpSampling2DLayer", types: Array(7).fill(U), values: [F, 32, 1, H * W, C, 1, 2], ins: [H * W * C], out: 2 * H * W * C,
  }),
  // RepeatVector(H) of a vector of W * C values: UpSampling2D((H, 1)) of a 1x1x(W C) input.
  "RepeatVector(H)": (H, W, C) => ({
    contract: "UpSampling2DLayer", types: Array(7).fill(U), values: [F, 32, 1, 1, W * C, H, 1], ins: [W * C], out: H * W * C,
  }),
  // Permute((2, 1, 3)): rows and columns swapped, runs of C values copied whole.
  "Permute((2, 1, 3))": (H, W, C) => ({
    contract: "PermuteLayer", types: [U, U, "uint256[]", "uint256[]"], values: [F, 32, [W, H, C], [C, W * C, 1]],
    ins: [H * W * C], out: H * W * C,
  }),
  // Permute((3, 1, 2)): channels first, every value read on its own (stride C); rows and columns
  // stay in order, so the config walks them as one axis (permute.gather_axes).
  "Permute((3, 1, 2))": (H, W, C) => ({
    contract: "PermuteLayer", types: [U, U, "uint256[]", "uint256[]"], values: [F, 32, [C, H * W], [1, C]],
    ins: [H * W * C], out: H * W * C,
  }),
  "MaxPooling2D 2x2": (H, W, C) => ({
    contract: "MaxPooling2DLayer", types: POOL_TYPES, values: [F, 32, H, W, C, 2, 2, 2, 2, 0, 0, H / 2, W / 2],
    ins: [H * W * C], out: H * W * C / 4,
  }),
  "AveragePooling2D 2x2": (H, W, C) => ({
    contract: "AveragePooling2DLayer", types: POOL_TYPES, values: [F, 32, H, W, C, 2, 2, 2, 2, 0, 0, H / 2, W / 2],
    ins: [H * W * C], out: H * W * C / 4,
  }),
  "GlobalAveragePooling2D": (H, W, C) => ({
    contract: "GlobalAveragePooling2DLayer", types: [U, U, U, U], values: [F, 32, H * W, C], ins: [H * W * C], out: C,
  }),
  "GlobalMaxPooling2D": (H, W, C) => ({
    contract: "GlobalMaxPooling2DLayer", types: [U, U, U, U], values: [F, 32, H * W, C], ins: [H * W * C], out: C,
  }),
};
// The measured shape, and the one-output-pixel shape whose gas is the layer's fixed cost.
const SHAPES = {
  "GlobalAveragePooling2D": [[8, 8, 64], [1, 1, 64]],
  "GlobalMaxPooling2D": [[8, 8, 64], [1, 1, 64]],
  "MaxPooling2D 2x2": [[32, 32, 16], [2, 2, 16]],
  "AveragePooling2D 2x2": [[32, 32, 16], [2, 2, 16]],
  "Cropping2D(1)": [[34, 34, 16], [3, 3, 16]],
  "UpSampling2D(2)": [[16, 16, 16], [1, 1, 16]],
  "UpSampling2D(2) bilinear": [[8, 8, 16], [1, 1, 16]],
  "UpSampling1D(2) (W x C)": [[1, 512, 16], [1, 1, 16]],
};
const DEFAULT_SHAPES = [[32, 32, 16], [1, 1, 16]];

/** Every contract the cases use. */
const CONTRACTS = [...new Set(Object.keys(CASES).map((name) => CASES[name](2, 2, 2).contract))];

/** Case `name` at `[H, W, C]` on the kit: {spec, layer (clone address), pages, x (its inputs)}. */
async function deployCase(kit, name, [H, W, C]) {
  const spec = CASES[name](H, W, C);
  // Compressed as the deployer stores configs (docs/CONTRACTS.md): the layer decompresses it.
  const layer = (await cloneLayer(kit, spec.contract, LibZip.cdCompress(abi.encode(spec.types, spec.values)))).target;
  const pages = spec.stream ? await writeStream(kit, spec.stream) : [];
  return { spec, layer, pages, x: inputs(spec.ins) };
}

module.exports = { F, CASES, SHAPES, DEFAULT_SHAPES, CONTRACTS, deployCase };
