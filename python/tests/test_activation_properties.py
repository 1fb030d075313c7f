"""Properties of the fixed-point exponential family (``eternal.activations``), which the chain
reproduces bit for bit (test/lib/FixedMath.test.js):

- ``sigmoid`` and ``tanh`` never decrease as ``x`` grows (max-pooling commutes with them): dense
  sweeps of consecutive integers around 0, the exp limits and every point where the range
  reduction's integer part ``k`` steps, and drawn pairs (hypothesis);
- they stay within ``2^-(F+1) + 2^-29`` of the real function (so within ``2^-20`` for F >= 20),
  checked against 50-digit ``Decimal`` references on dense grids;
- the polynomial's stated properties (``c_0 = 2^S``, positive coefficients, ``P(2^32-1) <= 2^(S+1)``).
"""

from __future__ import annotations

from decimal import Decimal, getcontext
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eternal import activations as act

getcontext().prec = 50
FRACS = (0, 8, 16, 20, 24, 32, 64)
ACTIVATION_ERROR = Decimal(2) ** -29  # before the one rounding (docs/FORMAT.md)
WINDOW = 40  # consecutive integers checked on each side of a step


def k_steps(frac: int, twice: bool) -> list[int]:
    """The smallest ``|x|`` at which ``y = floor(-|x| * c * LOG2E_Q64 / 2^(frac+32))`` reaches each
    ``k 2^32`` (k = -1 .. -185), ``c`` = 2 for tanh: where the reduction's integer part steps."""
    log2e = act.LOG2E_Q64 * (2 if twice else 1)
    steps = []
    for k in range(1, 186):
        # -|x| log2e >= -k 2^(frac+64)  <=>  |x| <= k 2^(frac+64) / log2e
        steps.append(k * (1 << (frac + 64)) // log2e)
    return [s for s in steps if s <= act.EXP_LIMIT << frac]


def neighbourhoods(frac: int, twice: bool) -> list[list[int]]:
    """Runs of consecutive integers (ascending) around 0, the limits and every k step, both signs."""
    limit = act.EXP_LIMIT << frac
    centres = [0, limit, limit // 2, 1 << frac] + k_steps(frac, twice)
    runs = []
    for c in centres:
        runs.append(list(range(c - WINDOW, c + WINDOW + 1)))
        runs.append(list(range(-c - WINDOW, -c + WINDOW + 1)))
    return runs


@pytest.mark.parametrize("frac", FRACS)
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_monotone_around_every_step(name, frac):
    f = getattr(act, name)
    for run in neighbourhoods(frac, twice=name == "tanh"):
        values = [f(x, frac) for x in run]
        assert all(a <= b for a, b in pairwise(values)), (name, frac, run[0])


@pytest.mark.parametrize("frac", FRACS)
def test_exp_q64_monotone_around_every_step(frac):
    for run in neighbourhoods(frac, twice=False):
        values = [act.exp_q64(x, frac) for x in run if x <= 0]
        assert all(a <= b for a, b in pairwise(values)), (frac, run[0])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FRACS), st.integers(-(1 << 80), 1 << 80), st.integers(0, 1 << 80), st.data())
def test_monotone_on_drawn_pairs(frac, x, gap, data):
    near = data.draw(st.integers(0, 1 << (frac + 8)))  # also small gaps, at the scale of one unit
    for a, b in ((x, x + gap), (x, x + near % (1 << max(frac - 4, 0)))):
        assert act.sigmoid(a, frac) <= act.sigmoid(b, frac)
        assert act.tanh(a, frac) <= act.tanh(b, frac)


def _sigmoid(v: Decimal) -> Decimal:
    return 1 / (1 + (-v).exp()) if v > -2000 else Decimal(0)


def _tanh(v: Decimal) -> Decimal:
    if abs(v) > 2000:
        return Decimal(1).copy_sign(v)
    e = (-2 * abs(v)).exp()
    return ((1 - e) / (1 + e)).copy_sign(v)


def grid(frac: int) -> list[int]:
    """|x| up to 40 in 20,000 steps (a step is not a multiple of a unit), both signs, and the k steps."""
    top = 40 << frac
    points = {n * top // 19_999 for n in range(20_000)} | set(k_steps(frac, False)) | set(k_steps(frac, True))
    return sorted(points | {-p for p in points})


@pytest.mark.parametrize("frac", (20, 24, 32))
def test_sigmoid_tanh_error_bound(frac):
    unit = Decimal(2) ** -frac
    bound = unit / 2 + ACTIVATION_ERROR
    worst = Decimal(0)
    for x in grid(frac):
        v = x * unit
        for got, real in ((act.sigmoid(x, frac), _sigmoid(v)), (act.tanh(x, frac), _tanh(v))):
            worst = max(worst, abs(got * unit - real))
    assert worst <= bound <= Decimal(2) ** -20, (frac, worst)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from((20, 24, 32)), st.lists(st.integers(-(30 << 20), 30 << 20), min_size=1, max_size=16))
def test_softmax_error_bound(frac, values):
    unit = Decimal(2) ** -frac
    values = [v << (frac - 20) for v in values]
    peak = max(values)
    exps = [((v - peak) * unit).exp() for v in values]
    total = sum(exps)
    for got, e in zip(act.softmax(values, frac), exps):
        assert abs(got * unit - e / total) <= unit / 2 + ACTIVATION_ERROR


def test_polynomial_properties():
    c = act.EXP2_COEFFICIENTS
    top = 1 << act.EXP2_F_BITS
    assert c[0] == 1 << act.EXP2_SCALE_BITS and all(ci > 0 for ci in c)
    assert act.exp2_scaled(top - 1) <= 1 << (act.EXP2_SCALE_BITS + 1)
    assert act.exp2_scaled(top - 1) < 1 << 256  # every partial sum of the chain's Horner fits a word


@pytest.mark.parametrize("frac", FRACS)
def test_exact_points(frac):
    one = 1 << frac
    assert act.sigmoid(0, frac) == one // 2 or frac == 0
    assert act.tanh(0, frac) == 0
    assert act.exp_q64(0, frac) == act.ONE_Q64
    assert act.exp(0, frac) == one
    assert act.softmax([5, 5], frac) == [(one + 1) // 2] * 2
    for x in (1, one, 7 * one + 3, act.EXP_LIMIT << frac, 1 << 255):
        assert act.sigmoid(-x, frac) == one - act.sigmoid(x, frac)
        assert act.tanh(-x, frac) == -act.tanh(x, frac)
