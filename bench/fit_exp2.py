"""Derives the polynomial behind the exponential (``EXP2_COEFFICIENTS`` in
python/eternal/activations.py, ``EXP2_C0..C6`` in contracts/lib/FixedMath.sol) and measures
its error.

``PYTHONPATH=python .venv/bin/python bench/fit_exp2.py [--degree 6]``

``2^t`` for ``t = f 2^-32`` in ``[0, 1)`` (``f`` an integer below ``2^32``) as the integer
polynomial ``P(f) = sum c_i f^i``, ``c_i`` on the scale ``2^(S - 32 i)`` (``S`` =
:data:`SCALE_BITS`), so ``P(f) ~= 2^t 2^S``. Horner's rule on integers
(``p = c_n; p = p f + c_i``) is then exact: no product is rounded or shifted, and every
partial sum stays below ``2^(S+1)`` (< 2^256). Written ``1 + t + (t^2 - t) R(t)`` so that
``c_0 = 2^S`` (``e^0 = 1`` exactly) and ``P(1) ~= 2``; R's coefficients minimise the largest
relative error (least squares on Chebyshev nodes, reweighted toward minimax, Lawson's method).

The script then checks, in exact integers: every ``c_i > 0`` (so ``P`` increases with ``f``),
``P(2^32 - 1) <= 2^(S+1) = 2 P(0)`` (so ``e`` does not step down where ``k`` steps up; ``c_1``
is lowered until it holds), and the largest relative error of ``P(f) 2^-S`` against ``2^t``
(60 digits) at both ends and 200,001 points. Not a test: the figures go in docs/FORMAT.md.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, getcontext
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

SCALE_BITS = 252  # S: P(0) = 2^252, P < 2^253; exp's final shift S - F - k stays >= 4 (k <= 184, F <= 64)
F_BITS = 32  # t = f 2^-32
NODES = 4000
ROUNDS = 50
getcontext().prec = 80


def fit(degree: int) -> list[int]:
    """c_0..c_degree: ``c_0 = 2^S``, ``c_i`` on the scale ``2^(S - 32 i)``."""
    t = (1 - np.cos(np.pi * (np.arange(NODES) + 0.5) / NODES)) / 2  # Chebyshev nodes on [0, 1]
    scale = 2.0 ** t
    a = np.stack([(t * t - t) * t ** j for j in range(degree - 1)], axis=1) / scale[:, None]
    b = (scale - 1 - t) / scale
    weights = np.ones(NODES)
    for _ in range(ROUNDS):
        root = np.sqrt(weights)
        r, *_ = np.linalg.lstsq(a * root[:, None], b * root, rcond=None)
        error = np.abs(a @ r - b)
        weights = weights * np.sqrt(error / error.max()) + 1e-300
        weights /= weights.sum()
    r = _polish(t, weights, degree)
    # 1 + t + sum r_j (t^(j+2) - t^(j+1)): a_1 = 1 - r_0, a_i = r_(i-2) - r_(i-1), a_n = r_(n-2).
    real = [Decimal(1), 1 - r[0]] + [r[i - 2] - r[i - 1] for i in range(2, degree)] + [r[-1]]
    coefficients = [1 << SCALE_BITS]
    for i in range(1, degree + 1):
        coefficients.append(round(real[i] * Decimal(2) ** (SCALE_BITS - F_BITS * i)))
    while horner(coefficients, (1 << F_BITS) - 1) > 1 << (SCALE_BITS + 1):
        coefficients[1] -= 1
    return coefficients


def _polish(t: np.ndarray, weights: np.ndarray, degree: int) -> list[Decimal]:
    """R's coefficients from the last weights, solved again in 80-digit arithmetic (normal
    equations, Gaussian elimination), so that every bit of each integer c_i is meaningful
    (float64 would leave c_i with 53 significant bits and a tail of zeros)."""
    n = degree - 1
    rows, rhs = [], []
    for tj, wj in zip(t, weights):
        tj, root = Decimal(float(tj)), Decimal(float(wj)).sqrt()
        scale = Decimal(2) ** tj
        rows.append([root * (tj * tj - tj) * tj ** j / scale for j in range(n)])
        rhs.append(root * (scale - 1 - tj) / scale)
    m = [[sum(row[i] * row[j] for row in rows) for j in range(n)] + [sum(row[i] * v for row, v in zip(rows, rhs))]
         for i in range(n)]
    for i in range(n):
        for k in range(i + 1, n):
            ratio = m[k][i] / m[i][i]
            m[k] = [a - ratio * b for a, b in zip(m[k], m[i])]
    r = [Decimal(0)] * n
    for i in reversed(range(n)):
        r[i] = (m[i][n] - sum(m[i][j] * r[j] for j in range(i + 1, n))) / m[i][i]
    return r


def horner(coefficients: list[int], f: int) -> int:
    p = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        p = p * f + c
    return p


def worst_error(coefficients: list[int], count: int) -> tuple[Decimal, int]:
    top = 1 << F_BITS
    points = [0, 1, top - 1] + [min(n * top // (count - 1), top - 1) for n in range(count)]
    worst, at = Decimal(0), 0
    for f in points:
        exact = Decimal(2) ** (Decimal(f) / Decimal(top))
        error = abs(Decimal(horner(coefficients, f)) / Decimal(1 << SCALE_BITS) - exact) / exact
        if error > worst:
            worst, at = error, f
    return worst, at


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--degree", type=int, default=6)
    parser.add_argument("--points", type=int, default=200_001)
    args = parser.parse_args(argv)
    try:
        from eternal.activations import EXP2_COEFFICIENTS
    except ImportError:
        EXP2_COEFFICIENTS = ()

    coefficients = fit(args.degree)
    worst, at = worst_error(coefficients, args.points)
    last = horner(coefficients, (1 << F_BITS) - 1)
    print(f"c_0..c_{args.degree} (c_i on 2^({SCALE_BITS} - 32 i)): {coefficients}")
    print(f"all positive: {all(c > 0 for c in coefficients)}")
    print(f"P(2^32 - 1) = 2^{SCALE_BITS + 1} - {(1 << (SCALE_BITS + 1)) - last:,} (must be >= 0)")
    print(f"largest relative error {float(worst):.3e} = 2^{np.log2(float(worst)):.2f} at t = {at / 2 ** F_BITS:.6f}")
    print("matches python/eternal/activations.py EXP2_COEFFICIENTS:", tuple(coefficients) == tuple(EXP2_COEFFICIENTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
