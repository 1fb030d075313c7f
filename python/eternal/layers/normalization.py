"""Normalization (adapted, or given its mean and variance), folded to ``x * scale + offset``
per channel and run by the BatchNormalization contract.

Keras computes ``(x - mean) / max(sqrt(variance), epsilon)``, or with ``invert=True``
``mean + x * max(sqrt(variance), epsilon)``; both are affine per channel, so the export keeps
``scale`` and ``offset`` as BatchNormalization does and the emulator, the contract and the gas
are BatchNormalization's. Only the channels (last) axis may be kept; ``epsilon`` is Keras'
``backend.epsilon()`` default, 1e-7 (the layer's config does not carry it).

The config keeps the channel count (a scalar mean or variance is broadcast to it).
Rebuilt as ``Normalization(invert=True)`` with mean=offset and variance=scale^2:
``offset + x * max(|scale|, epsilon)``, the folded map again (scale is never negative).
"""

import numpy as np

from eternal.layers.base import Tensor, register
from eternal.layers.batch_normalization import BatchNormalization

# Keras' backend.epsilon() default, the floor of the standard deviation in both versions.
KERAS_EPSILON = 1e-7


@register
class Normalization(BatchNormalization):
    class_name = "Normalization"

    def normalise(self, raw, input_shapes):
        axis = raw.get("axis", -1)
        axis = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
        rank = len(input_shapes[0]) + 1  # with the batch axis
        if len(axis) != 1 or axis[0] not in (-1, rank - 1):
            raise self.reject("axis", raw.get("axis"), "-1 (one mean and variance per channel, the last axis)")
        channels = int(input_shapes[0][-1])
        for key in ("mean", "variance"):
            if raw.get(key) is not None and np.size(raw[key]) not in (1, channels):
                raise self.reject(key, f"{np.size(raw[key])} values", f"1 or {channels} (the channels)")
        return {"channels": channels}  # a scalar mean or variance is broadcast to every channel

    def weights(self, config, arrays, raw):
        """``scale``, ``offset`` from the adapted weights (mean, variance, count) or the config's."""
        if arrays:
            self.expect_arrays(arrays, 3)
            mean, variance = (np.asarray(a, dtype=np.float64) for a in arrays[:2])
        elif raw.get("mean") is not None and raw.get("variance") is not None:
            mean, variance = (np.asarray(raw[key], dtype=np.float64) for key in ("mean", "variance"))
        else:
            raise self.reject("mean", None, "an adapted layer, or mean and variance given")
        if np.any(variance < 0):
            raise self.reject("variance", float(variance.min()), "values >= 0")
        channels = config["channels"]
        mean, variance = (np.broadcast_to(a.reshape(-1), (channels,)) for a in (mean, variance))
        deviation = np.maximum(np.sqrt(variance), KERAS_EPSILON)
        if raw.get("invert", False):
            return [Tensor("scale", deviation.copy()), Tensor("offset", mean.copy())]
        return [Tensor("scale", 1.0 / deviation), Tensor("offset", -mean / deviation)]

    def keras_config(self, config):
        return {"axis": -1, "invert": True}

    def keras_weights(self, arrays, config):
        """mean=offset, variance=scale^2, count=0 (an adapted layer's three weights)."""
        scale, offset = arrays
        return [offset, np.square(scale), np.asarray(0)]
