"""The example models: digits MLP in Keras 2 and Keras 3, trained at run time."""

from __future__ import annotations

import keras
import numpy as np
import tf_keras

from eternal.emulate import compare_with_keras
from eternal.examples import TEST_SIZE, build_cnn, build_mlp, digits_data, train
from eternal.export import ModelExporter

from keras_cases import set_seeded_weights


def test_digits_split_is_fixed():
    x_train, y_train, x_test, y_test = digits_data()
    assert x_test.shape == (TEST_SIZE, 8, 8, 1) and len(x_train) + len(x_test) == 1797
    assert np.array_equal(digits_data()[3], y_test)
    assert x_train.max() == 16.0 and set(y_train) == set(range(10))


def test_mlp_and_cnn_export_identically_from_keras2_and_keras3():
    for builder in (build_mlp, build_cnn):
        models = [builder(keras), builder(tf_keras)]
        set_seeded_weights(models)
        hashes = [ModelExporter().export_model(m)["hashes"] for m in models]
        assert hashes[0] == hashes[1], builder.__name__


def test_keras2_mlp_trains_and_the_emulator_agrees_with_it():
    model, accuracy = train(tf_keras, build_mlp, epochs=10)
    assert accuracy > 0.9
    export = ModelExporter().export_model(model)
    assert export["source"]["library"] == "keras2"
    x_test = digits_data()[2][:120]
    report = compare_with_keras(export, model, [x_test])
    assert report["argmax_agreement"] == 1.0
    assert report["max_abs_diff"] < 1e-4
