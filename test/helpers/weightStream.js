// Weight bytes as the layers read them (docs/FORMAT.md): blocked kernels, plain tensors, and a
// stream cut into the model's 24,575-byte pages.
const { ethers } = require("hardhat");

const PAGE_SIZE = 24575;

/** `data` (hex or bytes) cut into pieces of `size` bytes (the last shorter), as hex strings. */
function splitPages(data, size = PAGE_SIZE) {
  const bytes = ethers.getBytes(data);
  const pages = [];
  for (let i = 0; i < bytes.length; i += size) pages.push(ethers.hexlify(bytes.slice(i, i + size)));
  return pages;
}

/**
 * Blocked kernel bytes of a rows x cols matrix `q` (row-major, integers): per block of E = 256/L
 * columns, one word per row holding its E offset-binary lanes, the block's first column in the
 * top lane; the last block padded with zeros.
 */
function blockedKernel(q, rows, cols, bits) {
  const lanes = 256 / bits;
  const blocks = Math.ceil(cols / lanes);
  const words = [];
  for (let k = 0; k < blocks; k++) {
    for (let r = 0; r < rows; r++) {
      let word = 0n;
      for (let j = 0; j < lanes; j++) {
        const col = k * lanes + j;
        const v = col < cols ? BigInt(q[r * cols + col]) : 0n;
        word = (word << BigInt(bits)) + v + (1n << BigInt(bits - 1));
      }
      words.push(ethers.toBeHex(word, 32));
    }
  }
  return ethers.concat(words);
}

/** Plain tensor bytes: `bits`-wide big-endian offset binary, padded to whole words (at least one). */
function plainTensor(values, bits) {
  const hex = values.map((v) => ethers.toBeHex(BigInt(v) + (1n << BigInt(bits - 1)), bits / 8).slice(2)).join("");
  return "0x" + hex.padEnd(Math.max(64, Math.ceil(hex.length / 64) * 64), "0");
}

module.exports = { PAGE_SIZE, splitPages, blockedKernel, plainTensor };
