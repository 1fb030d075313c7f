// The kernel mode DenseLayer._plan picks for one position's inputs, kept once for the Dense tests
// and the benchmarks.
const { magnitude, sumMagnitudes } = require("./reference");

/**
 * The mode for inputs `x` (BigInts) at `bits`-wide weights: int8 masked kernels when
 * sum|x| < 2^31; else 64-bit slots under the one-run limit (int8 2^47, int16/int32 2^(63-L));
 * else 64-bit slots run by run when greedy runs (sum|x| < limit each, as DenseLayer._runs)
 * average at least 8 rows; else 128-bit slots. Returns {mode, runs}.
 */
function denseMode(x, bits) {
  const absSum = sumMagnitudes(x);
  if (bits === 8 && absSum < 1n << 31n) return { mode: "int8 masked", runs: 1 };
  const limit = 1n << BigInt(bits === 8 ? 47 : 63 - bits);
  if (absSum < limit) return { mode: "64-bit", runs: 1 };
  if (x.every((v) => magnitude(v) < limit)) {
    let run = 0n;
    let runs = 1;
    for (const v of x) {
      run += magnitude(v);
      if (run >= limit) [runs, run] = [runs + 1, magnitude(v)];
    }
    if (runs * 8 <= x.length) return { mode: `64-bit, ${runs} runs`, runs };
  }
  return { mode: "128-bit", runs: 1 };
}

module.exports = { denseMode };
