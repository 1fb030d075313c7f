"""Concatenate along one axis (stored without the batch axis, counted from 0)."""

from eternal.layers.base import LayerType, register


@register
class Concatenate(LayerType):
    class_name = "Concatenate"

    def normalise(self, raw, input_shapes):
        rank = len(input_shapes[0])
        axis = int(raw.get("axis", -1))
        axis = axis + rank if axis < 0 else axis - 1  # Keras counts the batch axis
        if not 0 <= axis < rank:
            raise self.reject("axis", raw.get("axis"), f"an axis of the {rank}-d inputs")
        return {"axis": axis}
