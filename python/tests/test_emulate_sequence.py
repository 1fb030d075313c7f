"""Sequence layers (Embedding, SimpleRNN, LSTM, GRU): the fixed-point forward against Keras 2 and 3.

Tolerances (absolute; outputs are of magnitude 1..3): int32 weights within ``TOL["int32"]``
= 1e-5 of Keras (measured worst 2.4e-7: sigmoid/tanh are within 2^-24 of the real
function, plus 2^-24 rounding per product and step, plus Keras' own float32 error);
int8 weights within ``TOL["int8"]`` = 0.15, as scripts/make_fixtures.py (measured worst
0.031, Embedding -> GRU -> SimpleRNN -> Dense; weight quantisation dominates). Exact
rounding rules are pinned by hand-computed cases; chain == emulator is checked by the
Hardhat tests (test/layers/{Embedding,SimpleRNN,LSTM,GRU}Layer.test.js, test/fixtures.test.js).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import tf_keras  # noqa: E402
from eth_abi import decode  # noqa: E402

from eternal.emulate import emulate  # noqa: E402
from eternal.errors import ModelInputError, UnsupportedLayerError  # noqa: E402
from eternal.export import ModelExporter  # noqa: E402
from eternal.exportfile import weight_stream  # noqa: E402
from eternal.fixedpoint import quantise_activations, rescale  # noqa: E402
from eternal.layers import QTensor, lookup  # noqa: E402
from eternal.layers.recurrent_base import CONFIG_ABI  # noqa: E402
from eternal.weightstream import decode_tensor  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))  # the case module imports its package, fixture_cases
_spec = importlib.util.spec_from_file_location("sequence_cases", REPO / "scripts" / "fixture_cases" / "sequence.py")
sequence_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sequence_cases)
CASES = sequence_cases.CASES

TOL = {"int32": 1e-5, "int8": 0.15}
F = 24


def emulate_floats(export: dict, batch: np.ndarray) -> np.ndarray:
    """The emulator's float outputs of a one-output export over a float batch."""
    return emulate(export, batch).floats[0]


@pytest.fixture(scope="module", params=["keras3", "keras2"])
def library(request):
    return keras if request.param == "keras3" else tf_keras


