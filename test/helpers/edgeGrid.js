// Edge values for the elementwise layers' tests, at F = 24 fractional bits.
const F = 24n;
const ONE = 1n << F;
// 0, +-1 unit, +-0.5, +-1, +-7.25, and large magnitudes (2^150) that only exact integers survive.
const GRID = [0n, 1n, -1n, ONE / 2n, -ONE / 2n, ONE, -ONE, 29n * ONE / 4n, -29n * ONE / 4n, 1n << 150n, -(1n << 150n)];

module.exports = { F, ONE, GRID };
