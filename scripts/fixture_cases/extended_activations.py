"""Fixture cases for the extended activations (codes 6 and up): as ``Activation`` layers, and as
``activation=`` on Dense, Conv2D and DepthwiseConv2D (which run them in their implementation's ActivationKernels).

Inputs are uniform in [-8, 8] so every function is seen far negative, around 0 and far
positive; Dense and Conv2D weights are scaled so their sums reach about +-20.
"""

from __future__ import annotations

from fixture_cases import floats as _floats, seeded_weights as _set_weights

# Every extended activation Keras 3 has (`exponential` apart on Dense and Conv2D: see _EXP_SCALE).
KERAS3_NAMES = ("relu6", "hard_sigmoid", "hard_silu", "silu", "elu", "selu", "softsign", "mish", "gelu", "exponential")
# exponential's branch gets weights a tenth as large, so e^x stays below ~e^4 and its float32 and
# int8 weight errors stay within the tolerance.
_EXP_SCALE = 0.1


def _branches(K, x, make):
    outs = [make(name)(x) for name in KERAS3_NAMES]
    return K.layers.Concatenate(name="cat")(outs)


def _shrink_exponential(model):
    layer = model.get_layer("exponential")
    layer.set_weights([w * _EXP_SCALE for w in layer.get_weights()])
    return model


def activation_layers_extended(K):
    x = K.Input(shape=(16,), name="x")
    activations = _branches(K, x, lambda name: K.layers.Activation(name, name=name))
    # The ELU layer class: its alpha rides in the Activation contract's config.
    elus = [K.layers.ELU(alpha=alpha, name=f"elu_{i}")(x) for i, alpha in enumerate((1.0, 0.3, 2.5))]
    out = K.layers.Concatenate(name="all")([activations, *elus])
    return K.Model(x, out, name="activation_layers_extended"), _floats(40, (16,), -8.0, 8.0)


def dense_extended(K):
    x = K.Input(shape=(16,), name="x")
    out = _branches(K, x, lambda name: K.layers.Dense(4, activation=name, name=name))
    model = _set_weights(K.Model(x, out, name="dense_extended"), 41, 0.3)
    return _shrink_exponential(model), _floats(41, (16,), -8.0, 8.0)


def conv2d_extended(K):
    x = K.Input(shape=(5, 5, 2), name="x")
    convs = _branches(K, x, lambda name: K.layers.Conv2D(2, 3, padding="same", activation=name, name=name))
    # MobileNetV3's block: a depthwise convolution with hard_silu (DepthwiseConv2DLayer's own path).
    depthwise = K.layers.DepthwiseConv2D(3, padding="same", activation="hard_silu", name="depthwise")(x)
    out = K.layers.Concatenate(name="all")([convs, depthwise])
    model = _set_weights(K.Model(x, out, name="conv2d_extended"), 42, 0.3)
    return _shrink_exponential(model), _floats(42, (5, 5, 2), -8.0, 8.0)


def activations_tf_keras(K):
    """tf_keras whatever ``K`` is: its ``hard_sigmoid`` (0.2 x + 0.5, exported as ``hard_sigmoid_tf``)
    and ``swish`` exist in no Keras 3 model."""
    del K
    import tf_keras

    x = tf_keras.Input(shape=(16,), name="x")
    names = ("hard_sigmoid", "swish", "relu6", "elu", "selu", "softsign")
    dense = [tf_keras.layers.Dense(4, activation=name, name=f"dense_{name}")(x) for name in names]
    layers = [tf_keras.layers.Activation(name, name=name)(x) for name in names]
    out = tf_keras.layers.Concatenate(name="cat")(dense + layers)
    model = _set_weights(tf_keras.Model(x, out, name="activations_tf_keras"), 43, 0.3)
    return model, _floats(43, (16,), -8.0, 8.0)


def piecewise_activations(K):
    # Keras 3's piecewise-linear hard_tanh, hard_shrink and soft_shrink (threshold 1/2), as
    # Activation layers (the shared contract) and on Dense (its ActivationKernels); the inputs
    # straddle +-1/2 and +-1.
    x = K.Input(shape=(16,), name="x")
    names = ("hard_tanh", "hard_shrink", "soft_shrink")
    layers = [K.layers.Activation(name, name=name)(x) for name in names]
    dense = [K.layers.Dense(4, activation=name, name=f"dense_{name}")(x) for name in names]
    out = K.layers.Concatenate(name="cat")(layers + dense)
    model = _set_weights(K.Model(x, out, name="piecewise_activations"), 44, 0.15)
    return model, _floats(44, (16,), -1.5, 1.5)


def activation_ops(K):
    # Keras 3 activation operations outside layers (keras.ops): gelu's tanh form (ops.gelu's
    # default) on the Activation contract and after a Dense, leaky_relu, elu and softmax as layers.
    x = K.Input(shape=(16,), name="x")
    tanh_form = K.ops.gelu(x)
    dense = K.layers.Dense(6, name="dense")(x)
    out = K.layers.Concatenate(name="cat")([tanh_form, K.ops.gelu(dense), K.ops.leaky_relu(dense, negative_slope=0.1),
                                            K.ops.elu(dense, alpha=0.5), K.ops.softmax(dense)])
    model = _set_weights(K.Model(x, out, name="activation_ops"), 45, 0.3)
    return model, _floats(45, (16,), -8.0, 8.0)


def log_activations(K):
    # softplus and log_softmax (FixedLog.sol's logarithm) as Activation layers (the shared contract),
    # on Dense (its ActivationKernels) and log_softmax over Conv2D's channels (SpatialBase's axis).
    x = K.Input(shape=(16,), name="x")
    layers = [K.layers.Activation(name, name=name)(x) for name in ("softplus", "log_softmax")]
    dense = [K.layers.Dense(5, activation=name, name=f"dense_{name}")(x) for name in ("softplus", "log_softmax")]
    grid = K.layers.Reshape((2, 2, 4), name="grid")(x)
    conv = K.layers.Conv2D(3, 2, padding="same", activation="log_softmax", name="conv_log_softmax")(grid)
    flat = K.layers.Flatten(name="flat")(conv)
    out = K.layers.Concatenate(name="cat")(layers + dense + [flat])
    model = _set_weights(K.Model(x, out, name="log_activations"), 45, 0.3)
    return model, _floats(45, (16,), -8.0, 8.0)


CASES = {
    "log_activations": log_activations,
    "piecewise_activations": piecewise_activations,
    "activation_ops": activation_ops,
    "activation_layers_extended": activation_layers_extended,
    "dense_extended": dense_extended,
    "conv2d_extended": conv2d_extended,
    "activations_tf_keras": activations_tf_keras,
}
# Keras' float32 e^8 = 2981 is itself only within ~1.2e-4; int8 weights move the Dense and
# Conv2D sums by up to ~0.1 before selu's and exponential's slopes (measured: 0.145 at most).
TOLERANCE = {
    "activation_layers_extended": 5e-4,
    "dense_extended": {"int8": 0.2},
    "conv2d_extended": {"int8": 0.2},
}
