"""Fixture cases for the spatial layers: Conv2D, Conv1D, DepthwiseConv2D, MaxPooling2D,
AveragePooling2D, MaxPooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D, ZeroPadding2D.

``CASES = {name: build(K) -> (model, inputs)}``; weights come from a seeded generator so
Keras 2 and Keras 3 build the same model; biases are non-zero on purpose. Shapes are odd
and strides uneven so 'same' padding pads bottom/right more than top/left.
"""

from __future__ import annotations

import numpy as np

from fixture_cases import floats, seeded_weights, sequential as _model


def _floats(seed, shape, scale=1.5):
    return floats(seed, shape, -scale, scale)


def conv2d_same(K):
    # 3x3 'same', stride 1, relu; 9 filters: two blocks at int32 (8 per word), padding lanes.
    layers = [K.layers.Conv2D(9, 3, padding="same", activation="relu", name="conv")]
    return _model(K, (6, 5, 3), layers, "conv2d_same", 21), _floats(21, (6, 5, 3))


def conv2d_valid_strided(K):
    # Non-square kernel, strides (2, 3), 'valid', no bias, linear.
    layers = [K.layers.Conv2D(4, (3, 2), strides=(2, 3), use_bias=False, name="conv")]
    return _model(K, (9, 8, 2), layers, "conv2d_valid_strided", 22), _floats(22, (9, 8, 2))


def conv2d_same_strided_tanh(K):
    # 'same' with stride 2 on odd sizes (extra padding bottom/right), even kernel, tanh.
    layers = [K.layers.Conv2D(3, 4, strides=2, padding="same", activation="tanh", name="conv")]
    return _model(K, (7, 5, 2), layers, "conv2d_same_strided_tanh", 23), _floats(23, (7, 5, 2))


def conv2d_softmax_channels(K):
    # Softmax over the channels of every position (the activation's last axis).
    layers = [K.layers.Conv2D(5, 2, activation="softmax", name="conv")]
    return _model(K, (4, 4, 2), layers, "conv2d_softmax_channels", 24), _floats(24, (4, 4, 2))


def conv2d_large_inputs(K):
    # Activations up to 4e5 (2^42.6 at F = 24): at int16 a 64-bit SWAR slot could overflow, so
    # the kernel must widen its slots (two passes). Weights are multiples of 1/8 in [-2, 2) and
    # inputs multiples of 1/4, exact at every precision, so Keras differs only by float32 sums.
    layers = [K.layers.Conv2D(6, 3, padding="same", name="conv")]
    model = _model(K, (5, 5, 4), layers, "conv2d_large_inputs", 25)
    model.set_weights([np.clip(np.round(w * 8) / 8, -2, 1.875).astype("float32") for w in model.get_weights()])
    inputs = np.round(_floats(25, (5, 5, 4), 400000.0) * 4) / 4
    return model, inputs.astype("float32")


def conv1d_pool(K):
    # Conv1D 'same' then MaxPooling1D with 'same' on an odd length, then Conv1D strided 'valid'.
    layers = [K.layers.Conv1D(6, 4, padding="same", activation="relu", name="conv"),
              K.layers.MaxPooling1D(3, strides=2, padding="same", name="pool"),
              K.layers.Conv1D(3, 2, strides=2, name="conv2")]
    return _model(K, (11, 3), layers, "conv1d_pool", 26), _floats(26, (11, 3))


def depthwise(K):
    # Depth multiplier 2, 'same', stride 1; then multiplier 1, 'valid', stride 2, no bias.
    layers = [K.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="relu", name="dw"),
              K.layers.DepthwiseConv2D((2, 3), strides=2, use_bias=False, name="dw2")]
    return _model(K, (7, 6, 3), layers, "depthwise", 27), _floats(27, (7, 6, 3))


def pooling2d(K):
    # Max 'same' stride 2 on odd sizes, then average 'same' stride 1 (counts valid cells only).
    layers = [K.layers.MaxPooling2D((2, 3), strides=2, padding="same", name="max"),
              K.layers.AveragePooling2D(3, strides=1, padding="same", name="avg")]
    return _model(K, (7, 9, 2), layers, "pooling2d", 28), _floats(28, (7, 9, 2))


