"""Fixture cases for the inference no-ops (python/eternal/layers/inference_noops.py).

``CASES = {name: build(K) -> (model, inputs)}``; weights come from a seeded generator so
Keras 2 and Keras 3 build the same model.
"""

from __future__ import annotations

from fixture_cases import floats as _floats, sequential as _sequential


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


CASES = {
    "inference_noops": inference_noops,
}
