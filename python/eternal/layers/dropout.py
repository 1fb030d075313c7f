"""Dropout: the identity at inference."""

import numpy as np

from eternal.layers.base import LayerType, register


@register
class Dropout(LayerType):
    class_name = "Dropout"

    def forward(self, config, inputs, weights, frac):
        return np.asarray(inputs[0], dtype=object)
