"""Example models trained at run time on scikit-learn's bundled digits (no download).

8x8 grey images of the digits 0-9, 1,797 samples; fixed seeds and a split of
1,437 training and 360 test images, so every run trains the same models.

Import this module before TensorFlow: it turns off TensorFlow's oneDNN kernels,
whose float sums depend on the thread count and the CPU (same seeds, different
weights from one machine to the next). TensorFlow's own kernels train the same
weights with 1, 2 or 4 threads.
"""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# TensorFlow reads this once, when it is imported; later changes have no effect.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

TEST_SIZE = 360
SEED = 7


def digits_data():
    """``(x_train, y_train, x_test, y_test)``: images (n, 8, 8, 1) in [0, 16], integer labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype("float32")[..., None]
    labels = digits.target.astype("int64")
    order = np.random.default_rng(SEED).permutation(len(labels))
    test, train = order[:TEST_SIZE], order[TEST_SIZE:]
    return images[train], labels[train], images[test], labels[test]


def build_mlp(K):
    """A Dense MLP: Rescaling -> Flatten -> Dense(32, relu) -> Dense(10, softmax)."""
    inputs = K.Input(shape=(8, 8, 1), name="pixels")
    x = K.layers.Rescaling(1.0 / 16.0, name="rescale")(inputs)
    x = K.layers.Flatten(name="flatten")(x)
    x = K.layers.Dense(32, activation="relu", name="hidden")(x)
    outputs = K.layers.Dense(10, activation="softmax", name="digit")(x)
    return K.Model(inputs, outputs, name="digits_mlp")


def build_cnn(K):
    """A small CNN: Rescaling -> Conv2D -> MaxPooling2D -> Conv2D -> Flatten -> Dense softmax."""
    inputs = K.Input(shape=(8, 8, 1), name="pixels")
    x = K.layers.Rescaling(1.0 / 16.0, name="rescale")(inputs)
    x = K.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(x)
    x = K.layers.MaxPooling2D(2, name="pool")(x)
    x = K.layers.Conv2D(16, 3, activation="relu", name="conv2")(x)
    x = K.layers.Flatten(name="flatten")(x)
    outputs = K.layers.Dense(10, activation="softmax", name="digit")(x)
    return K.Model(inputs, outputs, name="digits_cnn")


def train(K, builder, epochs: int = 30):
    """Builds and trains a model with fixed seeds; returns ``(model, test accuracy)``."""
    x_train, y_train, x_test, y_test = digits_data()
    if K.__name__.startswith("tf_keras"):
        import tensorflow as tf

        tf.random.set_seed(SEED)
    else:
        K.utils.set_random_seed(SEED)
    model = builder(K)
    model.compile(optimizer=K.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=64, verbose=0, shuffle=True)
    predictions = model.predict(x_test, verbose=0)
    return model, float(np.mean(np.argmax(predictions, axis=1) == y_test))
