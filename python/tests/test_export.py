"""Export: Keras 2 == Keras 3 for every layer type, rejection, quantisation, round trip, CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import tf_keras  # noqa: E402

from eternal.errors import QuantisationError, UnsupportedLayerError  # noqa: E402
from eternal.export import ModelExporter  # noqa: E402
from eternal.exportfile import load_export, weight_stream  # noqa: E402
from eternal.fixedpoint import choose_frac_bits, quantise_weights  # noqa: E402
from eternal.hashing import canonical_bytes  # noqa: E402
from eternal.layers import supported_names  # noqa: E402
from eternal.weightstream import PAGE_SIZE, decode_tensor, encode_tensor  # noqa: E402

from keras_cases import CASES, KERAS3_ONLY, VERSIONS_DIFFER, set_seeded_weights  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def both(case: str):
    """The case built in Keras 3 and Keras 2 with identical weights (Keras 3 alone for a case
    tf_keras cannot build)."""
    models = [CASES[case](keras)] + ([] if case in KERAS3_ONLY else [CASES[case](tf_keras)])
    set_seeded_weights(models)
    return models


def test_every_supported_layer_type_has_a_case():
    covered = set()
    for case in CASES:
        for model in both(case)[:1]:
            exported = ModelExporter().export_model(model)
            covered.update(layer["class_name"] for layer in exported["graph"]["layers"])
    assert covered == set(supported_names())


@pytest.mark.parametrize("case", sorted(set(CASES) - KERAS3_ONLY - VERSIONS_DIFFER))
@pytest.mark.parametrize("precision", ["int32", "int8"])
def test_keras2_and_keras3_export_identical_bytes(case, precision):
    model3, model2 = both(case)
    export3 = ModelExporter(precision).export_model(model3)
    export2 = ModelExporter(precision).export_model(model2)
    assert export3["source"]["library"] == "keras3" and export2["source"]["library"] == "keras2"
    assert canonical_bytes(export3["graph"]) == canonical_bytes(export2["graph"])
    assert weight_stream(export3) == weight_stream(export2)
    assert export3["hashes"] == export2["hashes"]


def test_graph_shape_and_hash_definition():
    model = both("Add")[0]
    export = ModelExporter().export_model(model)
    graph = export["graph"]
    assert graph["inputs"] == [0, 1]
    assert [layer["class_name"] for layer in graph["layers"]] == ["InputLayer", "InputLayer", "Dense", "Dense", "Add"]
    assert graph["layers"][4]["inbound"] == [[2, 0], [3, 0]]
    assert graph["outputs"] == [[4, 0]]
    graph_digest = hashlib.sha256(canonical_bytes(graph)).digest()
    stream = weight_stream(export)
    pages = [stream[i : i + PAGE_SIZE] for i in range(0, len(stream), PAGE_SIZE)]
    weights_digest = hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in pages)).digest()
    assert export["hashes"] == {
        "graph": graph_digest.hex(),
        "weights": weights_digest.hex(),
        "model": hashlib.sha256(graph_digest + weights_digest).hexdigest(),
    }


@pytest.mark.parametrize("case", ["NoOps", "NoOps_1d_3d", "NoOps_keras3"])
def test_inference_noops_are_the_identity_and_match_keras(case):
    from eternal.emulate import compare_with_keras

    model = both(case)[0]
    export = ModelExporter("int32").export_model(model)
    noops = [layer for layer in export["graph"]["layers"] if layer["class_name"] not in ("InputLayer", "Dense", "Reshape")]
    assert len(noops) >= 2 and all(layer["config"] == {} and not layer["weights"] for layer in noops)
    x = np.random.default_rng(1).uniform(-2, 2, (3, *model.inputs[0].shape[1:])).astype("float32")
    assert compare_with_keras(export, model, [x])["max_abs_diff"] <= 1e-4


def test_nested_models_are_flattened():
    export = ModelExporter().export_model(both("Nested")[0])
    names = [layer["name"] for layer in export["graph"]["layers"]]
    assert names == ["x", "inner/i1", "inner/i2"]
    assert export["graph"]["layers"][2]["inbound"] == [[1, 0]]


def test_multi_page_weights_hash_is_page_wise():
    model = keras.Sequential([keras.Input(shape=(200,)), keras.layers.Dense(100, name="big")], name="big")
    export = ModelExporter().export_model(model)
    stream = weight_stream(export)
    assert export["stats"]["pages"] == -(-len(stream) // PAGE_SIZE) > 1
    digests = b"".join(hashlib.sha256(stream[i : i + PAGE_SIZE]).digest() for i in range(0, len(stream), PAGE_SIZE))
    assert export["hashes"]["weights"] == hashlib.sha256(digests).hexdigest()


# Rejection ----------------------------------------------------------------------------


def test_lambda_is_rejected_with_the_supported_list():
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Lambda(lambda t: t * 2, name="double")])
    with pytest.raises(UnsupportedLayerError) as info:
        ModelExporter().export_model(model)
    message = str(info.value)
    assert "Layer 'double' (Lambda) is not supported" in message and "Supported: " in message and "Dense" in message


@pytest.mark.parametrize("class_name, args", [("RandomCrop", (4, 4)), ("AutoContrast", ()), ("Solarization", ()),
                                              ("Equalization", ())])
def test_image_layers_that_are_not_the_identity_at_inference_are_refused(class_name, args):
    layers = [getattr(keras.layers, class_name)(*args, name="img"), keras.layers.Dense(2, name="d")]
    model = keras.Sequential([keras.Input(shape=(6, 6, 3)), *layers])
    with pytest.raises(UnsupportedLayerError, match=f"Layer 'img' \\({class_name}\\) is not supported. Supported: "):
        ModelExporter().export_model(model)


@pytest.mark.parametrize(
    "layer, expected, packages",
    [
        # tf_keras has no activation left that Eternal lacks (since softplus): Keras 3's sparsemax.
        (lambda K: K.layers.Dense(2, activation="sparsemax", name="c"), "`activation='sparsemax'` is not supported",
         (keras,)),
        (lambda K: K.layers.Conv2D(2, 3, groups=2, name="c"), "`groups=2` is not supported", (keras, tf_keras)),
    ],
)
def test_unsupported_options_are_rejected(layer, expected, packages):
    for K in packages:
        model = K.Sequential([K.Input(shape=(6, 6, 2)), layer(K)])
        with pytest.raises(UnsupportedLayerError, match=expected.replace("[", r"\[").replace("]", r"\]")):
            ModelExporter().export_model(model)


def test_recurrent_options_are_rejected():
    model = keras.Sequential([keras.Input(shape=(3, 2)), keras.layers.LSTM(2, return_state=False, stateful=False, name="l")])
    ModelExporter().export_model(model)
    model = keras.Sequential([keras.Input(shape=(3, 2)), keras.layers.GRU(2, reset_after=False, name="g")])
    with pytest.raises(UnsupportedLayerError, match="`reset_after=False` is not supported"):
        ModelExporter().export_model(model)


# Quantisation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, bits, frac",
    [
        ([0.0, 0.0], 8, 7),
        ([-1.0], 8, 7),  # -128 is representable
        ([1.0], 8, 6),  # 128 is not
        ([0.5, -0.25], 8, 7),
        ([-0.5, 0.25], 8, 8),  # -128 at frac 8
        ([0.99999], 8, 6),  # rounds to 128 at frac 7
        ([3.0], 16, 13),
        ([1e-30], 32, 96),  # capped scale
        ([1000.0], 8, -3),
    ],
)
def test_frac_bits_choice(values, bits, frac):
    assert choose_frac_bits(np.array(values), bits) == frac


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_an_error(bad):
    with pytest.raises(QuantisationError, match="NaN or Inf"):
        quantise_weights(np.array([1.0, bad]), 32, "Layer 'd' (Dense) tensor 'kernel'")


def test_overflow_is_an_error():
    with pytest.raises(QuantisationError, match="does not fit 8-bit"):
        quantise_weights(np.array([1e30]), 8, "t")


def test_nan_weights_in_a_model_are_rejected():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(2, name="d")])
    kernel, bias = model.get_weights()
    kernel[0, 0] = np.nan
    model.set_weights([kernel, bias])
    with pytest.raises(QuantisationError, match="Layer 'd' \\(Dense\\) tensor 'kernel': holds NaN"):
        ModelExporter().export_model(model)


@pytest.mark.parametrize("bits", [8, 16, 32])
def test_quantisation_error_is_within_half_a_step(bits):
    values = np.random.default_rng(1).standard_normal(1000)
    q, frac, error = quantise_weights(values, bits)
    assert error <= 2.0 ** (-frac - 1)
    assert q.min() >= -(1 << (bits - 1)) and q.max() <= (1 << (bits - 1)) - 1
    assert max(abs(q.min()), q.max()) >= 1 << (bits - 2)  # the scale uses the range


@pytest.mark.parametrize("bits", [8, 16, 32])
@pytest.mark.parametrize("layout, shape", [("plain", (3, 5)), ("blocked", (7, 3)), ("blocked", (2, 2, 3, 40))])
def test_tensor_layout_round_trip(bits, layout, shape):
    rng = np.random.default_rng(2)
    q = rng.integers(-(1 << (bits - 1)), 1 << (bits - 1), size=shape)
    data = encode_tensor(q, layout, bits)
    assert len(data) % 32 == 0
    assert np.array_equal(decode_tensor(data, shape, layout, bits), q)


def test_blocked_layout_puts_consecutive_outputs_in_one_word():
    q = np.arange(6).reshape(2, 3) - 3  # rows 2, outputs 3
    data = encode_tensor(q, "blocked", 32)
    words = [data[i : i + 32] for i in range(0, len(data), 32)]
    assert len(words) == 2  # one block of 8 outputs, two rows
    assert words[0][:4] == (int(q[0, 0]) + (1 << 31)).to_bytes(4, "big")
    assert words[0][4:8] == (int(q[0, 1]) + (1 << 31)).to_bytes(4, "big")
    assert words[1][:4] == (int(q[1, 0]) + (1 << 31)).to_bytes(4, "big")
    assert words[0][12:16] == (1 << 31).to_bytes(4, "big")  # padding is the value 0


def test_precision_changes_bytes_and_reports_error():
    model = both("Dense")[0]
    export8 = ModelExporter("int8").export_model(model)
    export32 = ModelExporter("int32").export_model(model)
    assert export8["hashes"]["model"] != export32["hashes"]["model"]
    error8 = max(entry["max_abs_error"] for entry in export8["quantisation"])
    error32 = max(entry["max_abs_error"] for entry in export32["quantisation"])
    assert 0 <= error32 < 1e-8 < error8 < 0.05  # float32 often fits int32 exactly


# Files ---------------------------------------------------------------------------------


def test_model_files_of_both_versions_export_like_in_memory(tmp_path):
    model3, model2 = both("Conv2D")
    expected = ModelExporter().export_model(model3)["hashes"]
    model3.save(tmp_path / "k3.keras")
    model2.save(tmp_path / "k2.keras")
    model2.save(tmp_path / "k2.h5")
    for name in ("k3.keras", "k2.keras", "k2.h5"):
        assert ModelExporter().export_model(tmp_path / name)["hashes"] == expected, name


def test_keras2_functional_keras_file_is_read_with_keras2(tmp_path):
    model3, model2 = both("LSTM")
    model2.save(tmp_path / "lstm.keras")
    export = ModelExporter().export_model(str(tmp_path / "lstm.keras"))
    assert export["source"]["library"] == "keras2"
    assert export["hashes"] == ModelExporter().export_model(model3)["hashes"]


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "eternal.export", *map(str, args)], capture_output=True, text=True, cwd=REPO, timeout=300
    )


def test_cli_json_and_output_file(tmp_path):
    model = both("Dense")[0]
    model.save(tmp_path / "m.keras")
    result = run_cli(tmp_path / "m.keras", "--precision", "int16", "-o", tmp_path / "out.json", "--json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert set(printed) == {"hashes", "layers", "params", "weight_bytes"}
    saved = load_export(tmp_path / "out.json")
    assert printed["hashes"] == saved["hashes"]
    assert printed["params"] == 6 * 5 + 5 and printed["layers"] == 2
    assert saved["graph"]["precision"] == "int16"


def test_cli_rejects_lambda_file_without_loading_it(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Lambda(lambda t: t + 1, name="plus_one")])
    model.save(tmp_path / "lambda.keras")
    result = run_cli(tmp_path / "lambda.keras", "-o", tmp_path / "out.json")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "Layer 'plus_one' (Lambda) is not supported" in result.stderr
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("content, message", [(None, "not found"), (b"not a zip", "not a readable Keras model file")])
def test_cli_bad_files(tmp_path, content, message):
    path = tmp_path / "broken.keras"
    if content is not None:
        path.write_bytes(content)
    result = run_cli(path)
    assert result.returncode != 0 and message in result.stderr and "Traceback" not in result.stderr


def test_keras3_operations_with_a_number_become_rescaling_and_others_are_refused():
    from eternal.emulate import compare_with_keras

    # MobileNetV3's hard sigmoid is `ReLU(6)(x + 3) * (1 / 6)`: operations, not layers, in Keras 3.
    x = keras.Input((4,), name="x")
    y = 2.0 - keras.layers.Dense(3, name="d")(keras.layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)) / 4.0
    model = keras.Model(x, y, name="ops")
    set_seeded_weights([model])
    export = ModelExporter().export_model(model)
    rescalings = [layer["config"] for layer in export["graph"]["layers"] if layer["class_name"] == "Rescaling"]
    assert rescalings == [{"scale": 1.0, "offset": 3.0}, {"scale": float(np.float32(1 / 6)), "offset": 0.0},
                          {"scale": 0.25, "offset": 0.0}, {"scale": -1.0, "offset": 2.0}]
    batch = np.random.default_rng(3).uniform(-5, 5, (4, 4))
    assert compare_with_keras(export, model, batch)["max_abs_diff"] < 1e-5
    for refused, message in ((keras.ops.sqrt(keras.ops.abs(x)), "Operation 'absolute'"), (x * x, "only a tensor and one number")):
        with pytest.raises(UnsupportedLayerError, match=message):
            ModelExporter().export_model(keras.Model(x, refused))


def test_keras3_activation_operations_become_activation_layers():
    from eternal.emulate import compare_with_keras

    # keras.ops.gelu defaults to the tanh approximation, which no activation name gives in a config.
    x = keras.Input((6,), name="x")
    h = keras.layers.Dense(8, name="d")(x)
    ops = [keras.ops.gelu(h), keras.ops.gelu(h, approximate=False), keras.ops.silu(h), keras.ops.relu6(h),
           keras.ops.leaky_relu(h, negative_slope=0.3), keras.ops.elu(h, alpha=0.5), keras.ops.hard_sigmoid(h),
           keras.ops.tanh(h), keras.ops.softmax(h)]
    model = keras.Model(x, keras.layers.Concatenate(name="c")(ops), name="activation_ops")
    set_seeded_weights([model])
    export = ModelExporter().export_model(model)
    layers = [(layer["class_name"], layer["config"]) for layer in export["graph"]["layers"][2:-1]]
    assert [name for name, _ in layers] == ["Activation"] * 4 + ["LeakyReLU", "ELU", "Activation", "Activation", "Softmax"]
    assert [config.get("activation") for name, config in layers if name == "Activation"] == [
        "gelu_tanh", "gelu", "silu", "relu6", "hard_sigmoid", "tanh"]
    batch = np.random.default_rng(5).uniform(-4, 4, (8, 6))
    assert compare_with_keras(export, model, batch)["max_abs_diff"] < 1e-5
    for refused, message in ((keras.ops.hard_shrink(h, threshold=0.25), "threshold 0.5"),
                             (keras.ops.celu(h), "Operation 'celu'")):
        with pytest.raises(UnsupportedLayerError, match=message):
            ModelExporter().export_model(keras.Model(x, refused))


def test_an_input_axis_of_unknown_size_is_refused_in_one_line():
    x = keras.Input((None, 4), name="tokens")
    model = keras.Model(x, keras.layers.Dense(2, name="d")(x))
    with pytest.raises(UnsupportedLayerError, match=r"Input 'tokens' has shape \(None, 4\): every axis but the batch"):
        ModelExporter().export_model(model)
