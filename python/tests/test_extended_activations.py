"""The extended activations (``eternal.extended_activations``, codes 6 and up): their error against
the real function (the bounds docs/FORMAT.md states), their names in Keras 2 and 3, and their
refusals. The chain reproduces them bit for bit (test/lib/Activations.test.js reads
test/fixtures/numbers/activations.json; test/fixtures.test.js the model fixtures).
"""

from __future__ import annotations

import math
from decimal import Decimal, getcontext

import keras
import numpy as np
import pytest
import tf_keras
from hypothesis import given, settings
from hypothesis import strategies as st

from eternal import extended_activations as ext
from eternal.activations import apply_activation
from eternal.errors import ActivationError, UnsupportedLayerError
from eternal.export import ModelExporter
from eternal.hashing import canonical_bytes

getcontext().prec = 50
EXP_ERROR = Decimal(2) ** Decimal("-28.5")  # relative error of exp_q64 (docs/FORMAT.md)
SELU_SCALE, SELU_ALPHA = Decimal("1.0507009873554804934193349852946"), Decimal("1.6732632423543772848170429916717")


def _exp(v: Decimal) -> Decimal:
    return v.exp() if v > -2000 else Decimal(0)


def _softplus(v: Decimal) -> Decimal:
    return (1 + _exp(v)).ln() if v < 0 else v + (1 + _exp(-v)).ln()


def _tanh(v: Decimal) -> Decimal:
    e = _exp(-2 * v)
    return (1 - e) / (1 + e)


# name: (real function, error bound beyond the one rounding 2^-(F+1), as a function of x)
REAL = {
    "relu6": (lambda v: min(max(v, Decimal(0)), Decimal(6)), lambda v: 0),
    "hard_sigmoid": (lambda v: min(max(v / 6 + Decimal("0.5"), Decimal(0)), Decimal(1)), lambda v: 0),
    "hard_sigmoid_tf": (lambda v: min(max(v / 5 + Decimal("0.5"), Decimal(0)), Decimal(1)), lambda v: 0),
    "hard_silu": (lambda v: v * min(max(v + 3, Decimal(0)), Decimal(6)) / 6, lambda v: 0),
    "silu": (lambda v: v / (1 + _exp(-v)), lambda v: EXP_ERROR),
    "elu": (lambda v: v if v > 0 else _exp(v) - 1, lambda v: EXP_ERROR),
    "selu": (lambda v: SELU_SCALE * (v if v > 0 else SELU_ALPHA * (_exp(v) - 1)),
             lambda v: abs(v) * Decimal(2) ** -31 + 2 * EXP_ERROR),
    "softsign": (lambda v: v / (1 + abs(v)), lambda v: 0),
    "mish": (lambda v: v * _tanh(_softplus(v)), lambda v: 2 * EXP_ERROR),
    # erfcc's relative error 1.2e-7 on erfc(|x|/sqrt 2) / 2 <= 1/2, times |x| (float64 erfc: 1e-16)
    "gelu": (lambda v: v * Decimal(1 + math.erf(float(v) / math.sqrt(2))) / 2 if v < 0
             else v - v * Decimal(math.erfc(float(v) / math.sqrt(2))) / 2,
             lambda v: abs(v) * Decimal(math.erfc(abs(float(v)) / math.sqrt(2))) * Decimal("0.6e-7") + Decimal(2) ** -40),
    "exponential": (_exp, lambda v: _exp(v) * EXP_ERROR),
}


def grid(frac: int, top: int) -> list[int]:
    """|x| up to ``top`` in 4,000 steps (not multiples of a unit), both signs, and the breakpoints."""
    limit = top << frac
    points = {n * limit // 3_999 for n in range(4_000)}
    for breakpoint in (b for b in (0, 1, 2.5, 3, 6) if b < top):
        centre = int(breakpoint * (1 << frac))
        points |= set(range(centre - 3, centre + 4))
    return sorted(points | {-p for p in points})


@pytest.mark.parametrize("frac", (20, 24, 32))
@pytest.mark.parametrize("name", sorted(REAL))
def test_error_bound(name, frac):
    real, extra = REAL[name]
    function = ext.extended_function(name, frac)
    unit = Decimal(2) ** -frac
    # e^x's absolute error grows with e^x: 2^-(F+1) + e^x 2^-28.5 <= 2^-20 up to x = 4 (F = 20), 5.9 (F >= 24)
    top = (4 if frac == 20 else 5) if name == "exponential" else 40
    worst = Decimal(0)
    for x in grid(frac, top):
        v = x * unit
        error = abs(function(x) * unit - real(v))
        assert error <= unit / 2 + extra(v), (name, frac, x, error)
        worst = max(worst, error)
    assert worst <= Decimal(2) ** -20, (name, frac, worst)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(REAL)), st.sampled_from((20, 24, 32, 64)), st.integers(-(300 << 20), 300 << 20))
def test_error_bound_on_drawn_inputs(name, frac, x):
    """Any input up to +-300 (exp only up to its limit): within the stated bound of the real function."""
    x = x << (frac - 20)
    real, extra = REAL[name]
    unit = Decimal(2) ** -frac
    if name == "exponential" and x > 128 << frac:
        with pytest.raises(ActivationError, match="exp overflows"):
            ext.extended_function(name, frac)(x)
        return
    v = x * unit
    assert abs(ext.extended_function(name, frac)(x) * unit - real(v)) <= unit / 2 + extra(v) + 1 / Decimal(2**64) * abs(v)


