"""Flatten: a C-order reshape to one axis (a no-op on chain, where tensors are flat)."""

import numpy as np

from eternal.layers.base import LayerType, register


@register
class Flatten(LayerType):
    class_name = "Flatten"
    identity = True

    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        return {}

    def forward(self, config, inputs, weights, frac):
        return np.asarray(inputs[0], dtype=object).reshape(-1)
