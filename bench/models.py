"""The models issue 11 has to run, built with seeded weights (nothing downloaded).

- ``lenet``: EternalAI's Fashion-MNIST LeNet (28x28x1; Conv2D(6, 5x5, same, tanh) ->
  MaxPool -> Conv2D(16, 5x5, same, tanh) -> MaxPool -> Flatten -> Dense(70, tanh) ->
  Dense(10, softmax)), ~58k parameters, 643,580 MACs.
- ``mlp``: 256 -> 1024 -> 1024 -> 10 (relu), ~1.3M parameters and MACs.
- ``resnet8``: MLPerf Tiny's image-classification ResNet-8 (32x32x3; Conv2D,
  BatchNormalization, ReLU, Add, AveragePooling2D, Dense), ~78k parameters, ~12.5M MACs.
- ``mobilenetv2``: keras.applications ``MobileNetV2(alpha=0.35, input_shape=(96, 96, 3),
  classes=10, weights=None)``.
- issue 13's keras.applications at 32x32x3, 10 classes: ``mobilenet`` (alpha 0.25),
  ``mobilenetv3small``, ``mobilenetv3large`` (minimalistic), ``efficientnetb0``, ``nasnetmobile``;
  and the other ``minimalistic`` setting of each MobileNetV3: ``mobilenetv3small_min``,
  ``mobilenetv3large_full``.

BatchNormalization layers get seeded moving statistics (fresh ones are the identity,
which would test nothing). ``sample(name, n)`` gives seeded inputs in the model's range.
"""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

SEED = 11
INPUT_SHAPES = {"lenet": (28, 28, 1), "mlp": (256,), "resnet8": (32, 32, 3), "mobilenetv2": (96, 96, 3),
                **{name: (32, 32, 3) for name in ("mobilenet", "mobilenetv3small", "mobilenetv3large", "efficientnetb0",
                                                  "nasnetmobile", "mobilenetv3small_min", "mobilenetv3large_full")}}


def lenet(K):
    inputs = K.Input(shape=INPUT_SHAPES["lenet"], name="image")
    x = K.layers.Conv2D(6, 5, padding="same", activation="tanh", name="conv1")(inputs)
    x = K.layers.MaxPooling2D(2, name="pool1")(x)
    x = K.layers.Conv2D(16, 5, padding="same", activation="tanh", name="conv2")(x)
    x = K.layers.MaxPooling2D(2, name="pool2")(x)
    x = K.layers.Flatten(name="flatten")(x)
    x = K.layers.Dense(70, activation="tanh", name="fc1")(x)
    outputs = K.layers.Dense(10, activation="softmax", name="fc2")(x)
    return K.Model(inputs, outputs, name="fashion_lenet")


def mlp(K):
    inputs = K.Input(shape=INPUT_SHAPES["mlp"], name="features")
    x = K.layers.Dense(1024, activation="relu", name="dense1")(inputs)
    x = K.layers.Dense(1024, activation="relu", name="dense2")(x)
    outputs = K.layers.Dense(10, activation="softmax", name="logits")(x)
    return K.Model(inputs, outputs, name="mlp_1m")


def _resnet_block(K, x, filters: int, strides: int, name: str):
    y = K.layers.Conv2D(filters, 3, strides=strides, padding="same", name=f"{name}_conv1")(x)
    y = K.layers.BatchNormalization(name=f"{name}_bn1")(y)
    y = K.layers.ReLU(name=f"{name}_relu1")(y)
    y = K.layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv2")(y)
    y = K.layers.BatchNormalization(name=f"{name}_bn2")(y)
    if strides != 1:
        x = K.layers.Conv2D(filters, 1, strides=strides, padding="same", name=f"{name}_shortcut")(x)
    x = K.layers.Add(name=f"{name}_add")([x, y])
    return K.layers.ReLU(name=f"{name}_relu2")(x)


def resnet8(K):
    inputs = K.Input(shape=INPUT_SHAPES["resnet8"], name="image")
    x = K.layers.Conv2D(16, 3, padding="same", name="stem_conv")(inputs)
    x = K.layers.BatchNormalization(name="stem_bn")(x)
    x = K.layers.ReLU(name="stem_relu")(x)
    x = _resnet_block(K, x, 16, 1, "stack1")
    x = _resnet_block(K, x, 32, 2, "stack2")
    x = _resnet_block(K, x, 64, 2, "stack3")
    x = K.layers.AveragePooling2D(pool_size=8, name="pool")(x)
    x = K.layers.Flatten(name="flatten")(x)
    outputs = K.layers.Dense(10, activation="softmax", name="logits")(x)
    return K.Model(inputs, outputs, name="resnet8")


def mobilenetv2(K):
    return K.applications.MobileNetV2(alpha=0.35, input_shape=INPUT_SHAPES["mobilenetv2"], classes=10, weights=None)


def _application(name: str, key: str | None = None, **options):
    """keras.applications ``name`` at 32x32 (issue 13's on-chain check), 10 classes, no download
    (``key``: its name here, when not ``name`` in lower case)."""
    def build(K):
        shape = INPUT_SHAPES[key or name.lower()]
        return getattr(K.applications, name)(input_shape=shape, classes=10, weights=None, **options)
    return build


BUILDERS = {"lenet": lenet, "mlp": mlp, "resnet8": resnet8, "mobilenetv2": mobilenetv2,
            "mobilenet": _application("MobileNet", alpha=0.25), "mobilenetv3small": _application("MobileNetV3Small"),
            "mobilenetv3large": _application("MobileNetV3Large", minimalistic=True),
            "efficientnetb0": _application("EfficientNetB0"), "nasnetmobile": _application("NASNetMobile"),
            "mobilenetv3small_min": _application("MobileNetV3Small", "mobilenetv3small_min", minimalistic=True),
            "mobilenetv3large_full": _application("MobileNetV3Large", "mobilenetv3large_full", minimalistic=False)}


def build(name: str, K=None):
    """Model ``name`` with seeded weights and BatchNormalization statistics."""
    if K is None:
        import keras as K
    K.utils.set_random_seed(SEED)
    model = BUILDERS[name](K)
    rng = np.random.default_rng(SEED)
    for layer in model.layers:
        if isinstance(layer, K.layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape), rng.normal(0, 0.1, beta.shape),
                               rng.normal(0, 0.1, mean.shape), rng.uniform(0.5, 1.5, var.shape)])
    return model


def sample(name: str, n: int = 1) -> np.ndarray:
    """``n`` seeded inputs for model ``name``: images in [0, 1), features in [-1, 1)."""
    rng = np.random.default_rng(SEED + 1)
    shape = (n, *INPUT_SHAPES[name])
    return rng.uniform(-1, 1, shape) if name == "mlp" else rng.uniform(0, 1, shape)


def macs(model) -> int:
    """Multiply-accumulates of one sample through the Dense and convolution layers."""
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        out = layer.output.shape
        if kind == "Dense":
            total += int(np.prod(layer.kernel.shape))
        elif kind == "Conv2D":
            kh, kw, cin, cout = layer.kernel.shape
            total += int(out[1] * out[2] * cout * kh * kw * cin)
        elif kind == "DepthwiseConv2D":
            kh, kw, cin, mult = layer.kernel.shape
            total += int(out[1] * out[2] * cin * mult * kh * kw)
    return total