def pooling2d_valid(K):
    layers = [K.layers.AveragePooling2D(2, name="avg"), K.layers.MaxPooling2D(2, strides=1, name="max")]
    return _model(K, (8, 7, 3), layers, "pooling2d_valid", 29), _floats(29, (8, 7, 3))


def global_pooling(K):
    # Two outputs on one input: the average (keepdims) and the max of each channel.
    x = K.Input(shape=(5, 3, 4), name="x")
    average = K.layers.GlobalAveragePooling2D(keepdims=True, name="gap")(x)
    peak = K.layers.GlobalMaxPooling2D(name="gmp")(x)
    model = K.Model(x, [average, peak], name="global_pooling")
    return model, _floats(30, (5, 3, 4))


def zero_padding_conv(K):
    layers = [K.layers.ZeroPadding2D(((1, 2), (0, 3)), name="pad"),
              K.layers.Conv2D(2, 3, strides=2, name="conv"),
              K.layers.ZeroPadding2D(1, name="pad2")]
    return _model(K, (4, 3, 2), layers, "zero_padding_conv", 31), _floats(31, (4, 3, 2))


def small_cnn(K):
    # A digits-like pipeline: conv, pool, depthwise, conv, global average, then Dense softmax.
    layers = [K.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1"),
              K.layers.MaxPooling2D(2, name="pool1"),
              K.layers.DepthwiseConv2D(3, padding="same", activation="relu", name="dw"),
              K.layers.Conv2D(12, 1, activation="relu", name="pointwise"),
              K.layers.GlobalAveragePooling2D(name="gap"),
              K.layers.Dense(4, activation="softmax", name="head")]
    return _model(K, (8, 8, 1), layers, "small_cnn", 32, 0.4), _floats(32, (8, 8, 1), 1.0)


def conv_bn_relu(K):
    # MobileNet-style epilogues the deployment plan fuses into the convolution before them
    # (eternal.fusion): Conv2D + BN + ReLU6, DepthwiseConv2D + BN + Activation('relu'), a
    # pointwise Conv2D + BN whose output two layers read (the BN fuses, the ReLU after it may
    # not), and a Conv2D + ReLU with a slope (not fused).
    x = K.Input(shape=(7, 6, 3), name="x")
    a = K.layers.Conv2D(6, 3, padding="same", name="conv")(x)
    a = K.layers.ReLU(max_value=6.0, name="relu6")(K.layers.BatchNormalization(name="bn")(a))
    b = K.layers.DepthwiseConv2D(3, strides=2, padding="same", name="dw")(a)
    b = K.layers.Activation("relu", name="act")(K.layers.BatchNormalization(name="dw_bn")(b))
    c = K.layers.BatchNormalization(name="pw_bn")(K.layers.Conv2D(5, 1, name="pw")(b))
    d = K.layers.ReLU(threshold=0.1, name="thresh")(c)
    e = K.layers.Add(name="add")([c, d])
    f = K.layers.Conv2D(4, 1, activation="relu", name="conv2")(e)
    g = K.layers.ReLU(max_value=1.0, negative_slope=0.2, name="leaky6")(f)
    out = K.layers.Dense(3, name="head")(K.layers.GlobalAveragePooling2D(name="gap")(g))
    model = seeded_weights(K.Model(x, out, name="conv_bn_relu"), 33, 0.4)
    rng = np.random.default_rng(34)
    for layer in model.layers:
        if isinstance(layer, K.layers.BatchNormalization):
            n = layer.get_weights()[0].shape[0]
            gamma, beta = rng.uniform(0.5, 1.5, n), rng.normal(0, 0.3, n)
            mean, variance = rng.normal(0, 0.5, n), rng.uniform(0.2, 2.0, n)
            layer.set_weights([w.astype("float32") for w in (gamma, beta, mean, variance)])
    return model, _floats(33, (7, 6, 3))


