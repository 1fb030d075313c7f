"""Rescaling: ``x * scale + offset`` with scalar scale and offset."""

import numpy as np

from eternal.layers.base import LayerType, canonical_float, register


@register
class Rescaling(LayerType):
    class_name = "Rescaling"

    def normalise(self, raw, input_shapes):
        for key in ("scale", "offset"):
            if np.ndim(raw[key]) != 0 and np.size(raw[key]) != 1:
                raise self.reject(key, raw[key], "a single number")
        return {"scale": canonical_float(np.ravel(raw["scale"])[0]), "offset": canonical_float(np.ravel(raw["offset"])[0])}
