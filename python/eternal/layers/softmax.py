"""Softmax over the last axis."""

from eternal.layers.base import LayerType, register


@register
class Softmax(LayerType):
    class_name = "Softmax"

    def normalise(self, raw, input_shapes):
        axis = raw.get("axis", -1)
        axis = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
        if axis not in (-1, len(input_shapes[0])):
            raise self.reject("axis", axis, "-1 (the last axis)")
        return {}
