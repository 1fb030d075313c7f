"""Softmax over the last axis."""

from eternal.activations import apply_activation
from eternal.layers.base import LayerType, register
from eternal.layers.abi import encode_words, header


@register
class Softmax(LayerType):
    class_name = "Softmax"
    contract = "SoftmaxLayer"

    def forward(self, config, inputs, weights, frac):
        return apply_activation("softmax", inputs[0], frac)

    def abi_config(self, layer, input_shapes, graph):
        """``header, axis`` (the length of the last axis)."""
        return encode_words(header(graph) + [int(input_shapes[0][-1])])

    def normalise(self, raw, input_shapes):
        axis = raw.get("axis", -1)
        axis = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
        if axis not in (-1, len(input_shapes[0])):
            raise self.reject("axis", axis, "-1 (the last axis)")
        return {}
