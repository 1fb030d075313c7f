"""Fixture cases for the inference no-ops (python/eternal/layers/inference_noops.py) and the
merges of python/eternal/layers/merges.py (Subtract, Average, Maximum, Minimum) with and without
broadcasting (Add and Multiply too), and PReLU.

``CASES = {name: build(K) -> (model, inputs)}``; weights come from a seeded generator so
Keras 2 and Keras 3 build the same model.
"""

from __future__ import annotations

from fixture_cases import floats as _floats, seeded_weights as _set_weights, sequential as _sequential


def inference_noops(K):
    # Augmentations before a convolution, dropouts and noise after it and after a Dense: all the
    # identity at inference, so the chain runs the Conv2D and the two Dense layers alone.
    layers = [K.layers.RandomFlip(name="flip"), K.layers.RandomContrast(0.3, name="contrast"),
              K.layers.RandomRotation(0.2, name="rotate"), K.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv"),
              K.layers.SpatialDropout2D(0.3, name="spatial_drop"), K.layers.GaussianNoise(0.5, name="noise"),
              K.layers.Flatten(name="flat"), K.layers.Dense(8, activation="tanh", name="dense"),
              K.layers.AlphaDropout(0.2, name="alpha_drop"), K.layers.GaussianDropout(0.3, name="gauss_drop"),
              K.layers.ActivityRegularization(l1=0.01, name="act_reg"), K.layers.Identity(name="identity"),
              K.layers.Dense(3, name="out")]
    return _sequential(K, (5, 5, 2), layers, "inference_noops", 40), _floats(40, (5, 5, 2))


def merge_ops(K):
    # Each merge of two and of three branches; Average of 3 divides (not a shift) and rounds.
    x = K.Input(shape=(6,), name="x")
    a = K.layers.Dense(8, activation="tanh", name="a")(x)
    b = K.layers.Dense(8, name="b")(x)
    c = K.layers.Dense(8, activation="relu", name="c")(x)
    merged = [K.layers.Subtract(name="sub")([a, b]),
              K.layers.Average(name="avg2")([a, b]), K.layers.Average(name="avg3")([a, b, c]),
              K.layers.Maximum(name="max2")([a, b]), K.layers.Maximum(name="max3")([a, b, c]),
              K.layers.Minimum(name="min2")([b, c]), K.layers.Minimum(name="min3")([a, b, c])]
    joined = K.layers.Concatenate(name="cat")(merged)
    out = K.layers.Dense(4, name="out")(joined)
    return _set_weights(K.Model(x, [out, joined], name="merge_ops"), 41), _floats(41, (6,))


def squeeze_excite(K):
    # A squeeze-and-excite block: (H, W, C) times the (1, 1, C) sigmoid scale; then broadcasts of a
    # (C,) tensor (another rank) and of a first input smaller than the output.
    x = K.Input(shape=(4, 4, 3), name="x")
    f = K.layers.Conv2D(6, 3, padding="same", activation="relu", name="conv")(x)
    squeezed = K.layers.GlobalAveragePooling2D(keepdims=True, name="squeeze")(f)
    s = K.layers.Dense(6, activation="sigmoid", name="excite")(K.layers.Dense(3, activation="relu", name="reduce")(squeezed))
    flat = K.layers.Dense(6, name="flat_scale")(K.layers.GlobalAveragePooling2D(name="pool")(f))
    scaled = K.layers.Multiply(name="scale")([f, s])
    shifted = K.layers.Add(name="shift")([scaled, flat])
    mixed = [K.layers.Maximum(name="max")([s, shifted, f]), K.layers.Subtract(name="sub")([flat, scaled]),
             K.layers.Average(name="avg")([shifted, s, s]), K.layers.Minimum(name="min")([shifted, flat]),
             K.layers.Multiply(name="mul_first_small")([s, f])]
    joined = K.layers.Concatenate(name="cat")(mixed)
    out = K.layers.Dense(4, name="out")(K.layers.GlobalAveragePooling2D(name="gap")(joined))
    return _set_weights(K.Model(x, [out, joined], name="squeeze_excite"), 43, 0.3), _floats(43, (4, 4, 3))


def prelu(K):
    # Alphas per channel after a convolution, per value after a Dense, one for all after another.
    layers = [K.layers.Conv2D(3, 3, padding="same", name="conv"), K.layers.PReLU(shared_axes=[1, 2], name="prelu_channels"),
              K.layers.Flatten(name="flat"), K.layers.Dense(6, name="dense"), K.layers.PReLU(name="prelu_values"),
              K.layers.Dense(3, name="dense2"), K.layers.PReLU(shared_axes=[1], name="prelu_shared")]
    return _sequential(K, (4, 4, 2), layers, "prelu", 42), _floats(42, (4, 4, 2))


CASES = {
    "inference_noops": inference_noops,
    "merge_ops": merge_ops,
    "prelu": prelu,
    "squeeze_excite": squeeze_excite,
}
