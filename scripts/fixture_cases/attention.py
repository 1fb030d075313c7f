"""Fixture cases of the attention layers (see ``fixture_cases.__init__``)."""

from fixture_cases import BATCH, floats, seeded_weights

import numpy as np


def tiny_transformer(K):
    # A transformer block on token ids (issue 13's text classifier, with the layers main has):
    # Embedding, causal self-attention, Add, LayerNormalization, a Dense feed-forward, Add,
    # LayerNormalization, cross-attention to a second input, Flatten, Dense softmax.
    ids = K.Input(shape=(6,), name="ids")
    memory = K.Input(shape=(3, 4), name="memory")
    x = K.layers.Embedding(20, 8, name="emb")(ids)
    a = K.layers.MultiHeadAttention(num_heads=2, key_dim=4, name="self_attention")(x, x, use_causal_mask=True)
    x = K.layers.LayerNormalization(name="ln1")(K.layers.Add(name="res1")([x, a]))
    f = K.layers.Dense(8, name="ff2")(K.layers.Dense(12, activation="relu", name="ff1")(x))
    x = K.layers.LayerNormalization(name="ln2")(K.layers.Add(name="res2")([x, f]))
    c = K.layers.MultiHeadAttention(num_heads=1, key_dim=3, value_dim=2, name="cross_attention")(x, memory, K.layers.Dense(5, name="keys")(memory))
    out = K.layers.Dense(3, activation="softmax", name="head")(K.layers.Flatten(name="flat")(c))
    model = seeded_weights(K.Model([ids, memory], out, name="tiny_transformer"), 51, 0.5)
    rng = np.random.default_rng(1051)
    tokens = rng.integers(0, 20, (BATCH, 6)).astype("float32")
    tokens[0, 0], tokens[-1, -1] = 0, 19
    return model, [tokens, floats(52, (3, 4))]


def einsum_dense(K):
    # EinsumDense equations that are a Dense over trailing axes (DenseLayer): a projection to
    # heads with a bias over both new axes, the heads' merge back with a bias over one axis (the
    # other broadcast), an ellipsis without bias, a 2-D one with softplus.
    x = K.Input(shape=(4, 5), name="x")
    heads = K.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de", activation="relu",
                                 name="to_heads")(x)
    merged = K.layers.EinsumDense("abcd,cde->abe", output_shape=(None, 6), bias_axes="e", name="merge")(heads)
    split = K.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 2), bias_axes="e", name="half_bias")(merged)
    ellipsis = K.layers.EinsumDense("...b,bc->...c", output_shape=3, name="ellipsis")(merged)
    flat = K.layers.Flatten(name="f")(x)
    out = K.layers.EinsumDense("ab,bc->ac", output_shape=2, bias_axes="c", activation="softplus", name="head")(flat)
    model = seeded_weights(K.Model(x, [out, split, ellipsis], name="einsum_dense"), 53, 0.5)
    return model, floats(53, (4, 5))


CASES = {"tiny_transformer": tiny_transformer, "einsum_dense": einsum_dense}
