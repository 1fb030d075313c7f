"""Layers that are the identity at inference: the Dropout variants, the noise layers,
ActivityRegularization, Identity and the random augmentations.

Each one, called with ``training=False``, returns its input unchanged for every input shape
it accepts (Keras 3.15 and tf_keras 2.21 sources: their inference branch returns the input,
cast to the layer's float dtype). So the graph keeps no config (their rates, factors and seeds
change nothing a model predicts, and Keras 2 and 3 hash equal), there is no contract and the
model passes the input on. ``pull`` rebuilds each as the same class with its randomness set
to zero (``rate=0``, ``factor=0``, ...): the identity in training too.

Not here, and refused: ``RandomCrop`` (tf_keras center-crops and resizes at inference, and
Keras 3 declares the crop's shape while returning the input), ``AutoContrast`` (not the
identity), ``Equalization`` and ``Solarization`` (deterministic image operations that Keras
documents as applied at inference), tf_keras' ``RandomHeight``/``RandomWidth`` (Keras 3, which
``pull`` rebuilds with, has no such class).
"""

import numpy as np

from eternal.layers.base import LayerType, register


class InferenceNoOp(LayerType):
    """The identity at inference: no config, no weights, no contract."""

    identity = True
    # The Keras constructor arguments that rebuild the layer with no randomness.
    rebuild_arguments: dict = {}

    def forward(self, config, inputs, weights, frac):
        return np.asarray(inputs[0], dtype=object)

    def keras_config(self, config):
        return dict(self.rebuild_arguments)


# Class name -> the required constructor arguments of a rebuild (zero randomness).
NO_OPS = {
    "Dropout": {"rate": 0.0},
    "SpatialDropout1D": {"rate": 0.0},
    "SpatialDropout2D": {"rate": 0.0},
    "SpatialDropout3D": {"rate": 0.0},
    "GaussianDropout": {"rate": 0.0},
    "AlphaDropout": {"rate": 0.0},
    "GaussianNoise": {"stddev": 0.0},
    "ActivityRegularization": {},
    "Identity": {},
    "RandomBrightness": {"factor": 0.0},
    "RandomContrast": {"factor": 0.0},
    "RandomFlip": {},
    "RandomRotation": {"factor": 0.0},
    "RandomTranslation": {"height_factor": 0.0, "width_factor": 0.0},
    "RandomZoom": {"height_factor": 0.0},
    # Keras 3 only:
    "RandomColorDegeneration": {"factor": 0.0},
    "RandomColorJitter": {},
    "RandomElasticTransform": {"factor": 0.0},
    "RandomErasing": {"factor": 0.0},
    "RandomGaussianBlur": {"factor": 0.0},
    "RandomGrayscale": {"factor": 0.0},
    "RandomHue": {"factor": 0.0},
    "RandomInvert": {"factor": 0.0},
    "RandomPerspective": {"factor": 0.0},
    "RandomPosterization": {"factor": 8},
    "RandomSaturation": {"factor": 0.0},
    "RandomSharpness": {"factor": 0.0},
    "RandomShear": {"x_factor": 0.0, "y_factor": 0.0},
    "AugMix": {},
    "CutMix": {},
    "MixUp": {},
    "RandAugment": {},
}

for _name, _arguments in NO_OPS.items():
    register(type(_name, (InferenceNoOp,), {"class_name": _name, "rebuild_arguments": _arguments}))
