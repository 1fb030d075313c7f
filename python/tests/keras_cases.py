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


def _noops(K, names, shape=(6, 6, 3)):
    """Every inference no-op of ``names`` in a row (a Dense after them), each with a non-zero rate or factor."""
    inputs = K.Input(shape=shape, name="x")
    out = inputs
    for name in names:
        args = NOOP_ARGUMENTS.get(name, {})
        out = getattr(K.layers, name)(**args, name=name.lower())(out)
    return K.Model(inputs, K.layers.Dense(2, name="d")(out), name="noops")


NOOP_ARGUMENTS = {
    "SpatialDropout2D": {"rate": 0.4}, "GaussianDropout": {"rate": 0.3}, "AlphaDropout": {"rate": 0.2},
    "GaussianNoise": {"stddev": 0.5}, "ActivityRegularization": {"l1": 0.01, "l2": 0.02},
    "RandomBrightness": {"factor": 0.3}, "RandomContrast": {"factor": 0.4}, "RandomFlip": {"mode": "vertical"},
    "RandomRotation": {"factor": 0.2}, "RandomTranslation": {"height_factor": 0.1, "width_factor": 0.2},
    "RandomZoom": {"height_factor": 0.3}, "RandomColorDegeneration": {"factor": 0.5}, "RandomHue": {"factor": 0.5},
    "RandomPosterization": {"factor": 4}, "RandomSaturation": {"factor": 0.5}, "RandomSharpness": {"factor": 0.5},
}
# No-ops in both Keras versions, and those only Keras 3 has.
SHARED_NOOPS = ("SpatialDropout2D", "GaussianDropout", "AlphaDropout", "GaussianNoise", "ActivityRegularization",
                "Identity", "RandomBrightness", "RandomContrast", "RandomFlip", "RandomRotation", "RandomTranslation",
                "RandomZoom")
KERAS3_NOOPS = ("RandomColorDegeneration", "RandomColorJitter", "RandomElasticTransform", "RandomErasing",
                "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert", "RandomPerspective",
                "RandomPosterization", "RandomSaturation", "RandomSharpness", "RandomShear", "AugMix", "CutMix",
                "MixUp", "RandAugment")
# Cases only Keras 3 can build (tf_keras has no such layer class).
KERAS3_ONLY = {"NoOps_keras3", "LayerNormalization_rms", "RMSNormalization", "Activation_piecewise",
               "Activation_log_softmax", "Activation_ops", "Recurrent_hard_sigmoid"}
# Cases both build whose math differs between the versions, so their exports hash differently:
# UnitNormalization's floor (test_unit_normalization.py).
VERSIONS_DIFFER = {"UnitNormalization"}


def _activation_ops(K):
    """Keras 3 activation operations outside layers: gelu's tanh form (keras.ops.gelu's default)."""
    x = K.Input((5,), name="x")
    h = K.layers.Dense(4, name="d")(x)
    return K.Model(x, K.ops.leaky_relu(K.ops.gelu(h), negative_slope=0.1), name="activation_ops")