def pooled_activations(K):
    # Activations the deployment plan moves past the max pooling after them (eternal.fusion):
    # tanh before a 'same' pooling on odd sizes, sigmoid before a stride-1 pooling; not moved:
    # a relu whose output two layers read, and a softmax (it mixes the channels).
    x = K.Input(shape=(9, 7, 2), name="x")
    a = K.layers.MaxPooling2D(2, padding="same", name="pool1")(
        K.layers.Conv2D(4, 3, padding="same", activation="tanh", name="conv_tanh")(x))
    b = K.layers.MaxPooling2D(2, strides=1, name="pool2")(
        K.layers.Conv2D(3, 2, activation="sigmoid", name="conv_sigmoid")(a))
    c = K.layers.Conv2D(3, 3, padding="same", activation="relu", name="conv_twice_read")(a)
    d = K.layers.MaxPooling2D(2, name="pool3")(K.layers.Conv2D(3, 2, activation="softmax", name="conv_softmax")(a))
    parts = [K.layers.Flatten(name="flat_b")(b), K.layers.Flatten(name="flat_c")(K.layers.MaxPooling2D(2, name="pool_c")(c)),
             K.layers.GlobalAveragePooling2D(name="gap_c")(c), K.layers.Flatten(name="flat_d")(d)]
    out = K.layers.Dense(3, name="head")(K.layers.Concatenate(name="join")(parts))
    return seeded_weights(K.Model(x, out, name="pooled_activations"), 35, 0.3), _floats(35, (9, 7, 2))


def residual_relu(K):
    # ReLUs the deployment plan fuses into the Add before them (eternal.fusion.merge_epilogues):
    # a residual block's Add + ReLU (one pass), an Add + ReLU6 (the cap: a pass of its own), a
    # three-input Add + ReLU(threshold); not fused: an Add two layers read, a ReLU with a slope.
    x = K.Input(shape=(6, 5, 3), name="x")
    a = K.layers.Conv2D(4, 3, padding="same", name="conv_a")(x)
    b = K.layers.Conv2D(4, 1, name="conv_b")(x)
    s = K.layers.ReLU(name="relu_sum")(K.layers.Add(name="sum")([a, b]))
    t = K.layers.ReLU(max_value=6.0, name="relu6")(K.layers.Add(name="capped")([s, a]))
    u = K.layers.ReLU(threshold=0.1, name="thresh")(K.layers.Add(name="three")([t, a, b]))
    v = K.layers.Add(name="twice")([u, s])
    w = K.layers.ReLU(negative_slope=0.2, name="leaky")(v)
    y = K.layers.Add(name="last")([w, v])
    out = K.layers.Dense(3, name="head")(K.layers.GlobalAveragePooling2D(name="gap")(y))
    return seeded_weights(K.Model(x, out, name="residual_relu"), 37, 0.5), _floats(37, (6, 5, 3))


def separable(K):
    # SeparableConv2D: 'same' with a depth multiplier and relu; strided 'valid' without bias; 70
    # filters (two blocks of the contract's 64) with tanh.
    # The BatchNormalization and ReLU after the second run inside it (eternal.fusion's epilogues).
    x = K.Input(shape=(7, 6, 3), name="x")
    a = K.layers.SeparableConv2D(5, 3, padding="same", depth_multiplier=2, activation="relu", name="sep_same")(x)
    b = K.layers.SeparableConv2D(4, (2, 3), strides=2, use_bias=False, name="sep_valid")(a)
    b = K.layers.ReLU(max_value=6.0, name="relu6")(K.layers.BatchNormalization(name="bn")(b))
    c = K.layers.SeparableConv2D(70, 2, padding="same", activation="tanh", name="sep_wide")(b)
    out = K.layers.Dense(3, name="head")(K.layers.GlobalAveragePooling2D(name="gap")(c))
    model = seeded_weights(K.Model(x, out, name="separable"), 39, 0.5)
    rng = np.random.default_rng(40)
    gamma, beta, mean, variance = rng.uniform(0.5, 1.5, 4), rng.normal(0, 0.3, 4), rng.normal(0, 0.5, 4), rng.uniform(0.2, 2.0, 4)
    model.get_layer("bn").set_weights([w.astype("float32") for w in (gamma, beta, mean, variance)])
    return model, _floats(39, (7, 6, 3))


