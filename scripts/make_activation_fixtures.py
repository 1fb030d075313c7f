"""Writes ``test/fixtures/numbers/activations.json``: inputs and Python results of the fixed-point
functions (``eternal.activations``), which ``test/lib/FixedMath.test.js`` and
``test/lib/Activations.test.js`` check the Solidity libraries against, value for value. ``python/tests/test_emulate_basic.py`` checks that the file
still matches the Python functions.

Run: ``.venv/bin/python scripts/make_activation_fixtures.py``
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from eternal import activations as act
from eternal import extended_activations as ext
from eternal.fixedpoint import rescale

ROOT = Path(__file__).resolve().parent.parent
PATH = ROOT / "test" / "fixtures" / "numbers" / "activations.json"
INT256_MAX = (1 << 255) - 1
INT256_MIN = -(1 << 255)


def edge_inputs(frac: int) -> list[int]:
    """0, +-1 unit, +-0.5, +-1, the exp limits and their neighbours, int256 extremes, random."""
    one = 1 << frac
    limit = act.EXP_LIMIT << frac
    values = {0, 1, -1, 2, -2, one, -one, one // 2, -(one // 2), 3 * one, -3 * one, limit, -limit,
              limit - 1, -limit + 1, -limit - 1, 20 * one, -20 * one, 50 * one, -50 * one}
    # Where the range reduction's integer part k steps (x log2(e), or 2x log2(e) for tanh, crosses
    # -k): the last x before each step and the first after, both signs.
    for k in (1, 2, 23, 64):
        for log2e in (act.LOG2E_Q64, 2 * act.LOG2E_Q64):
            step = k * (1 << (frac + 64)) // log2e
            values.update({step, step + 1, -step, -step - 1})
    rng = np.random.default_rng(frac)
    values.update(int(v) for v in np.rint(rng.normal(0, 4, 40) * one))
    values.update(int(v) for v in np.rint(rng.uniform(-130, 130, 10) * one))
    return sorted(values)


def build() -> dict:
    """The fixture dict: one entry per (function, frac) with inputs and outputs as strings."""
    cases = []
    for frac in (0, 8, 16, 24, 32, 64):
        xs = edge_inputs(frac)
        limit = act.EXP_LIMIT << frac
        cases.append({"fn": "exp", "frac": frac, "x": [str(x) for x in xs if x <= limit],
                      "y": [str(act.exp(x, frac)) for x in xs if x <= limit]})
        cases.append({"fn": "expOverflow", "frac": frac, "x": [str(x) for x in xs if x > limit][:3]})
        wide = xs + [INT256_MIN, INT256_MAX, INT256_MIN + 1]
        for fn in ("sigmoid", "tanh"):
            f = getattr(act, fn)
            cases.append({"fn": fn, "frac": frac, "x": [str(x) for x in wide], "y": [str(f(x, frac)) for x in wide]})
    # Array activations at F = 24: rows of 5 values for softmax.
    frac = 24
    rng = np.random.default_rng(7)
    vector = [int(v) for v in np.rint(rng.normal(0, 3, 20) * (1 << frac))] + [0, 0, 0, 0, 0]
    vector[0:5] = [-(200 << frac), 0, 1 << frac, -(1 << frac), 5]  # a row with an underflowing exp
    for name, code in act.CODES.items():
        y = act.apply_activation(name, np.array(vector, dtype=object).reshape(-1, 5), frac).ravel()
        cases.append({"fn": "activate", "name": name, "kind": code, "frac": frac, "axis": 5,
                      "x": [str(v) for v in vector], "y": [str(int(v)) for v in y]})
    # Softmax rows of 3 at the int256 extremes (x - max below int256's range wraps on chain), and
    # of odd and even lengths (the chain's passes go by fours and twos).
    extremes = [INT256_MIN, INT256_MAX, 0, INT256_MIN + 1, -1, INT256_MAX - 1]
    for axis, row in ((3, extremes), (7, vector[:21]), (1, vector[:4])):
        y = act.apply_activation("softmax", np.array(row, dtype=object).reshape(-1, axis), frac).ravel()
        cases.append({"fn": "activate", "name": "softmax", "kind": act.CODES["softmax"], "frac": frac,
                      "axis": axis, "x": [str(v) for v in row], "y": [str(int(v)) for v in y]})
    for slope in (0.3, 0.01, -0.5, 1.5):
        q, qf = act.quantise_multiplier(slope)
        y = [act.leaky_relu(v, frac, (q, qf)) for v in vector]
        cases.append({"fn": "leakyRelu", "q": q, "qFrac": qf, "frac": frac, "x": [str(v) for v in vector],
                      "y": [str(v) for v in y]})
    rescales = []
    for v in (0, 1, -1, 2, -2, 3, -3, 5, -5, 7, -7, 12345678901, -12345678901, INT256_MAX >> 2, INT256_MIN >> 2):
        for from_frac, to_frac in ((24, 24), (40, 24), (25, 24), (24, 40), (-8, 24), (24, -8), (300, 0), (90, 24)):
            result = rescale(v, from_frac, to_frac)
            if INT256_MIN <= result <= INT256_MAX:  # the chain's left shift does not check overflow
                rescales.append([str(v), from_frac, to_frac, str(result)])
    cases.append({"fn": "rescale", "rows": rescales})
    cases.append({"fn": "lnQ64", "x": [str(u) for u in ln_inputs()], "y": [str(act.ln_q64(u)) for u in ln_inputs()]})
    cases += extended_cases()
    return {"format": "eternal-activation-fixture/1", "cases": cases}


def ln_inputs() -> list[int]:
    """``ln_q64``'s edges (1, the sqrt(2) switch, powers of two and their neighbours) and random Q64
    values from 1 to 2^190."""
    sqrt2 = act.SQRT2_Q64
    values = {1 << 64, (1 << 64) + 1, sqrt2 - 1, sqrt2, sqrt2 + 1, sqrt2 + 2, (1 << 65) - 1, 1 << 65, (1 << 65) + 1,
              3 << 64, (10 << 64) + 7, 1 << 128, (1 << 254) - 1, (sqrt2 << 40) + (1 << 40)}
    rng = np.random.default_rng(64)
    values.update((1 << 64) + 4 * int(v) for v in rng.integers(0, 1 << 62, 20, dtype=np.int64))
    values.update(int(v) << int(s) for v, s in zip(rng.integers(1 << 62, 1 << 63, 20, dtype=np.int64), rng.integers(2, 128, 20)))
    return sorted(values)


def extended_cases() -> list[dict]:
    """The extended activations (codes 6 and up) at several scales: edge inputs within the input
    limit (``exponential``: at most +128), the limit's neighbours, and one value past it."""
    cases = []
    limit = ext.INPUT_LIMIT
    for frac in (0, 8, 24, 32, 64):
        xs = edge_inputs(frac) + [limit - 1, -limit + 1, 6 << frac, (6 << frac) + 1, (3 << frac) - 1,
                                  -(3 << frac) + 1, 5 << (frac - 1) if frac else 2, -(5 << frac) // 2,
                                  (16 << frac) - 1, -(16 << frac) + 1, 16 << frac, -(16 << frac)]  # gelu's saturation
        for name, code in ext.EXTENDED_CODES.items():
            ok = [x for x in xs if name != "exponential" or x <= act.EXP_LIMIT << frac]
            y = act.apply_activation(name, np.array(ok, dtype=object), frac)
            axis = len(ok) if name == "log_softmax" else 1  # one row: the whole vector
            cases.append({"fn": "activate", "name": name, "kind": code, "frac": frac, "axis": axis,
                          "x": [str(v) for v in ok], "y": [str(int(v)) for v in y]})
    # log_softmax over rows of 1, 3 and 8 values (a row of one is 0 - ln 1 = 0), at F = 24.
    rng = np.random.default_rng(21)
    row_values = [int(v) for v in np.rint(rng.normal(0, 4, 24) * (1 << 24))]
    for axis in (1, 3, 8):
        y = act.apply_activation("log_softmax", np.array(row_values, dtype=object).reshape(-1, axis), 24).ravel()
        cases.append({"fn": "activate", "name": "log_softmax", "kind": ext.EXTENDED_CODES["log_softmax"],
                      "frac": 24, "axis": axis, "x": [str(v) for v in row_values], "y": [str(int(v)) for v in y]})
    cases.append({"fn": "extendedTooLarge", "frac": 24, "x": [str(limit), str(-limit), str(INT256_MIN)]})
    return cases


def main() -> None:
    temporary = PATH.with_name(PATH.name + ".tmp")
    temporary.write_text(json.dumps(build(), indent=1) + "\n")
    os.replace(temporary, PATH)
    print(f"wrote {PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
