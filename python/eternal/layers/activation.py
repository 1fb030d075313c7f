"""Activation: a standalone activation function."""

from eternal.layers.base import LayerType, register


@register
class Activation(LayerType):
    class_name = "Activation"

    def normalise(self, raw, input_shapes):
        return {"activation": self.activation(raw)}
