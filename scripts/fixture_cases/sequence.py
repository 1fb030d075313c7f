"""Fixture cases for the sequence layers: Embedding, SimpleRNN, LSTM, GRU (every activation), Bidirectional.

``CASES = {name: build(K) -> (model, inputs)}`` with ``K`` the Keras package
(``keras`` or ``tf_keras``). Weights come from a seeded generator, not from Keras'
initialisers, so both Keras versions build the same model (biases are non-zero
on purpose). Inputs are one float batch (ids as floats for Embedding).
"""

from __future__ import annotations

import numpy as np

from fixture_cases import BATCH, floats as _floats, sequential


def _model(K, shape, layers, name, seed, scale=0.6):
    return sequential(K, shape, layers, name, seed, scale)


def _ids(seed, length, vocabulary):
    # Every id appears, including the first and the last of the vocabulary.
    ids = np.random.default_rng(1000 + seed).integers(0, vocabulary, (BATCH, length))
    ids[0, 0], ids[-1, -1] = 0, vocabulary - 1
    return ids.astype("float32")


def simple_rnn(K):
    layer = K.layers.SimpleRNN(4, name="rnn")
    return _model(K, (5, 3), [layer], "simple_rnn", 1), _floats(1, (5, 3))


def simple_rnn_sequences_backwards(K):
    layer = K.layers.SimpleRNN(6, activation="relu", return_sequences=True, go_backwards=True, name="rnn")
    # Smaller weights: relu is unbounded, and int8 errors grow with the outputs.
    return _model(K, (4, 3), [layer], "simple_rnn_seq_back", 2, scale=0.35), _floats(2, (4, 3))


def simple_rnn_linear(K):
    # Linear, no bias: test/layers/SimpleRNNLayer.test.js scales its inputs past the SWAR bound and
    # checks the exact path against the fast one.
    layer = K.layers.SimpleRNN(3, activation="linear", use_bias=False, return_sequences=True, name="rnn")
    return _model(K, (2, 3), [layer], "simple_rnn_linear", 10), _floats(10, (2, 3))


def lstm(K):
    layer = K.layers.LSTM(5, name="lstm")
    return _model(K, (6, 3), [layer], "lstm", 3), _floats(3, (6, 3))


def lstm_sequences_backwards_nobias(K):
    layer = K.layers.LSTM(9, return_sequences=True, go_backwards=True, use_bias=False, name="lstm")
    return _model(K, (4, 2), [layer], "lstm_seq_back", 4), _floats(4, (4, 2))


def lstm_relu_linear_gates(K):
    # Unbounded activations: exercises relu/linear in the cell, and (in test/layers/LSTMLayer.test.js)
    # the GateOperandTooLarge guard with huge inputs.
    layer = K.layers.LSTM(3, activation="relu", recurrent_activation="linear", name="lstm")
    return _model(K, (3, 2), [layer], "lstm_relu_linear", 11, scale=0.3), _floats(11, (3, 2))


def gru(K):
    layer = K.layers.GRU(4, name="gru")
    return _model(K, (5, 3), [layer], "gru", 5), _floats(5, (5, 3))


def gru_sequences_backwards(K):
    layer = K.layers.GRU(10, return_sequences=True, go_backwards=True, name="gru")
    return _model(K, (3, 4), [layer], "gru_seq_back", 6), _floats(6, (3, 4))


def embedding(K):
    layer = K.layers.Embedding(20, 6, name="emb")
    return _model(K, (7,), [layer], "embedding", 7), _ids(7, 7, 20)


def embedding_lstm_dense(K):
    layers = [
        K.layers.Embedding(30, 8, name="emb"),
        K.layers.LSTM(16, name="lstm"),
        K.layers.Dense(3, activation="softmax", name="head"),
    ]
    return _model(K, (6,), layers, "emb_lstm_dense", 8), _ids(8, 6, 30)


def embedding_gru_rnn_dense(K):
    layers = [
        K.layers.Embedding(12, 5, name="emb"),
        K.layers.GRU(7, return_sequences=True, name="gru"),
        K.layers.SimpleRNN(6, name="rnn"),
        K.layers.Dense(2, name="head"),
    ]
    return _model(K, (5,), layers, "emb_gru_rnn_dense", 9), _ids(9, 5, 12)


def sequence_tagger(K):
    # A Bidirectional-LSTM + TimeDistributed tagger (issue 13): a tag distribution per token.
    layers = [
        K.layers.Embedding(16, 6, name="emb"),
        K.layers.Bidirectional(K.layers.LSTM(5, return_sequences=True), name="bi_lstm"),
        K.layers.TimeDistributed(K.layers.Dense(4, activation="softmax"), name="tags"),
    ]
    return _model(K, (7,), layers, "sequence_tagger", 10), _ids(10, 7, 16)


