"""ReLU: ``max_value``, ``negative_slope`` and ``threshold`` as in Keras."""

import numpy as np

from eternal.activations import general_relu, quantise_constant, quantise_multiplier
from eternal.layers.base import LayerType, canonical_float, register
from eternal.layers.abi import encode_words, header


@register
class ReLU(LayerType):
    class_name = "ReLU"
    contract = "ReLULayer"

    @staticmethod
    def constants(config: dict, frac: int) -> tuple:
        """``(slope multiplier (q, q_frac), threshold, max_value or None)`` in fixed point."""
        max_value = config["max_value"]
        return (
            quantise_multiplier(config["negative_slope"]),
            quantise_constant(config["threshold"], frac),
            None if max_value is None else quantise_constant(max_value, frac),
        )

    def forward(self, config, inputs, weights, frac):
        multiplier, threshold, max_value = self.constants(config, frac)
        x = np.asarray(inputs[0], dtype=object)
        out = np.empty(x.shape, dtype=object)
        out.flat[:] = [general_relu(int(v), frac, multiplier, threshold, max_value) for v in x.flat]
        return out

    def input_windows(self, config, input_shapes, start, end):
        """Elementwise: ``[start, end)``."""
        return [(start, end)]

    def abi_config(self, layer, input_shapes, graph):
        """``header, slopeQ, slopeFrac, threshold, hasMax, maxValue`` (fixed point 2^-F)."""
        frac = int(graph["activation_frac_bits"])
        (q, q_frac), threshold, max_value = self.constants(layer["config"], frac)
        has_max = max_value is not None
        return encode_words(header(graph) + [q, q_frac, threshold, int(has_max), max_value if has_max else 0])

    def normalise(self, raw, input_shapes):
        max_value = raw.get("max_value")
        return {
            "max_value": None if max_value is None else canonical_float(max_value),
            "negative_slope": canonical_float(raw.get("negative_slope", 0.0)),
            "threshold": canonical_float(raw.get("threshold", 0.0)),
        }
