"""Fixture cases for the layers that only move values: AveragePooling1D, GlobalAveragePooling1D,
GlobalMaxPooling1D (keepdims), ZeroPadding1D, Cropping2D, Cropping1D, UpSampling2D (nearest
and bilinear), UpSampling1D, RepeatVector and Permute, between convolutions so the moved values differ; and
``dilation_rate`` on the convolutions (a zero-expanded kernel: eternal.layers.dilation).

``CASES = {name: build(K) -> (model, inputs)}``; weights from a seeded generator, odd shapes and
uneven edges so a swapped axis or edge shows.
"""

from __future__ import annotations

from fixture_cases import floats, seeded_weights


def pooling1d(K):
    # 'same' average with stride 2 on an odd length (the last window has fewer cells), 'valid'
    # average, and the global poolings, one with keepdims.
    x = K.Input(shape=(9, 3), name="x")
    a = K.layers.Conv1D(4, 2, padding="same", name="conv")(x)
    b = K.layers.AveragePooling1D(3, strides=2, padding="same", name="avg_same")(a)
    c = K.layers.AveragePooling1D(2, name="avg_valid")(b)
    peak = K.layers.GlobalMaxPooling1D(keepdims=True, name="gmp")(b)
    mean = K.layers.GlobalAveragePooling1D(name="gap")(c)
    mean_kept = K.layers.GlobalAveragePooling1D(keepdims=True, name="gap_kept")(a)
    model = K.Model(x, [peak, mean, mean_kept], name="pooling1d")
    return seeded_weights(model, 41), floats(41, (9, 3))


def padding_cropping(K):
    # Cropping2D with uneven edges, then ZeroPadding2D and a convolution, then a symmetric crop;
    # in 1D: zeros added, then cropped past them.
    x = K.Input(shape=(7, 6, 3), name="x")
    a = K.layers.Cropping2D(((1, 2), (2, 0)), name="crop")(x)
    a = K.layers.Conv2D(3, 2, name="conv")(K.layers.ZeroPadding2D(((0, 1), (2, 1)), name="pad")(a))
    a = K.layers.Cropping2D(1, name="crop_all")(a)
    s = K.Input(shape=(8, 2), name="s")
    b = K.layers.ZeroPadding1D((2, 1), name="pad1d")(K.layers.Conv1D(3, 3, name="conv1d")(s))
    b = K.layers.Cropping1D((3, 1), name="crop1d")(b)
    model = K.Model([x, s], [a, b], name="padding_cropping")
    return seeded_weights(model, 42), [floats(42, (7, 6, 3)), floats(43, (8, 2))]


def upsampling(K):
    # Uneven sizes (2, 3), then (2, 2) after a convolution; UpSampling1D; RepeatVector after a Dense.
    x = K.Input(shape=(3, 4, 2), name="x")
    a = K.layers.UpSampling2D((2, 3), name="up")(x)
    a = K.layers.UpSampling2D(2, name="up2")(K.layers.Conv2D(3, 3, strides=2, name="conv")(a))
    s = K.Input(shape=(4, 3), name="s")
    b = K.layers.Conv1D(2, 2, name="conv1d")(K.layers.UpSampling1D(3, name="up1d")(s))
    v = K.Input(shape=(5,), name="v")
    c = K.layers.RepeatVector(3, name="repeat")(K.layers.Dense(4, name="dense")(v))
    model = K.Model([x, s, v], [a, b, c], name="upsampling")
    return seeded_weights(model, 44), [floats(44, (3, 4, 2)), floats(45, (4, 3)), floats(46, (5,))]


def upsampling_bilinear(K):
    # Bilinear at sizes (2, 2) and (3, 2) (odd: one output of three sits on its input row), then
    # a convolution so the interpolated values are mixed.
    x = K.Input(shape=(3, 4, 2), name="x")
    a = K.layers.UpSampling2D(2, interpolation="bilinear", name="up")(x)
    a = K.layers.Conv2D(3, 2, strides=2, name="conv")(a)
    a = K.layers.UpSampling2D((3, 2), interpolation="bilinear", name="up2")(a)
    return seeded_weights(K.Model(x, a, name="upsampling_bilinear"), 49), floats(49, (3, 4, 2))


def permute(K):
    # A rank-3 permutation and its inverse around a convolution; a sequence transposed, then a
    # Dense over what were its positions.
    x = K.Input(shape=(3, 4, 2), name="x")
    a = K.layers.Conv2D(3, 1, name="conv")(K.layers.Permute((3, 1, 2), name="perm")(x))
    a = K.layers.Permute((2, 3, 1), name="perm_back")(a)
    s = K.Input(shape=(5, 3), name="s")
    b = K.layers.Dense(2, name="dense")(K.layers.Permute((2, 1), name="transpose")(s))
    model = K.Model([x, s], [a, b], name="permute")
    return seeded_weights(model, 47), [floats(47, (3, 4, 2)), floats(48, (5, 3))]


def dilated(K):
    # dilation_rate on the three convolutions ('same' pads for the dilated size), then a Dense.
    x = K.Input(shape=(8, 7, 2), name="x")
    a = K.layers.Conv2D(3, 3, dilation_rate=(2, 3), padding="same", activation="relu", name="conv")(x)
    a = K.layers.DepthwiseConv2D(2, dilation_rate=2, name="dw")(a)
    s = K.Input(shape=(10, 2), name="s")
    b = K.layers.Conv1D(3, 3, dilation_rate=2, padding="same", name="conv1d")(s)
    out = K.layers.Dense(2, name="head")(K.layers.Concatenate(name="join")([K.layers.Flatten(name="flat_a")(a),
                                                                             K.layers.Flatten(name="flat_b")(b)]))
    return seeded_weights(K.Model([x, s], out, name="dilated"), 50, 0.4), [floats(50, (8, 7, 2)), floats(51, (10, 2))]


CASES = {
    "dilated": dilated,
    "pooling1d": pooling1d,
    "padding_cropping": padding_cropping,
    "upsampling": upsampling,
    "upsampling_bilinear": upsampling_bilinear,
    "permute": permute,
}
