"""The fixed-point logarithm (``activations.ln_q64``) and the activations built on it, softplus and
log_softmax: their error against the real functions (the bounds their docstrings state) and
their names in Keras 2 and 3. The chain reproduces them bit for bit (test/lib/Activations.test.js
reads test/fixtures/numbers/activations.json; test/fixtures.test.js the model fixtures).
"""

from __future__ import annotations

import math
from decimal import Decimal, getcontext

import keras
import numpy as np
import tf_keras
from hypothesis import given, settings
from hypothesis import strategies as st

from eternal import extended_activations as ext
from eternal.activations import ATANH_COEFFICIENTS, LN2_Q64, SQRT2_Q64, apply_activation, ln_q64
from eternal.export import ModelExporter
from eternal.hashing import canonical_bytes

getcontext().prec = 60
LN_ERROR = Decimal(2) ** -35  # ln_q64's stated bound
EXP_ERROR = Decimal(2) ** Decimal("-28.5")  # exp_q64's relative error (docs/FORMAT.md)
Q64 = Decimal(2) ** 64


def test_constants_are_the_rounded_reals():
    assert LN2_Q64 == int((Decimal(2).ln() * Q64).to_integral_value())
    assert SQRT2_Q64 == int(Decimal(2).sqrt() * Q64)
    assert ATANH_COEFFICIENTS == tuple(int((Q64 / (2 * i + 1)).to_integral_value()) for i in range(6))


@settings(max_examples=500, deadline=None)
@given(st.integers(1 << 64, 1 << 200))
def test_ln_q64_is_within_its_bound(u):
    assert abs(Decimal(ln_q64(u)) / Q64 - (Decimal(u) / Q64).ln()) <= LN_ERROR


@settings(max_examples=300, deadline=None)
@given(st.floats(1.0, 1e12, allow_nan=False))
def test_ln_q64_against_math_log(value):
    """Against float64 ``math.log`` (itself within 2^-52 relative of ln)."""
    u = int(Decimal(value) * Q64)
    assert abs(ln_q64(u) / 2.0**64 - math.log(u / 2.0**64)) <= 2.0**-35 + 2.0**-50 * math.log(value + 1)


def test_ln_q64_edges():
    """1 is 0 exactly; the halving point sqrt(2) and the powers of two step k without a jump."""
    assert ln_q64(1 << 64) == 0
    for u in (SQRT2_Q64, SQRT2_Q64 + 1, (1 << 65) - 1, 1 << 65, (1 << 65) + 1, 3 << 100):
        assert abs(Decimal(ln_q64(u)) / Q64 - (Decimal(u) / Q64).ln()) <= LN_ERROR
    assert ln_q64(SQRT2_Q64) <= ln_q64(SQRT2_Q64 + 1) <= ln_q64(SQRT2_Q64 + 2)


def _softplus(v: Decimal) -> Decimal:
    return max(v, Decimal(0)) + (1 + (-abs(v)).exp()).ln()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from((8, 20, 24, 32, 64)), st.integers(-(300 << 24), 300 << 24))
def test_softplus_within_one_rounding_and_the_exponential(frac, x):
    x = x >> (24 - frac) if frac < 24 else x << (frac - 24)
    unit = Decimal(2) ** -frac
    v = x * unit
    bound = unit / 2 + EXP_ERROR * (-abs(v)).exp() + LN_ERROR
    assert abs(ext.softplus(x, frac) * unit - _softplus(v)) <= bound


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(40 << 24), 40 << 24), min_size=1, max_size=12))
def test_log_softmax_within_one_rounding_and_the_exponential(row):
    frac, unit = 24, Decimal(2) ** -24
    values = [x * unit for x in row]
    peak = max(values)
    total = sum((v - peak).exp() for v in values)
    out = apply_activation("log_softmax", np.array([row], dtype=object), frac)[0]
    for v, y in zip(values, out):
        # ln of the sum within 2^-35; the sum's relative error 2^-28.5 moves ln by as much
        assert abs(y * unit - (v - peak - total.ln())) <= unit / 2 + EXP_ERROR + LN_ERROR


def test_log_softmax_runs_over_the_last_axis():
    x = np.arange(12, dtype=object).reshape(2, 3, 2) << 20
    out = apply_activation("log_softmax", x, 24)
    for i in range(2):
        for j in range(3):
            assert list(out[i, j]) == ext.log_softmax(list(x[i, j]), 24)


def _dense_model(K, activation):
    x = K.Input(shape=(4,), name="x")
    model = K.Model(x, K.layers.Dense(3, activation=activation, name="d")(x), name="m")
    model.set_weights([np.full(w.shape, 0.25, dtype="float32") for w in model.get_weights()])
    return model


def test_softplus_hashes_equal_in_keras2_and_keras3():
    g3 = ModelExporter().export_model(_dense_model(keras, "softplus"))["graph"]
    g2 = ModelExporter().export_model(_dense_model(tf_keras, "softplus"))["graph"]
    assert g3["layers"][1]["config"]["activation"] == "softplus"
    assert canonical_bytes(g3) == canonical_bytes(g2)


def test_log_softmax_exports_from_keras3():
    graph = ModelExporter().export_model(_dense_model(keras, "log_softmax"))["graph"]
    assert graph["layers"][1]["config"]["activation"] == "log_softmax"
