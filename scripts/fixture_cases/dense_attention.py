"""Fixture cases of Attention, AdditiveAttention and Dot (see ``fixture_cases.__init__``)."""

from fixture_cases import floats, seeded_weights


def luong_attention(K):
    # A tiny sequence model: causal Luong self-attention (scaled dot), Luong "concat" attention with
    # a separate key, Bahdanau (additive) attention to a second, shorter sequence, then a Dense head.
    x = K.Input(shape=(5, 4), name="x")
    memory = K.Input(shape=(3, 4), name="memory")
    q = K.layers.Dense(4, name="q")(x)
    a = K.layers.Attention(use_scale=True, name="self_dot")([q, x], use_causal_mask=True)
    c = K.layers.Attention(score_mode="concat", use_scale=True, dropout=0.25, name="concat")([a, x, K.layers.Dense(4, name="k")(x)])
    b = K.layers.AdditiveAttention(name="additive")([c, memory])
    u = K.layers.AdditiveAttention(use_scale=False, name="plain")([b, memory], use_causal_mask=True)
    out = K.layers.Dense(3, name="head")(K.layers.Flatten(name="flat")(K.layers.Attention(name="dot")([u, memory])))
    model = seeded_weights(K.Model([x, memory], out, name="luong_attention"), 61, 0.5)
    return model, [floats(62, (5, 4)), floats(63, (3, 4))]


def dot_similarity(K):
    # Dot: the cosine similarity of two embeddings, a normalised score matrix over the feature
    # axis, and an unnormalised dot over the sequence axis (axes=(1, 1)).
    a = K.Input(shape=(3, 4), name="a")
    b = K.Input(shape=(5, 4), name="b")
    cosine = K.layers.Dot(axes=1, normalize=True, name="cosine")(
        [K.layers.Dense(6, name="ea")(K.layers.Flatten(name="fa")(a)), K.layers.Dense(6, name="eb")(K.layers.Flatten(name="fb")(b))])
    scores = K.layers.Dot(axes=2, normalize=True, name="scores")([a, b])
    mixed = K.layers.Dot(axes=(1, 1), name="mixed")([a, K.layers.Dense(2, name="p")(a)])
    flat = K.layers.Concatenate(name="all")([cosine, K.layers.Flatten(name="fs")(scores), K.layers.Flatten(name="fm")(mixed)])
    model = seeded_weights(K.Model([a, b], K.layers.Dense(2, name="head")(flat), name="dot_similarity"), 64, 0.5)
    return model, [floats(65, (3, 4)), floats(66, (5, 4))]


CASES = {"luong_attention": luong_attention, "dot_similarity": dot_similarity}
