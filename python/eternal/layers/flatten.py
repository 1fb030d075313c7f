"""Flatten: a C-order reshape to one axis (a no-op on chain, where tensors are flat)."""

from eternal.layers.base import LayerType, register


@register
class Flatten(LayerType):
    class_name = "Flatten"

    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        return {}
