"""Concatenate along one axis (stored without the batch axis, counted from 0)."""

import math

import numpy as np
from eth_abi import encode

from eternal.layers.base import LayerType, register
from eternal.layers.abi import header


@register
class Concatenate(LayerType):
    class_name = "Concatenate"
    contract = "ConcatenateLayer"

    def forward(self, config, inputs, weights, frac):
        return np.concatenate([np.asarray(x, dtype=object) for x in inputs], axis=config["axis"])

    def abi_config(self, layer, input_shapes, graph):
        """``header, outer, inner[]``: ``outer`` = values before the axis, ``inner[k]`` = input k's
        values from the axis on; the output is, for each outer index, each input's inner run."""
        axis = layer["config"]["axis"]
        outer = math.prod(int(d) for d in input_shapes[0][:axis])
        inner = [math.prod(int(d) for d in shape[axis:]) for shape in input_shapes]
        return encode(["uint256", "uint256", "uint256", "uint256[]"], header(graph) + [outer, inner])

    def input_windows(self, config, input_shapes, start, end):
        """Whole runs: output element i has outer index ``i // total`` (``total`` = the inputs'
        values from the axis on, summed), and the layer reads input k's runs of every outer
        index from ``start``'s to ``end - 1``'s."""
        axis = config["axis"]
        inner = [math.prod(int(d) for d in shape[axis:]) for shape in input_shapes]
        first, last = start // sum(inner), (end - 1) // sum(inner) + 1
        return [(first * run, last * run) for run in inner]

    def normalise(self, raw, input_shapes):
        rank = len(input_shapes[0])
        axis = int(raw.get("axis", -1))
        axis = axis + rank if axis < 0 else axis - 1  # Keras counts the batch axis
        if not 0 <= axis < rank:
            raise self.reject("axis", raw.get("axis"), f"an axis of the {rank}-d inputs")
        return {"axis": axis}

    def keras_config(self, config):
        return {**config, "axis": int(config["axis"]) + 1}  # the graph does not count the batch axis; Keras does
