// BigInt references of the format's integer arithmetic (docs/FORMAT.md), as the emulator does it.

/** FixedMath.rescaleInt: `v` from `from` to `to` fractional bits (Numbers or BigInts): shift left,
 *  or right rounding half up (BigInt `>>` floors). */
function rescale(v, from, to) {
  const [f, t] = [BigInt(from), BigInt(to)];
  if (t >= f) return v << (t - f);
  const d = f - t;
  return (v + (1n << (d - 1n))) >> d;
}

/** floor(a / b) for BigInt (b > 0); BigInt `/` truncates toward zero. */
function floorDiv(a, b) {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

const magnitude = (v) => (v < 0n ? -v : v);

/** sum |x| of BigInts. */
function sumMagnitudes(x) {
  return x.reduce((a, v) => a + magnitude(v), 0n);
}

/** round(a / b), half up, for BigInt (b > 0): floor((2a + b) / 2b). */
const roundDiv = (a, b) => floorDiv(2n * a + b, 2n * b);

/** floor(sqrt(v)) of a BigInt v >= 0 (Newton's method from above). */
function isqrt(v) {
  if (v < 2n) return v;
  let x = 1n << BigInt(Math.ceil(v.toString(2).length / 2));
  for (;;) {
    const y = (x + v / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

module.exports = { rescale, floorDiv, roundDiv, isqrt, magnitude, sumMagnitudes };
