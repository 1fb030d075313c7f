"""`pull`'s graph -> Keras builder, offline: the rebuilt model computes what was exported."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from eternal.export import ModelExporter  # noqa: E402
from eternal.exportfile import weight_stream  # noqa: E402
from eternal.rebuild import build_keras_model  # noqa: E402

from keras_cases import CASES, set_seeded_weights  # noqa: E402


def cnn():
    inputs = keras.Input((8, 8, 1), name="pixels")
    x = keras.layers.Rescaling(1.0 / 16.0)(inputs)
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="cnn")


def branches():
    inputs = keras.Input((6,), name="x")
    a = keras.layers.Dense(5, activation="tanh")(inputs)
    b = keras.layers.Dense(5, activation="sigmoid")(inputs)
    merged = keras.layers.Concatenate()([keras.layers.Add()([a, b]), b])
    return keras.Model(inputs, keras.layers.Dense(3)(merged), name="branches")


def recurrent():
    inputs = keras.Input((5, 3), name="seq")
    x = keras.layers.LSTM(4, return_sequences=True)(inputs)
    x = keras.layers.GRU(3)(x)
    return keras.Model(inputs, keras.layers.Dense(2)(x), name="recurrent")


@pytest.mark.parametrize("build, shape", [(cnn, (4, 8, 8, 1)), (branches, (4, 6)), (recurrent, (4, 5, 3))])
def test_rebuilt_model_matches_the_original(build, shape):
    keras.utils.set_random_seed(5)
    model = build()
    if any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers):
        bn = next(layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization))
        gamma, beta, _, _ = bn.get_weights()
        bn.set_weights([gamma * 1.5, beta + 0.1, np.full_like(gamma, 0.2), np.full_like(gamma, 2.0)])
    export = ModelExporter("int32").export_model(model)
    rebuilt = build_keras_model(export["graph"], weight_stream(export))
    x = np.random.default_rng(0).uniform(0, 1, size=shape).astype("float32")
    expected, actual = model.predict(x, verbose=0), rebuilt.predict(x, verbose=0)
    assert np.max(np.abs(expected - actual)) < 1e-4


@pytest.mark.parametrize("build", [branches, recurrent])
def test_int16_weights_survive_the_round_trip_exactly(build):
    """int16 fixed-point values are exact in float32, so re-exporting gives the same weight bytes."""
    keras.utils.set_random_seed(6)
    export = ModelExporter("int16").export_model(build())
    rebuilt = build_keras_model(export["graph"], weight_stream(export))
    again = ModelExporter("int16").export_model(rebuilt)
    assert again["weights"]["data"] == export["weights"]["data"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_supported_layer_type_rebuilds(case):
    model = CASES[case](keras)
    set_seeded_weights([model])
    export = ModelExporter("int32").export_model(model)
    rebuilt = build_keras_model(export["graph"], weight_stream(export))
    rng = np.random.default_rng(0)
    feed = [rng.integers(0, 5, size=(3, *t.shape[1:])) if "int" in str(t.dtype)
            else rng.uniform(0, 1, size=(3, *t.shape[1:])).astype("float32") for t in model.inputs]
    feed = feed if len(feed) > 1 else feed[0]
    assert np.max(np.abs(np.asarray(model.predict(feed, verbose=0)) - np.asarray(rebuilt.predict(feed, verbose=0)))) < 1e-4


@pytest.mark.parametrize("case", ["NoOps", "NoOps_1d_3d", "NoOps_keras3", "PReLU", "PReLU_per_value", "Multiply_broadcast",
                                  "Add_broadcast", "Subtract", "Average", "Maximum", "Minimum",
                                  "Activation_ops", "Attention", "AdditiveAttention", "Dot", "Recurrent_extended",
                                  "Recurrent_hard_sigmoid"])
def test_no_ops_merges_and_prelu_rebuild_to_the_same_hashes(case, tmp_path):
    """Rebuilt, saved as `pull` saves, loaded and exported again: the same graph and weights (int16 is exact)."""
    model = CASES[case](keras)
    set_seeded_weights([model])
    export = ModelExporter("int16").export_model(model)
    build_keras_model(export["graph"], weight_stream(export)).save(tmp_path / "pulled.keras")
    again = ModelExporter("int16").export_model(keras.saving.load_model(tmp_path / "pulled.keras"))
    assert again["hashes"] == export["hashes"]


def test_tf_keras_hard_sigmoid_inside_bidirectional_rebuilds_as_tf_keras_computes():
    """tf_keras' hard_sigmoid (0.2 x + 0.5) in a wrapped layer is rebuilt as that function, not Keras 3's."""
    import tf_keras

    inputs = tf_keras.Input((4, 3), name="x")
    inner = tf_keras.layers.LSTM(3, recurrent_activation="hard_sigmoid", return_sequences=True)
    model = tf_keras.Model(inputs, tf_keras.layers.Bidirectional(inner, name="bi")(inputs), name="old")
    set_seeded_weights([model])
    export = ModelExporter("int32").export_model(model)
    rebuilt = build_keras_model(export["graph"], weight_stream(export))
    feed = np.random.default_rng(1).uniform(-3, 3, (3, 4, 3)).astype("float32")
    assert np.max(np.abs(model.predict(feed, verbose=0) - np.asarray(rebuilt.predict(feed, verbose=0)))) < 1e-4