def test_inputs_past_the_limit_are_refused():
    for name in ext.EXTENDED_CODES:
        with pytest.raises(ActivationError, match="too large"):
            apply_activation(name, np.array([1, -ext.INPUT_LIMIT], dtype=object), 24)
        assert len(apply_activation(name, np.array([ext.INPUT_LIMIT - 1 if name != "exponential" else 0], dtype=object), 24)) == 1


def test_multipliers_are_the_contract_constants():
    """ExtendedActivations.sol's ELU_ALPHA_Q, SELU_SCALE_Q, SELU_SCALE_ALPHA_Q (all 2^-30)."""
    from eternal.activations import quantise_multiplier

    assert quantise_multiplier(ext.ELU_ALPHA) == (1073741824, 30)
    assert quantise_multiplier(ext.SELU_SCALE) == (1128181595, 30)
    assert quantise_multiplier(ext.SELU_SCALE * ext.SELU_ALPHA) == (1887744793, 30)


# Names in Keras 2 and 3 ----------------------------------------------------------------------


def _dense_model(K, activation):
    x = K.Input(shape=(4,), name="x")
    out = K.layers.Dense(3, activation=activation, name="d")(x)
    model = K.Model(x, out, name="m")
    model.set_weights([np.full(w.shape, 0.25, dtype="float32") for w in model.get_weights()])
    return model


def _graph(model):
    return ModelExporter().export_model(model)["graph"]


@pytest.mark.parametrize("k3, k2, canonical", [
    ("silu", "swish", "silu"), ("swish", "swish", "silu"), ("relu6", "relu6", "relu6"), ("elu", "elu", "elu"),
    ("selu", "selu", "selu"), ("softsign", "softsign", "softsign"), ("exponential", "exponential", "exponential"),
])
def test_same_math_same_hash_in_keras2_and_keras3(k3, k2, canonical):
    g3, g2 = _graph(_dense_model(keras, k3)), _graph(_dense_model(tf_keras, k2))
    assert g3["layers"][1]["config"]["activation"] == canonical
    assert canonical_bytes(g3) == canonical_bytes(g2)


def test_hard_sigmoid_differs_between_keras2_and_keras3():
    """tf_keras' hard_sigmoid is clip(0.2 x + 0.5), Keras 3's clip(x / 6 + 0.5): two names."""
    g3, g2 = _graph(_dense_model(keras, "hard_sigmoid")), _graph(_dense_model(tf_keras, "hard_sigmoid"))
    assert g3["layers"][1]["config"]["activation"] == "hard_sigmoid"
    assert g2["layers"][1]["config"]["activation"] == "hard_sigmoid_tf"
    assert canonical_bytes(g3) != canonical_bytes(g2)
    x = np.array([-2.0, 1.0, 2.0], dtype="float32")
    assert np.allclose(keras.activations.hard_sigmoid(x), [1 / 6, 2 / 3, 5 / 6])
    assert np.allclose(tf_keras.activations.hard_sigmoid(tf_keras.backend.constant(x)).numpy(), [0.1, 0.7, 0.9])


def test_keras3_hard_swish_is_hard_silu():
    assert _graph(_dense_model(keras, "hard_swish"))["layers"][1]["config"]["activation"] == "hard_silu"


def test_recurrent_layers_take_extended_activations():
    x = keras.Input(shape=(3, 2), name="x")
    model = keras.Model(x, keras.layers.LSTM(2, activation="silu", recurrent_activation="hard_sigmoid", name="rnn")(x))
    config = ModelExporter().export_model(model)["graph"]["layers"][1]["config"]
    assert (config["activation"], config["recurrent_activation"]) == ("silu", "hard_sigmoid")


def test_unknown_activation_lists_the_supported_ones():
    with pytest.raises(UnsupportedLayerError, match="softsign"):
        ModelExporter().export_model(_dense_model(keras, "sparsemax"))


def test_pull_rebuilds_tf_keras_hard_sigmoid_in_keras3():
    """Keras 3 has no 0.2 x + 0.5: the rebuilt model registers it, and exports to the same graph."""
    from eternal.exportfile import weight_stream
    from eternal.rebuild import build_keras_model

    export = ModelExporter().export_model(_dense_model(tf_keras, "hard_sigmoid"))
    rebuilt = build_keras_model(export["graph"], weight_stream(export))
    x = np.array([[-4.0, -1.0, 0.5, 2.0]], dtype="float32")
    assert np.allclose(rebuilt.predict(x, verbose=0), _dense_model(tf_keras, "hard_sigmoid").predict(x, verbose=0))
    assert canonical_bytes(ModelExporter().export_model(rebuilt)["graph"]) == canonical_bytes(export["graph"])


def test_elu_layer_alpha_is_exact_and_bounded():
    """keras.layers.ELU(alpha) runs elu with alpha's 32-bit multiplier; an alpha that leaves the
    multiplier no fractional bit is refused."""
    from eternal.layers import lookup

    layer = lookup("ELU", "e")
    config = layer.normalise({"alpha": 0.3}, [[4]])
    unit = Decimal(2) ** -24
    xs = [-(8 << 24), -(1 << 24), -3, 0, 5 << 20]
    out = layer.forward(config, [np.array(xs, dtype=object)], [], 24)
    for x, y in zip(xs, out):
        v = x * unit
        real = v if v > 0 else Decimal(np.float32(0.3).item()) * (_exp(v) - 1)
        assert abs(y * unit - real) <= unit / 2 + EXP_ERROR
    with pytest.raises(UnsupportedLayerError, match="alpha"):
        layer.normalise({"alpha": 2.0**31}, [[4]])
