"""ELU: ``x`` above 0, ``alpha (e^x - 1)`` below, on the Activation contract with its alpha."""

import numpy as np

from eternal.activations import quantise_multiplier
from eternal.extended_activations import EXTENDED_CODES, INPUT_LIMIT, elu
from eternal.errors import ActivationError
from eternal.layers.base import LayerType, canonical_float, register
from eternal.layers.abi import encode_words, header

# ExtendedActivations.applyEluInPlace rescales by 64 + alpha_frac - F >= 1 (F <= 64); the kind word
# keeps alpha_frac in 8 bits (a float32 alpha's multiplier has at most 180).
MIN_ALPHA_FRAC = 1
MAX_ALPHA_FRAC = 255


@register
class ELU(LayerType):
    class_name = "ELU"
    contract = "ActivationLayer"

    def normalise(self, raw, input_shapes):
        alpha = canonical_float(raw.get("alpha", 1.0))
        if not MIN_ALPHA_FRAC <= quantise_multiplier(alpha)[1] <= MAX_ALPHA_FRAC:
            raise self.reject("alpha", alpha, "|alpha| below 2^30")
        return {"alpha": alpha}

    def forward(self, config, inputs, weights, frac):
        alpha = quantise_multiplier(config["alpha"])
        x = np.asarray(inputs[0], dtype=object)
        out = np.empty(x.shape, dtype=object)
        for i, v in enumerate(x.flat):
            if not -INPUT_LIMIT < int(v) < INPUT_LIMIT:
                raise ActivationError(f"{self.where}: input {int(v)} is too large: |x| must be below 2^190")
            out.flat[i] = elu(int(v), frac, alpha)
        return out

    def input_windows(self, config, input_shapes, start, end):
        """Elementwise: ``[start, end)``."""
        return [(start, end)]

    def abi_config(self, layer, input_shapes, graph):
        """``header, kind, 1``: ActivationLayer's config, the kind word carrying alpha's multiplier
        (``ExtendedActivations.applyKindInPlace``: ``ELU | alpha_frac << 8 | uint32(alpha_q) << 16``)."""
        q, q_frac = quantise_multiplier(layer["config"]["alpha"])
        return encode_words(header(graph) + [EXTENDED_CODES["elu"] | q_frac << 8 | (q & 0xFFFFFFFF) << 16, 1])
