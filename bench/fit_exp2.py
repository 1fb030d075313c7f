"""Derives the polynomial behind the exponential (``EXP2_Q64`` in python/eternal/activations.py,
``EXP2_C1..C7`` in contracts/lib/FixedMath.sol) and measures its error.

``.venv/bin/python bench/fit_exp2.py``

``2^f`` for ``f`` in ``[0, 1)`` as ``P(f) = sum c_i f^i`` of degree 7 in Q64 (64 fractional
bits), written ``P(f) = 1 + f + (f^2 - f) R(f)`` so that ``P(0) = 1`` exactly (``e^0 = 1``) and
``P(1) = 2`` exactly (so ``2^64 <= P(f) < 2^65`` for ``f < 1``, as the contract needs). R's
coefficients minimise the largest relative error (least squares on Chebyshev nodes,
reweighted toward minimax, Lawson's method). Then the integer Horner evaluation, exactly as
the contract runs it (``p = c_7; p = c_i + floor(p f / 2^64)``), is checked against ``2^f`` to
60 digits at the ends and 100,001 points: prints the coefficients and the largest relative
error. Not a test: the figure goes in docs/FORMAT.md.
"""

from __future__ import annotations

import sys
from decimal import Decimal, getcontext
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

DEGREE = 7
NODES = 4000
ROUNDS = 50
getcontext().prec = 60


def fit() -> list[int]:
    """c_0..c_DEGREE in Q64: ``P(f) = 1 + f + (f^2 - f) R(f)`` with ``R`` of degree DEGREE - 2,
    so that ``P(0) = 1`` and ``P(1) = 2`` hold exactly, whatever R's rounding."""
    f = (1 - np.cos(np.pi * (np.arange(NODES) + 0.5) / NODES)) / 2  # Chebyshev nodes on [0, 1]
    scale = 2.0 ** f
    a = np.stack([(f * f - f) * f ** j for j in range(DEGREE - 1)], axis=1) / scale[:, None]
    b = (scale - 1 - f) / scale
    weights = np.ones(NODES)
    for _ in range(ROUNDS):
        root = np.sqrt(weights)
        r, *_ = np.linalg.lstsq(a * root[:, None], b * root, rcond=None)
        error = np.abs(a @ r - b)
        weights = weights * np.sqrt(error / error.max()) + 1e-300
        weights /= weights.sum()
    r = [round(float(rj) * 2.0 ** 64) for rj in r]
    # 1 + f + sum r_j (f^(j+2) - f^(j+1)): c_1 = 1 - r_0, c_i = r_(i-2) - r_(i-1), c_7 = r_5.
    return [1 << 64, (1 << 64) - r[0]] + [r[i - 2] - r[i - 1] for i in range(2, DEGREE)] + [r[-1]]


def horner(coefficients: list[int], f: int) -> int:
    p = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        p = c + ((p * f) >> 64)
    return p


def main() -> int:
    try:
        from eternal.activations import EXP2_Q64
    except ImportError:
        EXP2_Q64 = ()

    coefficients = fit()
    points = [0, 1, (1 << 64) - 1] + [min((n << 64) // 100_000, (1 << 64) - 1) for n in range(100_001)]
    worst, at = Decimal(0), 0
    for f in points:
        exact = Decimal(2) ** (Decimal(f) / Decimal(1 << 64)) * Decimal(1 << 64)
        error = abs(Decimal(horner(coefficients, f)) - exact) / exact
        if error > worst:
            worst, at = error, f
    top = max(horner(coefficients, f) for f in points)
    print(f"c_0..c_{DEGREE} (Q64): {coefficients}")
    print(f"largest relative error {float(worst):.3e} = 2^{np.log2(float(worst)):.2f} at f = {at / 2 ** 64:.6f}")
    print(f"largest P(f) = 2^65 - {(1 << 65) - top:,}")
    print("matches python/eternal/activations.py EXP2_Q64:", tuple(coefficients) == tuple(EXP2_Q64))
    return 0


if __name__ == "__main__":
    sys.exit(main())
