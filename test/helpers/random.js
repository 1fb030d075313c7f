// Seeded pseudo-random test data: the same values on every run.

/** The xorshift32 sequence from `seed` (0 counts as 1): `count` states, each fed to `value(state)`. */
function xorshift32(count, seed, value) {
  let state = seed >>> 0 || 1;
  const out = [];
  for (let i = 0; i < count; i++) {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    out.push(value(state));
  }
  return out;
}

/** Deterministic BigInts uniform in [-2^(bits-1), 2^(bits-1)): `bits`-wide signed integers. */
function randomIntsOfWidth(count, bits, seed) {
  return xorshift32(count, seed, (state) => {
    const r = BigInt(state) * 0x100000000n + BigInt((state * 2654435761) >>> 0);
    return (r % (1n << BigInt(bits))) - (1n << BigInt(bits - 1));
  });
}

/** Deterministic BigInts in [-bound, bound] (`bound` a Number). */
function randomIntsWithin(count, bound, seed) {
  return xorshift32(count, seed, (state) => BigInt(state % (2 * bound + 1)) - BigInt(bound));
}

/** `length` bytes from a linear congruential generator, each `byte(state)`. */
function lcgBytes(length, seed, byte) {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; ++i) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = byte(x);
  }
  return out;
}

/** Deterministic bytes 0..255: weight-like (offset-binary weights look uniform), zeros included. */
function randomBytes(length, seed) {
  return lcgBytes(length, seed, (x) => x >>> 24);
}

/** Deterministic bytes 1..255: no zeros, so every byte costs full calldata. */
function randomNonZeroBytes(length, seed) {
  return lcgBytes(length, seed, (x) => 1 + (x >>> 24) % 255);
}

module.exports = { randomIntsOfWidth, randomIntsWithin, randomBytes, randomNonZeroBytes };
