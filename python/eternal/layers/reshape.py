"""Reshape (C order, so a no-op on chain, where tensors are flat)."""

import math

import numpy as np

from eternal.layers.base import LayerType, ints, register


@register
class Reshape(LayerType):
    class_name = "Reshape"
    identity = True

    def normalise(self, raw, input_shapes):
        target = ints(raw["target_shape"])
        if -1 in target:
            known = -math.prod(target)
            target[target.index(-1)] = math.prod(input_shapes[0]) // known
        return {"target_shape": target}

    def forward(self, config, inputs, weights, frac):
        return np.asarray(inputs[0], dtype=object).reshape(config["target_shape"])

    def keras_config(self, config):
        return {**config, "target_shape": tuple(config["target_shape"])}
