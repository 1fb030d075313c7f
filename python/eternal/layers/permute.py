"""Permute: any permutation of the non-batch axes (PermuteLayer, a strided gather)."""

import math

import numpy as np
from eth_abi import encode

from eternal.layers.abi import header
from eternal.layers.base import LayerType, ints, register


@register
class Permute(LayerType):
    class_name = "Permute"
    contract = "PermuteLayer"

    def normalise(self, raw, input_shapes):
        dims = ints(raw["dims"])
        if sorted(dims) != list(range(1, len(input_shapes[0]) + 1)):
            raise self.reject("dims", tuple(dims), f"a permutation of 1..{len(input_shapes[0])}")
        return {"dims": dims}

    def forward(self, config, inputs, weights, frac):
        return np.transpose(np.asarray(inputs[0], dtype=object), [d - 1 for d in config["dims"]])

    def abi_config(self, layer, input_shapes, graph):
        """``header, uint256[] shape, uint256[] strides``: the output's shape, and for each output
        axis the input stride (in values) of the axis it takes."""
        shape = [int(d) for d in input_shapes[0]]
        strides = [math.prod(shape[k + 1:]) for k in range(len(shape))]
        axes = [d - 1 for d in layer["config"]["dims"]]
        return encode(["uint256", "uint256", "uint256[]", "uint256[]"],
                      header(graph) + [[shape[a] for a in axes], [strides[a] for a in axes]])

    def keras_config(self, config):
        return {**config, "dims": tuple(config["dims"])}
