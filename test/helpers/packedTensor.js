// Packed tensors in JS (docs/FORMAT.md, "Packed tensors"), written from the format alone so the
// tests check contracts/lib/PackedTensor.sol against an independent reference: one width byte
// w (1..32), then each value in w bytes, big-endian two's complement, w the smallest that fits.
const { ethers } = require("hardhat");

/** The smallest w in 1..32 whose w-byte two's complement holds every value (BigInts). */
function packedWidth(values) {
  let width = 1;
  for (const v of values) {
    while (width < 32 && (v < -(1n << BigInt(8 * width - 1)) || v >= 1n << BigInt(8 * width - 1))) width++;
  }
  return width;
}

/** BigInts -> packed-tensor hex, at `width` bytes a value (default: the smallest). */
function packTensor(values, width = packedWidth(values)) {
  const modulus = 1n << BigInt(8 * width);
  const digits = values.map((v) => ((v % modulus) + modulus) % modulus).map((u) => u.toString(16).padStart(2 * width, "0"));
  return "0x" + width.toString(16).padStart(2, "0") + digits.join("");
}

/** Packed-tensor hex -> BigInts (no checks: the contracts' checks are what the tests test). */
function unpackTensor(hex) {
  const bytes = ethers.getBytes(hex);
  const width = bytes[0];
  const values = [];
  for (let at = 1; at + width <= bytes.length; at += width) {
    values.push(BigInt.asIntN(8 * width, BigInt(ethers.hexlify(bytes.slice(at, at + width)))));
  }
  return values;
}

/** Calldata gas of `hex` bytes: 16 per non-zero byte, 4 per zero byte. */
function calldataGas(hex) {
  return ethers.getBytes(hex).reduce((gas, byte) => gas + (byte === 0 ? 4 : 16), 0);
}

module.exports = { packedWidth, packTensor, unpackTensor, calldataGas };
