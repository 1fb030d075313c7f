"""Dropout: the identity at inference."""

import numpy as np

from eternal.layers.base import LayerType, register


@register
class Dropout(LayerType):
    class_name = "Dropout"
    identity = True

    def forward(self, config, inputs, weights, frac):
        return np.asarray(inputs[0], dtype=object)

    def keras_config(self, config):
        return {"rate": 0.0, **config}  # the identity at inference; the graph keeps no rate
