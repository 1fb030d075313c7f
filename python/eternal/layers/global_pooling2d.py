"""GlobalAveragePooling2D and GlobalMaxPooling2D: one value per channel."""

from eternal.layers.base import LayerType, register


class GlobalPooling2D(LayerType):
    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        return {"keepdims": bool(raw.get("keepdims", False))}


@register
class GlobalAveragePooling2D(GlobalPooling2D):
    class_name = "GlobalAveragePooling2D"


@register
class GlobalMaxPooling2D(GlobalPooling2D):
    class_name = "GlobalMaxPooling2D"
