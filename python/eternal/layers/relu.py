"""ReLU: ``max_value``, ``negative_slope`` and ``threshold`` as in Keras."""

from eternal.layers.base import LayerType, canonical_float, register


@register
class ReLU(LayerType):
    class_name = "ReLU"

    def normalise(self, raw, input_shapes):
        max_value = raw.get("max_value")
        return {
            "max_value": None if max_value is None else canonical_float(max_value),
            "negative_slope": canonical_float(raw.get("negative_slope", 0.0)),
            "threshold": canonical_float(raw.get("threshold", 0.0)),
        }