@pytest.mark.parametrize("precision", ["int32", "int8"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_forward_matches_keras(case, precision, library):
    model, batch = CASES[case](library)
    expected = np.asarray(model.predict(batch, verbose=0), dtype=np.float64)
    export = ModelExporter(precision).export_model(model)
    actual = emulate_floats(export, batch)
    assert actual.shape == expected.shape
    error = float(np.max(np.abs(actual - expected)))
    assert error <= TOL[precision], f"{case} {precision}: max |emulator - Keras| = {error:.3g}"


@pytest.mark.parametrize("case", sorted(set(CASES) - sequence_cases.KERAS2_OTHER_MATH))
def test_keras2_and_keras3_export_identically(case):
    export3 = ModelExporter().export_model(CASES[case](keras)[0])
    export2 = ModelExporter().export_model(CASES[case](tf_keras)[0])
    assert export3["hashes"] == export2["hashes"]


def _gate_names(export) -> list:
    """Every recurrent layer's (activation, recurrent_activation), a Bidirectional's inner layer's too."""
    configs = [layer["config"] for layer in export["graph"]["layers"]]
    configs = [c["layer"]["config"] if "layer" in c else c for c in configs]
    return [(c["activation"], c.get("recurrent_activation")) for c in configs if "units" in c and "use_bias" in c]


@pytest.mark.parametrize("case", sorted(sequence_cases.KERAS2_OTHER_MATH))
def test_keras2_hard_sigmoid_exports_as_hard_sigmoid_tf_inside_wrappers_too(case):
    gates3 = _gate_names(ModelExporter().export_model(CASES[case](keras)[0]))
    gates2 = _gate_names(ModelExporter().export_model(CASES[case](tf_keras)[0]))
    assert [g for _, g in gates3] == ["hard_sigmoid"]
    assert [g for _, g in gates2] == ["hard_sigmoid_tf"]
    assert [a for a, _ in gates2] == [a for a, _ in gates3]


@pytest.mark.parametrize("class_name, activation", [("SimpleRNN", "softmax"), ("LSTM", "softmax"), ("GRU", "softmax"),
                                                    ("LSTM", "log_softmax")])
def test_recurrent_softmax_is_refused_with_the_supported_list(class_name, activation):
    layer = getattr(keras.layers, class_name)(2, activation=activation, name="r")
    model = keras.Sequential([keras.Input(shape=(3, 2)), layer])
    with pytest.raises(UnsupportedLayerError, match=rf"`activation='{activation}'` is not supported\. Supported: .*hard_sigmoid_tf") as error:
        ModelExporter().export_model(model)
    assert "\n" not in str(error.value) and "softmax" not in str(error.value).split("Supported:")[1]


# Exact rounding rules, hand-computed ------------------------------------------------


def _layer(class_name, config):
    return lookup(class_name, "t"), config


def _q(values, frac):
    return QTensor(np.asarray(values, dtype=np.int64), frac)


def _ints(rows):
    return np.asarray(rows, dtype=object)


def test_simple_rnn_rescales_each_product_once_then_adds_bias():
    layer, config = _layer(
        "SimpleRNN",
        {"units": 2, "activation": "linear", "use_bias": True, "return_sequences": True, "go_backwards": False},
    )
    kernel = _q([[3, -1], [1, 2]], 2)  # 0.75 -0.25 / 0.25 0.5
    recurrent = _q([[1, 0], [-1, 1]], 1)  # 0.5 0 / -0.5 0.5
    bias = _q([1, -3], 3)  # 0.125, -0.375
    frac = 4
    x = _ints([[5, -7], [1, 2]])
    out = layer.forward(config, [x], [kernel, recurrent, bias], frac)
    h = [0, 0]
    expected = []
    for step in x:
        zx = [rescale(step[0] * kernel.values[0, j] + step[1] * kernel.values[1, j], frac + 2, frac) for j in range(2)]
        zh = [rescale(h[0] * recurrent.values[0, j] + h[1] * recurrent.values[1, j], frac + 1, frac) for j in range(2)]
        h = [zx[j] + zh[j] + rescale(int(bias.values[j]), 3, frac) for j in range(2)]
        expected.append(h)
    assert out.tolist() == expected
    # Half-up rounding is visible: 5*3 + (-7)*1 = 8 -> 8/4 = 2 exactly; 5*-1 + -7*2 = -19 -> -19/4 = -4.75 -> -5.
    assert expected[0][1] == -5 + rescale(-3, 3, frac)


def test_go_backwards_walks_last_to_first_and_keeps_walk_order():
    layer, config = _layer(
        "SimpleRNN",
        {"units": 1, "activation": "linear", "use_bias": False, "return_sequences": True, "go_backwards": True},
    )
    ones = _q([[1]], 0)
    x = _ints([[1], [10], [100]])
    assert layer.forward(config, [x], [ones, ones], 0).tolist() == [[100], [110], [111]]
    config = dict(config, return_sequences=False)
    assert layer.forward(config, [x], [ones, ones], 0).tolist() == [111]


def test_lstm_cell_state_rounds_its_sum_once():
    layer, config = _layer(
        "LSTM",
        {
            "units": 1,
            "activation": "linear",
            "recurrent_activation": "linear",
            "use_bias": False,
            "return_sequences": True,
            "go_backwards": False,
        },
    )
    frac = 2
    kernel = _q([[1, 1, 1, 1]], 0)  # i = f = g = o = x
    recurrent = _q([[0, 0, 0, 0]], 0)
    x = _ints([[3], [1]])  # 0.75, then 0.25
    out = layer.forward(config, [x], [kernel, recurrent], frac)
    c1 = rescale(3 * 0 + 3 * 3, 4, 2)  # 9/4 -> 2.25 -> 2
    h1 = rescale(3 * c1, 4, 2)  # 6/4 -> 1.5 -> 2
    c2 = rescale(1 * c1 + 1 * 1, 4, 2)  # 3/4 -> 0.75 -> 1
    h2 = rescale(1 * c2, 4, 2)  # 1/4 -> 0
    assert out.tolist() == [[h1], [h2]]


def test_gru_blends_with_one_minus_z_in_one_rounding():
    layer, config = _layer(
        "GRU",
        {
            "units": 1,
            "activation": "linear",
            "recurrent_activation": "linear",
            "use_bias": True,
            "return_sequences": True,
            "go_backwards": False,
        },
    )
    frac = 2
    kernel = _q([[1, 0, 1]], 0)  # z = x + b, r = b, hh = x + r * (h R_h + b_rec_h)
    recurrent = _q([[0, 0, 1]], 0)
    bias = _q([[0, 2, 0], [1, 0, 3]], 2)  # input bias (0, 0.5, 0), recurrent (0.25, 0, 0.75)
    x = _ints([[2], [1]])
    out = layer.forward(config, [x], [kernel, recurrent, bias], frac)
    h, expected = 0, []
    for step in (2, 1):
        xz = [step + 0, 0 + 2, step + 0]
        hz = [0 + 1, 0 + 0, h + 3]
        z = xz[0] + hz[0]
        r = xz[1] + hz[1]
        hh = xz[2] + rescale(r * hz[2], 4, 2)
        h = rescale(z * h + (4 - z) * hh, 4, 2)
        expected.append([h])
    assert out.tolist() == expected


def test_embedding_reads_ids_round_half_up_and_rescales_rows():
    layer, config = _layer("Embedding", {"input_dim": 3, "output_dim": 2})
    table = _q([[1, -2], [3, 4], [-5, 7]], 1)  # frac 1 -> F=4: shift left 3
    frac = 4
    # 1.5 rounds half up to id 2; 0.4375 -> 0; 2.0 -> 2.
    x = _ints([24, 7, 32])
    out = layer.forward(config, [x], [table], frac)
    assert out.tolist() == [[-40, 56], [8, -16], [-40, 56]]


@pytest.mark.parametrize("bad", [-1.0, 3.0, 2.5, -0.51, 1e6])
def test_embedding_rejects_ids_outside_the_vocabulary(bad):
    layer, config = _layer("Embedding", {"input_dim": 3, "output_dim": 2})
    table = _q([[1, -2], [3, 4], [-5, 7]], 1)
    x = quantise_activations([0.0, bad], F)
    with pytest.raises(ModelInputError, match=r"Layer 't' \(Embedding\): input 1 is id -?\d+; ids must be in \[0, 3\)"):
        layer.forward(config, [x], [table], F)


def test_recurrent_layers_reject_softmax():
    model = keras.Sequential([keras.Input((3, 2)), keras.layers.SimpleRNN(2, activation="softmax", name="r")])
    with pytest.raises(UnsupportedLayerError, match=r"`activation='softmax'` is not supported"):
        ModelExporter().export_model(model)


def test_abi_config_encodes_every_field():
    model, _ = CASES["lstm_seq_backwards_nobias"](keras)
    export = ModelExporter("int16").export_model(model)
    graph = export["graph"]
    layer = graph["layers"][1]
    config = lookup("LSTM", "lstm").abi_config(layer, [graph["layers"][0]["output_shape"]], graph)
    fields = decode(CONFIG_ABI, config)
    kernel, recurrent = layer["weights"]
    assert fields == (
        24, 16, 2, 9, 3, 2, True, True,
        (kernel["offset"], kernel["size"], kernel["frac_bits"]),
        (recurrent["offset"], recurrent["size"], recurrent["frac_bits"]),
        False, (0, 0, 0),
    )
    assert decode_tensor(weight_stream(export)[kernel["offset"]:][: kernel["size"]], kernel["shape"], "blocked", 16).shape == (2, 36)


def test_gate_operands_of_2_to_126_are_refused_as_the_chain_does():
    layer, config = _layer(
        "LSTM",
        {
            "units": 1,
            "activation": "linear",
            "recurrent_activation": "linear",
            "use_bias": False,
            "return_sequences": False,
            "go_backwards": False,
        },
    )
    kernel, recurrent = _q([[1, 1, 1, 1]], 0), _q([[0, 0, 0, 0]], 0)
    fine = layer.forward(config, [_ints([[1 << 60]])], [kernel, recurrent], 0)
    assert fine.tolist() == [1 << 180]  # c = i*g = 2^120, h = o*c at F = 0
    with pytest.raises(ModelInputError, match=r"Layer 't' \(LSTM\): a gate operand reached 2\^126"):
        layer.forward(config, [_ints([[1 << 126]])], [kernel, recurrent], 0)
