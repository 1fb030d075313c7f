"""The number core and the emulator of the simple layers.

Tolerances (docs/FORMAT.md): sigmoid, tanh and softmax are within half a unit (2^-(F+1)) plus 2^-29 of
float64 NumPy; exp within half a unit plus a relative 2^-28.5 (the polynomial, bench/fit_exp2.py:
2^-28.75, and the exponent's 32 fractional bits); the emulator within 1e-4 absolute of Keras at int32
weights. python/tests/test_activation_properties.py sweeps the bounds and monotonicity densely.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eternal import activations as act
from eternal.fixedpoint import rescale

ROOT = Path(__file__).resolve().parents[2]
INT256_MIN, INT256_MAX = -(1 << 255), (1 << 255) - 1
FRACS = (0, 8, 16, 24, 32, 64)
EXP_ERROR = 2.0**-28.5  # the exponential's relative error bound
ACTIVATION_ERROR = 2.0**-29  # sigmoid, tanh, softmax before their one rounding


def edge_values(frac):
    one = 1 << frac
    limit = act.EXP_LIMIT << frac
    return [0, 1, -1, one, -one, one // 2, -(one // 2), 3 * one, -3 * one, 20 * one, -20 * one,
            limit, -limit, limit - 1, -limit - 1, 200 * one, -200 * one]


@pytest.mark.parametrize("frac", FRACS)
def test_exp_matches_float(frac):
    unit = 2.0**-frac
    for x in edge_values(frac):
        if x > act.EXP_LIMIT << frac:
            continue
        real = math.exp(x * unit)
        assert abs(act.exp(x, frac) * unit - real) <= unit / 2 + real * EXP_ERROR, x


@pytest.mark.parametrize("frac", FRACS)
def test_sigmoid_tanh_within_one_unit(frac):
    unit = 2.0**-frac
    for x in edge_values(frac) + [INT256_MIN, INT256_MAX]:
        v = x * unit
        sig = 1.0 / (1.0 + math.exp(-v)) if v > -700 else 0.0
        # Half a unit, plus the exponential's share, plus 2^-52 for the float64 reference itself.
        assert abs(act.sigmoid(x, frac) * unit - sig) <= unit / 2 + ACTIVATION_ERROR + 2.0**-52, x
        assert abs(act.tanh(x, frac) * unit - math.tanh(v)) <= unit / 2 + ACTIVATION_ERROR + 2.0**-52, x
        assert act.tanh(-x, frac) == -act.tanh(x, frac) or x == INT256_MIN


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(40 << 24), max_value=40 << 24))
def test_sigmoid_tanh_exp_random_f24(x):
    unit = 2.0**-24
    v = x * unit
    assert abs(act.sigmoid(x, 24) * unit - 1 / (1 + math.exp(-v))) <= unit
    assert abs(act.tanh(x, 24) * unit - math.tanh(v)) <= unit
    assert abs(act.exp(x, 24) * unit - math.exp(v)) <= unit / 2 + math.exp(v) * EXP_ERROR


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=-(60 << 24), max_value=60 << 24), min_size=1, max_size=12))
def test_softmax_within_one_unit(values):
    unit = 2.0**-24
    floats = np.array(values, dtype=np.float64) * unit
    expected = np.exp(floats - floats.max())
    expected /= expected.sum()
    got = np.array(act.softmax(values, 24), dtype=np.float64) * unit
    assert np.max(np.abs(got - expected)) <= unit


def test_relu_family():
    frac = 24
    slope = act.quantise_multiplier(0.2)
    assert slope == (1717986918, 33)
    assert [act.relu(v) for v in (-5, 0, 5)] == [0, 0, 5]
    assert act.leaky_relu(-(1 << 24), frac, slope) == rescale(-(1 << 24) * slope[0], frac + 33, frac)
    assert act.leaky_relu(7, frac, slope) == 7
    # Keras ReLU(max_value=6, negative_slope=0.1, threshold=0.5)
    mult, t, m = act.quantise_multiplier(0.1), act.quantise_constant(0.5, frac), act.quantise_constant(6.0, frac)
    for v in (-3.0, 0.25, 0.5, 0.75, 5.0, 9.0):
        keras = min(v, 6.0) if v > 0.5 else 0.1 * (v - 0.5)
        got = act.general_relu(act.quantise_constant(v, frac), frac, mult, t, m) * 2.0**-frac
        assert abs(got - keras) <= 2.0**-frac


def test_apply_activation_names_and_errors():
    x = np.array([[-(1 << 24), 0, 1 << 24]], dtype=object)
    assert list(act.apply_activation("relu", x, 24).ravel()) == [0, 0, 1 << 24]
    assert sum(act.apply_activation("softmax", x, 24).ravel()) in range((1 << 24) - 3, (1 << 24) + 4)
    with pytest.raises(act.ActivationError, match="Unknown activation 'sparsemax'"):
        act.apply_activation("sparsemax", x, 24)
    with pytest.raises(act.ActivationError, match="activation_frac_bits=65"):
        act.sigmoid(0, 65)
    with pytest.raises(act.ActivationError, match="exp overflows"):
        act.exp(129 << 24, 24)


def test_activation_fixture_is_current():
    """test/fixtures/numbers/activations.json (read by test/lib/FixedMath.test.js) matches the Python functions."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import make_activation_fixtures

    committed = json.loads((ROOT / "test" / "fixtures" / "numbers" / "activations.json").read_text())
    assert committed == json.loads(json.dumps(make_activation_fixtures.build()))


# --- the emulator on Dense and the simple layers ------------------------------------------------

