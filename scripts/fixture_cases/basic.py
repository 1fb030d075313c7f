"""Fixture cases for Dense and the simple layers: Activation, ReLU, LeakyReLU, Softmax,
Rescaling, BatchNormalization, Add, Multiply, Concatenate (plus the identity layers
Flatten, Reshape, Dropout on the way).

``CASES = {name: build(K) -> (model, inputs)}``; weights come from a seeded generator so
Keras 2 and Keras 3 build the same model; biases are non-zero on purpose.
"""

from __future__ import annotations

import numpy as np

from fixture_cases import floats as _floats, seeded_weights as _set_weights, sequential as _sequential


def _dense(activation, seed):
    def build(K):
        layers = [K.layers.Dense(10, activation=activation, name="dense")]
        return _sequential(K, (16,), layers, f"dense_{activation}", seed), _floats(seed, (16,))

    build.__name__ = f"dense_{activation}"
    return build


def dense_wide(K):
    # 40 inputs, 70 outputs: three blocks at int8 (32 per word), nine at int32, padding in the last.
    layers = [K.layers.Dense(70, activation="relu", name="wide"), K.layers.Dense(5, name="head")]
    return _sequential(K, (40,), layers, "dense_wide", 11, 0.3), _floats(11, (40,))


def dense_no_bias_3d(K):
    # Dense on a (4, 6) input: 4 positions share the kernel; no bias; then Flatten and Dropout.
    layers = [K.layers.Dense(3, use_bias=False, activation="tanh", name="dense"), K.layers.Flatten(name="flatten"),
              K.layers.Dropout(0.5, name="dropout"), K.layers.Reshape((3, 4), name="reshape"), K.layers.Dense(2, name="out")]
    return _sequential(K, (4, 6), layers, "dense_no_bias_3d", 12), _floats(12, (4, 6))


def activation_layers(K):
    layers = [K.layers.Dense(12, name="dense"), K.layers.Activation("sigmoid", name="sig"),
              K.layers.Dense(12, name="dense2"), K.layers.Activation("tanh", name="tanh"),
              K.layers.Dense(6, name="dense3"), K.layers.Activation("softmax", name="soft")]
    return _sequential(K, (8,), layers, "activation_layers", 13), _floats(13, (8,))


def relu_layers(K):
    layers = [K.layers.Dense(16, name="dense"), K.layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.25, name="relu"),
              K.layers.Dense(16, name="dense2"), K.layers.LeakyReLU(0.3, name="leaky"),
              K.layers.Dense(8, name="dense3"), K.layers.ReLU(name="plain_relu"), K.layers.Softmax(name="softmax")]
    return _sequential(K, (8,), layers, "relu_layers", 14), _floats(14, (8,))


def rescaling_batchnorm(K):
    # Pixel-like inputs in [0, 255] scaled to [-1, 1), then a BatchNormalization with set statistics.
    layers = [K.layers.Rescaling(1.0 / 127.5, offset=-1.0, name="rescale"), K.layers.Dense(6, name="dense"),
              K.layers.BatchNormalization(name="bn"), K.layers.Dense(3, activation="softmax", name="out")]
    model = _sequential(K, (10,), layers, "rescaling_batchnorm", 15)
    bn = model.get_layer("bn")
    rng = np.random.default_rng(16)
    gamma, beta = rng.uniform(0.5, 1.5, 6), rng.normal(0, 0.3, 6)
    mean, variance = rng.normal(0, 0.5, 6), rng.uniform(0.2, 2.0, 6)
    bn.set_weights([a.astype("float32") for a in (gamma, beta, mean, variance)])
    return model, _floats(15, (10,), 0.0, 255.0)


def merge_layers(K):
    x = K.Input(shape=(6,), name="x")
    a = K.layers.Dense(8, activation="tanh", name="a")(x)
    b = K.layers.Dense(8, activation="sigmoid", name="b")(x)
    c = K.layers.Dense(8, name="c")(x)
    added = K.layers.Add(name="add")([a, b, c])
    multiplied = K.layers.Multiply(name="mul")([a, b, c])
    joined = K.layers.Concatenate(name="cat")([added, multiplied, x])
    out = K.layers.Dense(4, activation="softmax", name="out")(joined)
    return _set_weights(K.Model(x, out, name="merge_layers"), 17), _floats(17, (6,))


def concatenate_axis(K):
    # Concatenate along the first (non-batch) axis of (2, 3) and (4, 3) tensors: outer = 1.
    x = K.Input(shape=(2, 3), name="x")
    y = K.Input(shape=(4, 3), name="y")
    joined = K.layers.Concatenate(axis=1, name="cat")([x, y])
    other = K.layers.Concatenate(axis=-1, name="cat_last")([K.layers.Dense(2, name="dx")(joined), joined])
    model = _set_weights(K.Model([x, y], other, name="concatenate_axis"), 18)
    return model, [_floats(18, (2, 3)), _floats(19, (4, 3))]


CASES = {
    **{f"dense_{a}": _dense(a, seed) for seed, a in enumerate(("linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu"))},
    "dense_wide": dense_wide,
    "dense_no_bias_3d": dense_no_bias_3d,
    "activation_layers": activation_layers,
    "relu_layers": relu_layers,
    "rescaling_batchnorm": rescaling_batchnorm,
    "merge_layers": merge_layers,
    "concatenate_axis": concatenate_axis,
}
