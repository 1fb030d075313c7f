"""LeakyReLU (Keras 2 calls the slope ``alpha``, Keras 3 ``negative_slope``)."""

import numpy as np

from eternal.activations import leaky_relu, quantise_multiplier
from eternal.layers.base import LayerType, canonical_float, register
from eternal.layers.abi import encode_words, header


@register
class LeakyReLU(LayerType):
    class_name = "LeakyReLU"
    contract = "LeakyReLULayer"

    def forward(self, config, inputs, weights, frac):
        multiplier = quantise_multiplier(config["negative_slope"])
        x = np.asarray(inputs[0], dtype=object)
        out = np.empty(x.shape, dtype=object)
        out.flat[:] = [leaky_relu(int(v), frac, multiplier) for v in x.flat]
        return out

    def input_windows(self, config, input_shapes, start, end):
        """Elementwise: ``[start, end)``."""
        return [(start, end)]

    def abi_config(self, layer, input_shapes, graph):
        """``header, slopeQ, slopeFrac``: the slope as a 32-bit multiplier."""
        return encode_words(header(graph) + list(quantise_multiplier(layer["config"]["negative_slope"])))

    def normalise(self, raw, input_shapes):
        slope = raw["negative_slope"] if "negative_slope" in raw else raw["alpha"]
        return {"negative_slope": canonical_float(slope)}
