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
        axis the input stride (in values) of the axis it takes (:func:`gather_axes`)."""
        shape, strides = gather_axes([int(d) for d in input_shapes[0]], [d - 1 for d in layer["config"]["dims"]])
        return encode(["uint256", "uint256", "uint256[]", "uint256[]"], header(graph) + [shape, strides])

    def keras_config(self, config):
        return {**config, "dims": tuple(config["dims"])}


def gather_axes(shape: list[int], axes: list[int]) -> tuple[list[int], list[int]]:
    """The output's axes as the contract walks them: ``(sizes, input strides)``, without axes of
    size 1 and with neighbours merged where the input holds them in order (stride of one = size
    times stride of the next), so the runs along the last axis are as long as they can be."""
    strides = [math.prod(shape[k + 1:]) for k in range(len(shape))]
    sizes, steps = [], []
    for a in axes:
        if shape[a] == 1:
            continue
        if sizes and steps[-1] == shape[a] * strides[a]:
            sizes[-1], steps[-1] = sizes[-1] * shape[a], strides[a]
        else:
            sizes.append(shape[a])
            steps.append(strides[a])
    return (sizes, steps) if sizes else ([1], [1])
