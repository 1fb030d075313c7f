"""Small Keras models, one per supported layer type, built the same way in Keras 2 and 3.

Each case is a function ``build(K) -> model`` taking the Keras package
(``keras`` or ``tf_keras``); names are explicit so both versions agree.
"""

from __future__ import annotations

import numpy as np


def _is_keras2(K) -> bool:
    return K.__name__.startswith("tf_keras")


def _seq(K, shape, *layers, name="m"):
    inputs = K.Input(shape=shape, name="x")
    out = inputs
    for layer in layers:
        out = layer(out)
    return K.Model(inputs, out, name=name)


def _leaky(K, slope, name):
    if _is_keras2(K):
        return K.layers.LeakyReLU(alpha=slope, name=name)
    return K.layers.LeakyReLU(negative_slope=slope, name=name)


def _two_inputs(K, merge):
    a, b = K.Input(shape=(4,), name="a"), K.Input(shape=(4,), name="b")
    left = K.layers.Dense(3, name="left")(a)
    right = K.layers.Dense(3, name="right")(b)
    return K.Model([a, b], merge(K)([left, right]), name="merge")


CASES = {
    "Dense": lambda K: _seq(K, (6,), K.layers.Dense(5, activation="relu", name="d")),
    "Dense_nobias_sigmoid": lambda K: _seq(K, (6,), K.layers.Dense(3, use_bias=False, activation="sigmoid", name="d")),
    "Dense_tanh_softmax": lambda K: _seq(
        K, (6,), K.layers.Dense(4, activation="tanh", name="d1"), K.layers.Dense(3, activation="softmax", name="d2")
    ),
    "Dense_leaky_relu": lambda K: _seq(K, (6,), K.layers.Dense(4, activation="leaky_relu", name="d")),
    "Conv2D": lambda K: _seq(
        K, (6, 6, 2), K.layers.Conv2D(3, 3, strides=2, padding="same", activation="tanh", name="c")
    ),
    "Conv2D_valid": lambda K: _seq(K, (5, 7, 1), K.layers.Conv2D(4, (2, 3), name="c")),
    "DepthwiseConv2D": lambda K: _seq(
        K, (6, 6, 2), K.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", name="dw")
    ),
    "Conv1D": lambda K: _seq(K, (9, 3), K.layers.Conv1D(4, 3, strides=2, activation="relu", name="c1")),
    "MaxPooling2D": lambda K: _seq(K, (6, 6, 2), K.layers.MaxPooling2D(2, name="p")),
    "AveragePooling2D": lambda K: _seq(K, (5, 5, 2), K.layers.AveragePooling2D(2, padding="same", name="p")),
    "GlobalAveragePooling2D": lambda K: _seq(K, (4, 4, 3), K.layers.GlobalAveragePooling2D(name="g")),
    "GlobalMaxPooling2D": lambda K: _seq(K, (4, 4, 3), K.layers.GlobalMaxPooling2D(keepdims=True, name="g")),
    "ZeroPadding2D": lambda K: _seq(K, (3, 3, 1), K.layers.ZeroPadding2D(((1, 2), (0, 1)), name="z")),
    "MaxPooling1D": lambda K: _seq(K, (8, 2), K.layers.MaxPooling1D(3, strides=2, name="p")),
    "Flatten": lambda K: _seq(K, (2, 3, 2), K.layers.Flatten(name="f"), K.layers.Dense(2, name="d")),
    "Reshape": lambda K: _seq(K, (6,), K.layers.Reshape((-1, 2), name="r")),
    "Rescaling": lambda K: _seq(K, (4,), K.layers.Rescaling(1 / 255.0, offset=-0.5, name="s")),
    "BatchNormalization": lambda K: _seq(K, (3, 3, 4), K.layers.BatchNormalization(name="bn")),
    "Dropout": lambda K: _seq(K, (4,), K.layers.Dropout(0.3, name="drop"), K.layers.Dense(2, name="d")),
    "Activation": lambda K: _seq(
        K,
        (4,),
        *[K.layers.Activation(a, name=f"act_{a}") for a in ("linear", "relu", "sigmoid", "tanh", "leaky_relu", "softmax")],
    ),
    # The extended activations tf_keras has too (its `hard_sigmoid` is other math: see
    # test_extended_activations.py); tf_keras spells silu `swish`.
    "Activation_extended": lambda K: _seq(
        K, (4,), *[K.layers.Activation(a, name=f"act_{a}") for a in ("relu6", "elu", "selu", "softsign", "swish", "exponential")],
    ),
    "Dense_extended": lambda K: _seq(
        K, (6,), *[K.layers.Dense(6, activation=a, name=f"d_{a}") for a in ("relu6", "elu", "selu", "softsign", "swish", "mish", "gelu", "exponential")],
    ),
    "Conv2D_extended": lambda K: _seq(K, (5, 5, 2), K.layers.Conv2D(3, 3, activation="swish", name="c"),
                                      K.layers.DepthwiseConv2D(2, activation="elu", name="dw")),
    "ELU": lambda K: _seq(K, (4,), K.layers.ELU(alpha=0.5, name="elu")),
    "ReLU": lambda K: _seq(K, (4,), K.layers.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5, name="relu")),
    "LeakyReLU": lambda K: _seq(K, (4,), _leaky(K, 0.3, "leaky")),
    "Softmax": lambda K: _seq(K, (5,), K.layers.Softmax(name="sm")),
    "Add": lambda K: _two_inputs(K, lambda K: K.layers.Add(name="merged")),
    "Multiply": lambda K: _two_inputs(K, lambda K: K.layers.Multiply(name="merged")),
    "Concatenate": lambda K: _two_inputs(K, lambda K: K.layers.Concatenate(name="merged")),
    "Embedding": lambda K: _seq(K, (5,), K.layers.Embedding(10, 4, name="emb"), K.layers.Flatten(name="f")),
    "SimpleRNN": lambda K: _seq(K, (4, 3), K.layers.SimpleRNN(5, return_sequences=True, name="rnn")),
    "LSTM": lambda K: _seq(K, (4, 3), K.layers.LSTM(5, go_backwards=True, name="lstm")),
    "GRU": lambda K: _seq(K, (4, 3), K.layers.GRU(5, name="gru")),
    "InputLayer": lambda K: _seq(K, (3,), K.layers.Dense(1, name="d")),
    "Nested": lambda K: K.Model(
        (x := K.Input(shape=(4,), name="x")),
        K.Sequential([K.Input(shape=(4,)), K.layers.Dense(3, name="i1"), K.layers.Dense(2, name="i2")], name="inner")(x),
        name="outer",
    ),
}


def set_seeded_weights(models, seed: int = 0) -> None:
    """Gives every model the same random weights (variances kept positive)."""
    rng = np.random.default_rng(seed)
    reference = models[0]
    values = []
    for weight in reference.weights:
        shape = tuple(weight.shape)
        name = getattr(weight, "path", None) or weight.name
        array = rng.standard_normal(shape).astype("float32")
        if "variance" in name:
            array = np.abs(array) + 0.5
        values.append(array)
    for model in models:
        model.set_weights(values)
