"""LeakyReLU (Keras 2 calls the slope ``alpha``, Keras 3 ``negative_slope``)."""

from eternal.layers.base import LayerType, canonical_float, register


@register
class LeakyReLU(LayerType):
    class_name = "LeakyReLU"

    def normalise(self, raw, input_shapes):
        slope = raw["negative_slope"] if "negative_slope" in raw else raw["alpha"]
        return {"negative_slope": canonical_float(slope)}