sys.path.insert(0, str(ROOT / "scripts"))
from fixture_cases import basic, merges  # noqa: E402

from eternal.emulate import EmulationError, Emulator, compare_with_keras, emulate_sample  # noqa: E402
from eternal.fixedpoint import quantise_activations  # noqa: E402

BUILDERS = {**basic.CASES, **merges.CASES}
CASES = sorted(BUILDERS)
# Absolute tolerance to Keras' float outputs, per weight precision (int32 as in the issue).
KERAS_TOLERANCE = {"int32": 1e-4, "int16": 1e-2, "int8": 0.15}


def keras_package(version):
    if version == "2":
        import tf_keras

        return tf_keras
    import keras

    return keras


@pytest.fixture(scope="module", params=["3", "2"], ids=["keras3", "keras2"])
def K(request):
    return keras_package(request.param)


def build_case(K, name):
    import random

    random.seed(1234)
    np.random.seed(1234)
    K.utils.set_random_seed(1234)
    return BUILDERS[name](K)


@pytest.mark.parametrize("name", CASES)
def test_emulator_matches_keras_at_int32(K, name):
    from eternal.export import ModelExporter

    model, inputs = build_case(K, name)
    export = ModelExporter("int32").export_model(model)
    report = compare_with_keras(export, model, inputs)
    assert report["max_abs_diff"] <= KERAS_TOLERANCE["int32"], report
    assert report["argmax_agreement"] == 1.0, report


@pytest.mark.parametrize("precision", ["int16", "int8"])
@pytest.mark.parametrize("name", ["dense_wide", "merge_layers", "relu_layers", "rescaling_batchnorm"])
def test_emulator_within_tolerance_at_narrow_weights(name, precision):
    from eternal.export import ModelExporter

    K = keras_package("3")
    model, inputs = build_case(K, name)
    export = ModelExporter(precision).export_model(model)
    assert compare_with_keras(export, model, inputs)["max_abs_diff"] <= KERAS_TOLERANCE[precision]


@pytest.mark.parametrize("suffix", ["", "_int16", "_int8"])
@pytest.mark.parametrize("name", CASES)
def test_committed_fixture_matches_emulator(name, suffix):
    """test/fixtures/<case>.json (checked on chain by test/layers/DenseLayer.test.js) is current."""
    path = ROOT / "test" / "fixtures" / f"{name}{suffix}.json"
    fixture = json.loads(path.read_text())
    from eternal.export import ModelExporter

    model, _ = build_case(keras_package("3"), name)
    export = ModelExporter(fixture["precision"]).export_model(model)
    assert export["hashes"] == fixture["hashes"]
    emulator = Emulator(export)
    for sample in fixture["samples"]:
        got = emulator.run([np.array([int(v) for v in x], dtype=object) for x in sample["inputs"]])
        assert [[str(int(v)) for v in out.ravel()] for out in got] == sample["expected"]


def test_identity_layers_reshape_and_pass_through():
    from eternal.export import ModelExporter

    model, inputs = build_case(keras_package("3"), "dense_no_bias_3d")
    export = ModelExporter("int32").export_model(model)
    frac = export["graph"]["activation_frac_bits"]
    outputs = emulate_sample(export, [quantise_activations(inputs[0], frac)])
    assert outputs[0].shape == (3, 2)  # Reshape((3, 4)) then Dense(2) on 3 positions
    names = [layer["class_name"] for layer in export["graph"]["layers"]]
    assert {"Flatten", "Dropout", "Reshape"} <= set(names)


def test_emulator_input_errors():
    from eternal.export import ModelExporter

    model, inputs = build_case(keras_package("3"), "dense_relu")
    export = ModelExporter("int32").export_model(model)
    with pytest.raises(EmulationError, match="takes 1 inputs, got 2"):
        emulate_sample(export, [inputs[0], inputs[0]])
    with pytest.raises(EmulationError, match="expected 16 values"):
        emulate_sample(export, [np.zeros(15, dtype=object)])


def test_dense_refuses_inputs_the_chain_refuses():
    """DenseLayer reverts DenseInputTooLarge when sum|x| >= 2^95; the emulator raises the same."""
    from eternal.export import ModelExporter
    from eternal.layers.dense import DenseInputTooLargeError

    model, _ = build_case(keras_package("3"), "dense_relu")
    export = ModelExporter("int32").export_model(model)
    x = np.zeros(16, dtype=object)
    x[0], x[1] = 1 << 94, -(1 << 94)
    with pytest.raises(DenseInputTooLargeError, match="at least 2\\^95"):
        emulate_sample(export, [x])
    x[1] = -(1 << 94) + 1
    emulate_sample(export, [x])  # just under the limit: runs


def test_abi_configs_decode_to_the_documented_fields():
    from eth_abi import decode

    from eternal.export import ModelExporter
    from eternal.onchain import decompress_config, deployment_plan

    model, _ = build_case(keras_package("3"), "merge_layers")
    export = ModelExporter("int32").export_model(model)
    plan = deployment_plan(export)
    configs = {layer["name"]: decompress_config(layer["config"]) for layer in plan["layers"]}
    dense = decode(["uint256"] * 6 + ["(uint256,uint256,int256)"] * 2, configs["a"])
    assert dense[:6] == (24, 32, 6, 8, 1, 3)  # F, bits, rows, units, positions, tanh
    cat = decode(["uint256", "uint256", "uint256", "uint256[]"], configs["cat"])
    assert cat == (24, 32, 1, (8, 8, 6))
    assert decode(["uint256"] * 3, configs["add"]) == (24, 32, 8)
