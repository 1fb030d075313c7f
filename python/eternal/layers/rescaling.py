"""Rescaling: ``x * scale + offset`` with scalar scale and offset."""

import numpy as np

from eternal.activations import quantise_constant, quantise_multiplier
from eternal.fixedpoint import rescale_array
from eternal.layers.base import LayerType, canonical_float, register
from eternal.layers.abi import encode_words, header


@register
class Rescaling(LayerType):
    class_name = "Rescaling"
    contract = "RescalingLayer"

    def forward(self, config, inputs, weights, frac):
        q, q_frac = quantise_multiplier(config["scale"])
        x = np.asarray(inputs[0], dtype=object)
        return rescale_array(x * q, frac + q_frac, frac) + quantise_constant(config["offset"], frac)

    def input_windows(self, config, input_shapes, start, end):
        """Elementwise: ``[start, end)``."""
        return [(start, end)]

    def abi_config(self, layer, input_shapes, graph):
        """``header, scaleQ, scaleFrac, offset``: ``rescale(x * q, F + qFrac, F) + offset``."""
        frac = int(graph["activation_frac_bits"])
        config = layer["config"]
        q, q_frac = quantise_multiplier(config["scale"])
        return encode_words(header(graph) + [q, q_frac, quantise_constant(config["offset"], frac)])

    def normalise(self, raw, input_shapes):
        for key in ("scale", "offset"):
            if np.ndim(raw[key]) != 0 and np.size(raw[key]) != 1:
                raise self.reject(key, raw[key], "a single number")
        return {"scale": canonical_float(np.ravel(raw["scale"])[0]), "offset": canonical_float(np.ravel(raw["offset"])[0])}
