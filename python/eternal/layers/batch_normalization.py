"""BatchNormalization at inference, folded to ``x * scale + offset`` per channel.

``scale = gamma / sqrt(moving_variance + epsilon)``, ``offset = beta - moving_mean * scale``.
The Keras layer is rebuilt from these with gamma=scale, beta=offset, mean=0,
variance=1-epsilon.
"""

import numpy as np

from eternal.fixedpoint import rescale_array
from eternal.layers.base import LayerType, Tensor, register
from eternal.layers.abi import encode_words, header, tensor_ref


@register
class BatchNormalization(LayerType):
    class_name = "BatchNormalization"
    contract = "BatchNormalizationLayer"

    def normalise(self, raw, input_shapes):
        axis = raw.get("axis", -1)
        axis = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
        rank = len(input_shapes[0]) + 1  # with the batch axis
        if not isinstance(axis, int) or axis not in (-1, rank - 1):
            raise self.reject("axis", axis, "-1 (the channels axis, last)")
        for option in ("renorm", "synchronized"):
            if raw.get(option):
                raise self.reject(option, raw[option], "False")
        self._epsilon = float(raw["epsilon"])
        self._center, self._scale = bool(raw.get("center", True)), bool(raw.get("scale", True))
        return {}

    def weights(self, config, arrays):
        self.expect_arrays(arrays, 2 + self._center + self._scale)
        arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
        gamma = arrays.pop(0) if self._scale else 1.0
        beta = arrays.pop(0) if self._center else 0.0
        mean, variance = arrays
        scale = gamma / np.sqrt(variance + self._epsilon) * np.ones_like(mean)
        offset = beta - mean * scale
        return [Tensor("scale", scale), Tensor("offset", offset)]

    def forward(self, config, inputs, weights, frac):
        """``rescale(x * scale_c, F + scale_frac, F) + rescale(offset_c, offset_frac, F)`` per channel."""
        scale, offset = weights
        x = np.asarray(inputs[0], dtype=object)
        product = rescale_array(x * scale.values.astype(object), frac + scale.frac_bits, frac)
        return product + rescale_array(offset.values.astype(object), offset.frac_bits, frac)

    def abi_config(self, layer, input_shapes, graph):
        """``header, channels, scale, offset`` (tensors of ``channels`` values, plain layout)."""
        tensors = {w["name"]: w for w in layer["weights"]}
        channels = int(input_shapes[0][-1])
        return encode_words(header(graph) + [channels, tensor_ref(tensors["scale"]), tensor_ref(tensors["offset"])])
