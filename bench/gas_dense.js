// Gas per multiply-accumulate of DenseLayer.forward for a 256x256 Dense (linear, with bias),
// at int32/int16/int8 weights, measured inside the call (LayerHarness.measure), on the
// in-process Hardhat network. Run: node_modules/.bin/hardhat run bench/gas_dense.js
//
// Inputs are F = 24 fixed point, uniform in [-a, a]. The SWAR kernel uses 64-bit slots when
// sum|x| < 2^(63-L) and 128-bit slots otherwise: with a = 1, sum|x| ~ 128 * 2^24 = 2^31, so
// int32 takes the 128-bit path; with a = 0.25 it takes the 64-bit one.
const { ethers } = require("hardhat");

const ROWS = 256;
const UNITS = 256;
const F = 24;

function randomInts(count, bits, seed) {
  // xorshift32: deterministic weights over the whole signed range of `bits`.
  let state = seed >>> 0 || 1;
  const out = [];
  for (let i = 0; i < count; i++) {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    out.push(BigInt(state % 2 ** bits) - (1n << BigInt(bits - 1)));
  }
  return out;
}

/** Blocked kernel bytes (docs/FORMAT.md) of a rows x units matrix `q` (row-major BigInt). */
function blockedKernel(q, rows, units, bits) {
  const lanes = 256 / bits;
  const blocks = Math.ceil(units / lanes);
  const words = [];
  for (let k = 0; k < blocks; k++) {
    for (let r = 0; r < rows; r++) {
      let word = 0n;
      for (let j = 0; j < lanes; j++) {
        const col = k * lanes + j;
        const v = col < units ? q[r * units + col] : 0n;
        word = (word << BigInt(bits)) + v + (1n << BigInt(bits - 1));
      }
      words.push(ethers.toBeHex(word, 32));
    }
  }
  return ethers.concat(words);
}

function plainTensor(q, bits) {
  const bytes = bits / 8;
  const hex = q.map((v) => ethers.toBeHex(v + (1n << BigInt(bits - 1)), bytes).slice(2)).join("");
  const padded = hex.padEnd(Math.ceil(hex.length / 64) * 64, "0");
  return "0x" + padded;
}

function splitPages(stream) {
  const data = ethers.getBytes(stream);
  const pages = [];
  for (let i = 0; i < data.length; i += 24575) pages.push(ethers.hexlify(data.slice(i, i + 24575)));
  return pages;
}

async function main() {
  const harness = await ethers.deployContract("LayerHarness");
  const implementation = await ethers.deployContract("DenseLayer");
  const abi = ethers.AbiCoder.defaultAbiCoder();
  const rows = [];
  for (const bits of [32, 16, 8]) {
    const kernel = blockedKernel(randomInts(ROWS * UNITS, bits, 7 + bits), ROWS, UNITS, bits);
    const bias = plainTensor(randomInts(UNITS, bits, 99), bits);
    const kernelSize = ethers.dataLength(kernel);
    const stream = ethers.concat([kernel, bias]);
    const config = abi.encode(
      ["uint256", "uint256", "uint256", "uint256", "uint256", "uint256", "tuple(uint256,uint256,int256)", "tuple(uint256,uint256,int256)"],
      [F, bits, ROWS, UNITS, 1, 0, [0, kernelSize, bits - 1], [kernelSize, ethers.dataLength(bias), bits - 1]],
    );
    const receipt = await (await harness.clone(await implementation.getAddress(), config)).wait();
    const layer = harness.interface.parseLog(receipt.logs[0]).args.layer;
    const pages = [];
    for (const page of splitPages(stream)) {
      const r = await (await harness.writePages([page])).wait();
      pages.push(...harness.interface.parseLog(r.logs[r.logs.length - 1]).args.pages);
    }
    for (const amplitude of [1, 0.25]) {
      const x = randomInts(ROWS, 16, 5).map((v) => (v * BigInt(Math.round(amplitude * 2 ** F))) >> 15n);
      const absSum = x.reduce((a, v) => a + (v < 0n ? -v : v), 0n);
      const slot = absSum < 1n << BigInt(63 - bits) ? 64 : 128;
      const [, gas] = await harness.measure(layer, [x], pages);
      rows.push({
        weights: `int${bits}`,
        inputs: `[-${amplitude}, ${amplitude}]`,
        slots: `${slot}-bit`,
        pages: pages.length,
        "forward gas": Number(gas),
        "gas / MAC": +(Number(gas) / (ROWS * UNITS)).toFixed(2),
      });
    }
  }
  console.log(`DenseLayer.forward, ${ROWS}x${UNITS} (${ROWS * UNITS} MACs), linear, with bias, F = ${F}`);
  console.table(rows);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