def bidirectional_merges(K):
    # The other merge modes: sum (GRU, sequences), mul (SimpleRNN, sequences), ave (LSTM,
    # last state); a TimeDistributed BatchNormalization between them.
    x = K.Input(shape=(5, 3), name="x")
    a = K.layers.Bidirectional(K.layers.GRU(4, return_sequences=True), merge_mode="sum", name="bi_sum")(x)
    a = K.layers.TimeDistributed(K.layers.BatchNormalization(), name="td_bn")(a)
    b = K.layers.Bidirectional(K.layers.SimpleRNN(4, return_sequences=True), merge_mode="mul", name="bi_mul")(a)
    c = K.layers.Bidirectional(K.layers.LSTM(3), merge_mode="ave", name="bi_ave")(b)
    model = _model_of(K, x, c, "bidirectional_merges", 11)
    return model, _floats(11, (5, 3))


def lstm_hard_sigmoid_relu6(K):
    # Extended activations in the cell (ExtendedActivations on one value, in RecurrentLayer): the
    # Keras 2 era default gate (Keras 3's hard_sigmoid, x / 6 + 1/2) and a clipped candidate.
    layer = K.layers.LSTM(4, activation="relu6", recurrent_activation="hard_sigmoid", return_sequences=True, name="lstm")
    return _model(K, (4, 3), [layer], "lstm_hard_sigmoid_relu6", 12, scale=1.2), _floats(12, (4, 3), -3.0, 3.0)


def gru_silu_hard_sigmoid(K):
    layer = K.layers.GRU(5, activation="silu", recurrent_activation="hard_sigmoid", name="gru")
    return _model(K, (5, 3), [layer], "gru_silu_hard_sigmoid", 13, scale=1.0), _floats(13, (5, 3), -3.0, 3.0)


def simple_rnn_gelu(K):
    layer = K.layers.SimpleRNN(4, activation="gelu", return_sequences=True, go_backwards=True, name="rnn")
    return _model(K, (4, 3), [layer], "simple_rnn_gelu", 14, scale=0.4), _floats(14, (4, 3))


def bidirectional_lstm_hard_sigmoid(K):
    # The Bidirectional wrapper's inner activations (mish candidate, hard_sigmoid gates), merge sum.
    inner = K.layers.LSTM(3, activation="mish", recurrent_activation="hard_sigmoid", return_sequences=True)
    layer = K.layers.Bidirectional(inner, merge_mode="sum", name="bi_lstm")
    return _model(K, (4, 2), [layer], "bidirectional_lstm_hard_sigmoid", 15), _floats(15, (4, 2), -3.0, 3.0)


def _model_of(K, x, out, name, seed):
    from fixture_cases import seeded_weights

    model = seeded_weights(K.Model(x, out, name=name), seed, 0.6)
    for layer in model.layers:
        if isinstance(layer, K.layers.TimeDistributed):  # a BatchNormalization's variance stays positive
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([gamma, beta, mean, np.abs(variance) + 0.5])
    return model


CASES = {
    "simple_rnn": simple_rnn,
    "simple_rnn_seq_backwards_relu": simple_rnn_sequences_backwards,
    "simple_rnn_linear_nobias": simple_rnn_linear,
    "lstm": lstm,
    "lstm_seq_backwards_nobias": lstm_sequences_backwards_nobias,
    "lstm_relu_linear_gates": lstm_relu_linear_gates,
    "gru": gru,
    "gru_seq_backwards": gru_sequences_backwards,
    "embedding": embedding,
    "embedding_lstm_dense": embedding_lstm_dense,
    "embedding_gru_simple_rnn_dense": embedding_gru_rnn_dense,
    "sequence_tagger": sequence_tagger,
    "bidirectional_merges": bidirectional_merges,
    "lstm_hard_sigmoid_relu6": lstm_hard_sigmoid_relu6,
    "gru_silu_hard_sigmoid": gru_silu_hard_sigmoid,
    "simple_rnn_gelu": simple_rnn_gelu,
    "bidirectional_lstm_hard_sigmoid": bidirectional_lstm_hard_sigmoid,
}
# Cases whose tf_keras build computes another function (tf_keras' hard_sigmoid is 0.2 x + 1/2, exported
# as hard_sigmoid_tf), so their Keras 2 and Keras 3 exports differ by design.
KERAS2_OTHER_MATH = {"lstm_hard_sigmoid_relu6", "gru_silu_hard_sigmoid", "bidirectional_lstm_hard_sigmoid"}
