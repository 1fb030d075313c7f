"""Fixture cases of the normalization layers (see ``fixture_cases.__init__``)."""

import numpy as np

from fixture_cases import floats, seeded_weights


def normalization_layers(K):
    # Normalization folded to BatchNormalization's scale + offset: adapted (mean, variance and
    # count as weights), given per channel with invert=True, given as scalars (broadcast to the
    # channels), and given per channel after a pointwise Conv2D.
    x = K.Input(shape=(5, 4, 3), name="x")
    a = K.layers.Normalization(name="adapted")(x)
    b = K.layers.Conv2D(4, 3, padding="same", name="conv")(a)
    c = K.layers.Normalization(mean=[0.5, -0.25, 1.0, 0.0], variance=[4.0, 0.25, 1.0, 2.0], invert=True, name="inverted")(b)
    d = K.layers.Normalization(mean=0.1, variance=2.25, name="scalar")(b)
    e = K.layers.Normalization(mean=[0.0, 0.0, 0.0, 0.0], variance=[0.04, 0.25, 1.0, 9.0], name="tiny")(
        K.layers.Conv2D(4, 1, name="pw")(c))
    out = K.layers.Dense(3, name="head")(K.layers.GlobalAveragePooling2D(name="gap")(K.layers.Add(name="sum")([d, e])))
    model = seeded_weights(K.Model(x, out, name="normalization_layers"), 41, 0.5)
    rng = np.random.default_rng(42)
    adapted = model.get_layer("adapted")
    adapted.set_weights([rng.normal(0, 0.5, 3).astype("float32"), rng.uniform(0.2, 3.0, 3).astype("float32"), np.asarray(10)])
    adapted.finalize_state()  # what adapt() and loading a file do: the layer computes with its weights
    return model, floats(41, (5, 4, 3))


def layer_normalization(K):
    # LayerNormalization over the last axis of a sequence and of an image, without beta, without
    # either, with rms_scaling, and RMSNormalization; a residual Add as in a transformer block.
    x = K.Input(shape=(4, 6), name="x")
    a = K.layers.LayerNormalization(name="ln")(K.layers.Dense(6, name="proj")(x))
    b = K.layers.LayerNormalization(epsilon=0.01, center=False, name="ln_no_beta")(K.layers.Add(name="residual")([a, x]))
    c = K.layers.LayerNormalization(center=False, scale=False, name="ln_bare")(K.layers.Dense(5, activation="relu", name="ff")(b))
    d = K.layers.RMSNormalization(epsilon=1e-4, name="rms")(c)
    e = K.layers.LayerNormalization(rms_scaling=True, name="ln_rms")(K.layers.Dense(3, name="head")(d))
    img = K.layers.LayerNormalization(name="ln_image")(K.layers.Reshape((2, 2, 4), name="as_image")(K.layers.Dense(4, name="pre")(x)))
    out = K.layers.Concatenate(name="join")([K.layers.Flatten(name="flat_e")(e), K.layers.Flatten(name="flat_img")(img)])
    model = seeded_weights(K.Model(x, out, name="layer_normalization"), 43, 0.7)
    return model, floats(43, (4, 6), -2.0, 2.0)


def group_normalization(K):
    # GroupNormalization of an image in 2 groups, in 6 (instance normalization, groups=-1), and of a
    # sequence in 1 group (the whole tensor one set), with and without center and scale.
    x = K.Input(shape=(4, 3, 6), name="x")
    a = K.layers.GroupNormalization(groups=2, name="gn2")(K.layers.Conv2D(6, 3, padding="same", name="conv")(x))
    b = K.layers.GroupNormalization(groups=-1, epsilon=0.01, center=False, name="instance")(a)
    c = K.layers.GroupNormalization(groups=1, scale=False, name="gn1")(K.layers.Reshape((12, 6), name="seq")(b))
    d = K.layers.Add(name="sum")([b, K.layers.Reshape((4, 3, 6), name="image")(c)])
    out = K.layers.Dense(3, name="head")(K.layers.GlobalAveragePooling2D(name="gap")(d))
    model = seeded_weights(K.Model(x, out, name="group_normalization"), 45, 0.6)
    return model, floats(45, (4, 3, 6))


def unit_normalization(K):
    # UnitNormalization over the last axis of a Dense's output and over the last two axes; the
    # third sample's rows are tiny (3 and 4 units of 2^-24, norm 5 units: below tf_keras' floor
    # 1e-6, above Keras 3's), so each Keras version's own floor is seen.
    x = K.Input(shape=(3, 4), name="x")
    last = K.layers.UnitNormalization(name="unit_last")(x)
    dense = K.layers.Dense(5, name="d")(x)
    both = K.layers.UnitNormalization(axis=[1, 2], name="unit_both")(dense)
    out = K.layers.Concatenate(name="join")([K.layers.Flatten(name="f1")(last), K.layers.Flatten(name="f2")(both)])
    model = seeded_weights(K.Model(x, out, name="unit_normalization"), 47, 0.6)
    inputs = floats(47, (3, 4), -2.0, 2.0)
    inputs[-1] = np.float32(2.0**-24) * np.array([[3, 4, 0, 0], [0, -3, 0, 4], [0, 0, 0, 0]], dtype="float32")
    return model, inputs


def unit_normalization_tf_keras(K):
    """unit_normalization built with tf_keras whatever ``K`` is: its floor (1e-12 on sum(x^2)) on chain."""
    del K
    import tf_keras

    return unit_normalization(tf_keras)


CASES = {"normalization_layers": normalization_layers, "layer_normalization": layer_normalization,
         "group_normalization": group_normalization, "unit_normalization": unit_normalization,
         "unit_normalization_tf_keras": unit_normalization_tf_keras}
