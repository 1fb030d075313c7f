"""GRU with ``reset_after=True`` (the Keras default; gate order z, r, h)."""

from eternal.layers.base import register
from eternal.layers.recurrent_base import Recurrent


@register
class GRU(Recurrent):
    class_name = "GRU"

    def normalise(self, raw, input_shapes):
        if not raw.get("reset_after", True):
            raise self.reject("reset_after", False, "True")
        return super().normalise(raw, input_shapes)
