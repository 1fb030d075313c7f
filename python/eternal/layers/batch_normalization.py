"""BatchNormalization at inference, folded to ``x * scale + offset`` per channel.

``scale = gamma / sqrt(moving_variance + epsilon)``, ``offset = beta - moving_mean * scale``.
The Keras layer is rebuilt from these with gamma=scale, beta=offset, mean=0,
variance=1-epsilon (epsilon = ``KERAS_EPSILON``, as the graph keeps none).
"""

import numpy as np

from eternal.fixedpoint import rescale_array
from eternal.layers.base import LayerType, QTensor, Tensor, register
from eternal.layers.abi import encode_words, header, tensor_ref

# The epsilon of a rebuilt layer: Keras' default (the export folds the model's own epsilon in).
KERAS_EPSILON = 1e-3


def affine(x: np.ndarray, scale: QTensor, offset: QTensor, frac: int) -> np.ndarray:
    """``rescale(x * scale_c, F + scale_frac, F) + rescale(offset_c, offset_frac, F)`` per channel
    (the last axis), as ``Elementwise.affine`` computes it."""
    product = rescale_array(x * scale.values.astype(object), frac + scale.frac_bits, frac)
    return product + rescale_array(offset.values.astype(object), offset.frac_bits, frac)


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
        return {}

    def weights(self, config, arrays, raw):
        """Folds gamma, beta (each only if the layer has it), mean and variance with ``raw["epsilon"]``."""
        has_gamma, has_beta = bool(raw.get("scale", True)), bool(raw.get("center", True))
        self.expect_arrays(arrays, 2 + has_beta + has_gamma)
        arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
        gamma = arrays.pop(0) if has_gamma else 1.0
        beta = arrays.pop(0) if has_beta else 0.0
        mean, variance = arrays
        scale = gamma / np.sqrt(variance + float(raw["epsilon"])) * np.ones_like(mean)
        offset = beta - mean * scale
        return [Tensor("scale", scale), Tensor("offset", offset)]

    def forward(self, config, inputs, weights, frac):
        return affine(np.asarray(inputs[0], dtype=object), *weights, frac)

    def keras_config(self, config):
        return {"epsilon": KERAS_EPSILON}

    def keras_weights(self, arrays, config):
        """gamma=scale, beta=offset, mean=0, variance=1-epsilon: ``x * scale + offset`` again."""
        scale, offset = arrays
        return [scale, offset, np.zeros_like(scale), np.full_like(scale, 1.0 - KERAS_EPSILON)]

    def input_windows(self, config, input_shapes, start, end):
        """Elementwise: ``[start, end)``."""
        return [(start, end)]

    def abi_config(self, layer, input_shapes, graph):
        """``header, channels, scale, offset`` (tensors of ``channels`` values, plain layout)."""
        tensors = {w["name"]: w for w in layer["weights"]}
        channels = int(input_shapes[0][-1])
        return encode_words(header(graph) + [channels, tensor_ref(tensors["scale"]), tensor_ref(tensors["offset"])])