CASES = {
    "NoOps": lambda K: _noops(K, SHARED_NOOPS),
    "NoOps_1d_3d": lambda K: _seq(
        K, (5, 3), K.layers.SpatialDropout1D(0.3, name="s1"), K.layers.Reshape((5, 3, 1, 1), name="r"),
        K.layers.SpatialDropout3D(0.3, name="s3"), K.layers.Dense(2, name="d"),
    ),
    "NoOps_keras3": lambda K: _noops(K, KERAS3_NOOPS),
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
    "SeparableConv2D": lambda K: _seq(
        K, (6, 5, 2), K.layers.SeparableConv2D(3, 3, strides=2, padding="same", depth_multiplier=2, activation="relu", name="sep")
    ),
    "DepthwiseConv1D": lambda K: _seq(K, (7, 2), K.layers.DepthwiseConv1D(3, strides=2, depth_multiplier=2, padding="same", name="dw")),
    "SeparableConv1D": lambda K: _seq(K, (7, 2), K.layers.SeparableConv1D(3, 2, use_bias=False, activation="sigmoid", name="sep")),
    "Conv2DTranspose": lambda K: _seq(K, (3, 4, 2), K.layers.Conv2DTranspose(3, 3, strides=2, padding="same", activation="relu", name="up")),
    "Conv1DTranspose": lambda K: _seq(K, (5, 2), K.layers.Conv1DTranspose(3, 4, strides=2, name="up")),
    "TimeDistributed": lambda K: _seq(
        K, (4, 3), K.layers.TimeDistributed(K.layers.Dense(5, activation="tanh"), name="td_dense"),
        K.layers.TimeDistributed(K.layers.Dropout(0.5), name="td_drop"),
        K.layers.TimeDistributed(K.layers.BatchNormalization(), name="td_bn"),
    ),
    "Bidirectional": lambda K: _seq(
        K, (4, 3), K.layers.Bidirectional(K.layers.LSTM(3, return_sequences=True), name="bi_concat"),
        K.layers.Bidirectional(K.layers.GRU(2), merge_mode="ave", name="bi_ave"),
    ),
    "GroupNormalization": lambda K: _seq(
        K, (3, 2, 4), K.layers.GroupNormalization(groups=2, name="gn"), K.layers.GroupNormalization(groups=-1, center=False, name="inst"),
    ),
    "MultiHeadAttention": lambda K: K.Model(
        [(x := K.Input(shape=(4, 5), name="x")), (m := K.Input(shape=(3, 2), name="m"))],
        K.layers.MultiHeadAttention(num_heads=1, key_dim=2, value_dim=3, use_bias=False, name="cross")(
            K.layers.MultiHeadAttention(num_heads=2, key_dim=3, name="self")(x, x, use_causal_mask=True), m, m),
        name="attention",
    ),
    "Attention": lambda K: K.Model(
        [(x := K.Input(shape=(4, 3), name="x")), (m := K.Input(shape=(2, 3), name="m"))],
        K.layers.Attention(score_mode="concat", name="concat")([
            K.layers.Attention(use_scale=True, dropout=0.1, name="luong")([x, m], use_causal_mask=True), x, K.layers.Dense(3, name="k")(x)]),
        name="attention",
    ),
    "AdditiveAttention": lambda K: K.Model(
        [(x := K.Input(shape=(4, 3), name="x")), (m := K.Input(shape=(2, 3), name="m"))],
        K.layers.AdditiveAttention(use_scale=False, name="plain")([K.layers.AdditiveAttention(name="bahdanau")([x, m]), x],
                                                                  use_causal_mask=True),
        name="additive",
    ),
    "Dot": lambda K: K.Model(
        [(a := K.Input(shape=(3, 4), name="a")), (b := K.Input(shape=(5, 4), name="b"))],
        K.layers.Dot(axes=(1, 1), name="mixed")([K.layers.Dot(axes=-1, normalize=True, name="cosine")([a, b]), K.layers.Dense(5, name="d")(a)]),
        name="dot",
    ),
    "Conv2D_dilated": lambda K: _seq(K, (7, 8, 2), K.layers.Conv2D(3, 3, dilation_rate=(2, 3), padding="same", name="c")),
    "DepthwiseConv2D_dilated": lambda K: _seq(K, (7, 7, 2), K.layers.DepthwiseConv2D(2, dilation_rate=2, name="dw")),
    "Conv1D_dilated": lambda K: _seq(K, (11, 2), K.layers.Conv1D(3, 3, dilation_rate=3, padding="same", name="c1")),
    "Activation_piecewise": lambda K: _seq(
        K, (4,), *[K.layers.Activation(a, name=f"act_{a}") for a in ("hard_tanh", "hard_shrink", "soft_shrink")],
    ),
    "Activation_ops": lambda K: _activation_ops(K),
    "Activation_softplus": lambda K: _seq(
        K, (4,), K.layers.Activation("softplus", name="act"), K.layers.Dense(3, activation="softplus", name="d"),
    ),
    # tf_keras has no log_softmax activation.
    "Activation_log_softmax": lambda K: _seq(
        K, (4,), K.layers.Activation("log_softmax", name="act"), K.layers.Dense(3, activation="log_softmax", name="d"),
    ),
    "EinsumDense": lambda K: _seq(
        K, (3, 4), K.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de", activation="gelu", name="heads"),
        K.layers.EinsumDense("abcd,cde->abe", output_shape=(None, 5), bias_axes="e", name="merge"),
        K.layers.EinsumDense("...b,bc->...c", output_shape=2, name="ell"),
    ),
    "UnitNormalization": lambda K: _seq(
        K, (2, 3), K.layers.UnitNormalization(name="unit"), K.layers.UnitNormalization(axis=[1, 2], name="unit_both"),
    ),
    "Conv1D": lambda K: _seq(K, (9, 3), K.layers.Conv1D(4, 3, strides=2, activation="relu", name="c1")),
    "MaxPooling2D": lambda K: _seq(K, (6, 6, 2), K.layers.MaxPooling2D(2, name="p")),
    "AveragePooling2D": lambda K: _seq(K, (5, 5, 2), K.layers.AveragePooling2D(2, padding="same", name="p")),
    "GlobalAveragePooling2D": lambda K: _seq(K, (4, 4, 3), K.layers.GlobalAveragePooling2D(name="g")),
    "GlobalMaxPooling2D": lambda K: _seq(K, (4, 4, 3), K.layers.GlobalMaxPooling2D(keepdims=True, name="g")),
    "ZeroPadding2D": lambda K: _seq(K, (3, 3, 1), K.layers.ZeroPadding2D(((1, 2), (0, 1)), name="z")),
    "MaxPooling1D": lambda K: _seq(K, (8, 2), K.layers.MaxPooling1D(3, strides=2, name="p")),
    "AveragePooling1D": lambda K: _seq(K, (9, 2), K.layers.AveragePooling1D(3, strides=2, padding="same", name="p")),
    "GlobalAveragePooling1D": lambda K: _seq(K, (5, 3), K.layers.GlobalAveragePooling1D(keepdims=True, name="g")),
    "GlobalMaxPooling1D": lambda K: _seq(K, (5, 3), K.layers.GlobalMaxPooling1D(name="g")),
    "ZeroPadding1D": lambda K: _seq(K, (4, 2), K.layers.ZeroPadding1D((2, 1), name="z")),
    "Cropping2D": lambda K: _seq(K, (6, 5, 2), K.layers.Cropping2D(((1, 2), (0, 1)), name="c")),
    "Cropping1D": lambda K: _seq(K, (6, 2), K.layers.Cropping1D((2, 1), name="c")),
    "UpSampling2D": lambda K: _seq(K, (3, 2, 2), K.layers.UpSampling2D((2, 3), name="u")),
    "UpSampling2D_bilinear": lambda K: _seq(K, (3, 2, 2), K.layers.UpSampling2D((3, 2), interpolation="bilinear", name="u")),
    "UpSampling1D": lambda K: _seq(K, (3, 2), K.layers.UpSampling1D(3, name="u")),
    "RepeatVector": lambda K: _seq(K, (4,), K.layers.RepeatVector(3, name="r")),
    "Permute": lambda K: _seq(K, (2, 3, 4), K.layers.Permute((3, 1, 2), name="p")),
    "Flatten": lambda K: _seq(K, (2, 3, 2), K.layers.Flatten(name="f"), K.layers.Dense(2, name="d")),
    "Reshape": lambda K: _seq(K, (6,), K.layers.Reshape((-1, 2), name="r")),
    "Rescaling": lambda K: _seq(K, (4,), K.layers.Rescaling(1 / 255.0, offset=-0.5, name="s")),
    "BatchNormalization": lambda K: _seq(K, (3, 3, 4), K.layers.BatchNormalization(name="bn")),
    "Normalization": lambda K: _seq(
        K,
        (3, 3, 4),
        K.layers.Normalization(name="adapted"),
        K.layers.Normalization(mean=[0.5, -1.0, 0.0, 2.0], variance=[4.0, 0.25, 1.0, 0.0], invert=True, name="inverted"),
        K.layers.Normalization(mean=0.5, variance=2.0, name="scalar"),
    ),
    "LayerNormalization": lambda K: _seq(
        K,
        (3, 5),
        K.layers.LayerNormalization(name="ln"),
        K.layers.LayerNormalization(epsilon=0.01, center=False, name="ln_no_beta"),
        K.layers.LayerNormalization(center=False, scale=False, name="ln_bare"),
    ),
    "LayerNormalization_rms": lambda K: _seq(K, (2, 4), K.layers.LayerNormalization(rms_scaling=True, name="ln_rms")),
    "RMSNormalization": lambda K: _seq(K, (2, 4), K.layers.RMSNormalization(epsilon=1e-4, name="rms")),
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
    "PReLU": lambda K: _seq(K, (3, 4, 2), K.layers.PReLU(shared_axes=[2, 1], name="prelu")),
    "PReLU_per_value": lambda K: _seq(K, (5,), K.layers.PReLU(name="prelu")),
    "Softmax": lambda K: _seq(K, (5,), K.layers.Softmax(name="sm")),
    "Add": lambda K: _two_inputs(K, lambda K: K.layers.Add(name="merged")),
    "Multiply": lambda K: _two_inputs(K, lambda K: K.layers.Multiply(name="merged")),
    "Concatenate": lambda K: _two_inputs(K, lambda K: K.layers.Concatenate(name="merged")),
    "Multiply_broadcast": lambda K: K.Model(
        (x := K.Input(shape=(3, 3, 4), name="x")),
        K.layers.Multiply(name="scale")([x, K.layers.Dense(4, name="s")(K.layers.GlobalAveragePooling2D(keepdims=True, name="g")(x))]),
        name="se",
    ),
    "Add_broadcast": lambda K: K.Model(
        (x := K.Input(shape=(2, 4), name="x")),
        K.layers.Add(name="add")([K.layers.Dense(4, name="row")(K.layers.Flatten(name="f")(x)), x]),
        name="add_rows",
    ),
    "Subtract": lambda K: _two_inputs(K, lambda K: K.layers.Subtract(name="merged")),
    "Average": lambda K: _two_inputs(K, lambda K: K.layers.Average(name="merged")),
    "Maximum": lambda K: _two_inputs(K, lambda K: K.layers.Maximum(name="merged")),
    "Minimum": lambda K: _two_inputs(K, lambda K: K.layers.Minimum(name="merged")),
    "Embedding": lambda K: _seq(K, (5,), K.layers.Embedding(10, 4, name="emb"), K.layers.Flatten(name="f")),
    "SimpleRNN": lambda K: _seq(K, (4, 3), K.layers.SimpleRNN(5, return_sequences=True, name="rnn")),
    "LSTM": lambda K: _seq(K, (4, 3), K.layers.LSTM(5, go_backwards=True, name="lstm")),
    "GRU": lambda K: _seq(K, (4, 3), K.layers.GRU(5, name="gru")),
    # Extended activations in the recurrent cells, the math tf_keras shares (swish is silu).
    "Recurrent_extended": lambda K: _seq(
        K, (4, 3), K.layers.SimpleRNN(4, activation="selu", return_sequences=True, name="rnn"),
        K.layers.GRU(3, activation="swish", recurrent_activation="softsign", return_sequences=True, name="gru"),
        K.layers.Bidirectional(K.layers.LSTM(2, activation="mish", recurrent_activation="sigmoid"), name="bi"),
    ),
    # Keras 3's hard_sigmoid (tf_keras' is another function), relu6 and hard_silu.
    "Recurrent_hard_sigmoid": lambda K: _seq(
        K, (4, 3), K.layers.LSTM(3, activation="relu6", recurrent_activation="hard_sigmoid", return_sequences=True, name="lstm"),
        K.layers.Bidirectional(K.layers.GRU(2, activation="hard_silu", recurrent_activation="hard_sigmoid"), name="bi"),
    ),
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
        for layer in model.layers:
            if type(layer).__name__ == "Normalization":
                layer.finalize_state()  # an adapted layer computes with its weights only after this