def separable_1d(K):
    # DepthwiseConv1D and SeparableConv1D: the 2D contracts with height 1.
    x = K.Input(shape=(9, 3), name="x")
    a = K.layers.DepthwiseConv1D(3, depth_multiplier=2, padding="same", activation="relu", name="dw1d")(x)
    b = K.layers.SeparableConv1D(4, 3, strides=2, activation="tanh", name="sep1d")(a)
    out = K.layers.Dense(2, name="head")(K.layers.Flatten(name="flat")(b))
    return seeded_weights(K.Model(x, out, name="separable_1d"), 41, 0.5), _floats(41, (9, 3))


def transpose(K):
    # Conv2DTranspose: 'same' stride 2 with relu, 'valid' with a kernel past its stride (overlaps),
    # 'valid' with a kernel below its stride (gaps: outputs with no tap), no bias, silu; Conv1DTranspose.
    x = K.Input(shape=(3, 4, 2), name="x")
    a = K.layers.Conv2DTranspose(3, 3, strides=2, padding="same", activation="relu", name="up_same")(x)
    b = K.layers.Conv2DTranspose(2, (4, 3), strides=(2, 1), name="up_valid")(a)
    c = K.layers.Conv2DTranspose(2, 2, strides=3, use_bias=False, activation="silu", name="up_gaps")(x)
    d = K.layers.Conv1DTranspose(3, 3, strides=2, padding="same", activation="tanh", name="up_1d")(
        K.layers.Reshape((12, 2), name="as_sequence")(x))
    parts = [K.layers.GlobalAveragePooling2D(name="gap_b")(b), K.layers.Flatten(name="flat_c")(c), K.layers.Flatten(name="flat_d")(d)]
    out = K.layers.Dense(3, name="head")(K.layers.Concatenate(name="join")(parts))
    return seeded_weights(K.Model(x, out, name="transpose"), 43, 0.5), _floats(43, (3, 4, 2))


def conv_autoencoder(K):
    # Issue 13's conv autoencoder: Conv2D and MaxPooling2D down, UpSampling2D and
    # Conv2DTranspose back up, a sigmoid reconstruction of the input's shape.
    x = K.Input(shape=(8, 8, 1), name="x")
    a = K.layers.MaxPooling2D(2, name="pool1")(K.layers.Conv2D(4, 3, padding="same", activation="relu", name="enc1")(x))
    b = K.layers.MaxPooling2D(2, name="pool2")(K.layers.Conv2D(2, 3, padding="same", activation="relu", name="enc2")(a))
    c = K.layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu", name="dec1")(b)
    d = K.layers.UpSampling2D(2, name="up")(c)
    out = K.layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="reconstruction")(d)
    return seeded_weights(K.Model(x, out, name="conv_autoencoder"), 47, 0.5), _floats(47, (8, 8, 1), 1.0)


CASES = {
    "conv_bn_relu": conv_bn_relu,
    "conv2d_same": conv2d_same,
    "conv2d_valid_strided": conv2d_valid_strided,
    "conv2d_same_strided_tanh": conv2d_same_strided_tanh,
    "conv2d_softmax_channels": conv2d_softmax_channels,
    "conv2d_large_inputs": conv2d_large_inputs,
    "conv1d_pool": conv1d_pool,
    "depthwise": depthwise,
    "pooling2d": pooling2d,
    "pooling2d_valid": pooling2d_valid,
    "global_pooling": global_pooling,
    "zero_padding_conv": zero_padding_conv,
    "small_cnn": small_cnn,
    "pooled_activations": pooled_activations,
    "residual_relu": residual_relu,
    "separable": separable,
    "separable_1d": separable_1d,
    "transpose": transpose,
    "conv_autoencoder": conv_autoencoder,
}

# Keras sums in float32: outputs near 1e7 carry a few units of rounding.
TOLERANCE = {"conv2d_large_inputs": 8.0}
