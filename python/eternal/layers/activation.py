"""Activation: a standalone activation function."""

from eternal.activations import apply_activation
from eternal.layers.base import LayerType, register
from eternal.layers.abi import activation_code, encode_words, header


@register
class Activation(LayerType):
    class_name = "Activation"
    contract = "ActivationLayer"

    def normalise(self, raw, input_shapes):
        return {"activation": self.activation(raw)}

    def forward(self, config, inputs, weights, frac):
        return apply_activation(config["activation"], inputs[0], frac)

    def input_windows(self, config, input_shapes, start, end):
        """``[start, end)``; for softmax and log_softmax, the whole runs of the last axis that cover it."""
        if config["activation"] not in ("softmax", "log_softmax"):
            return [(start, end)]
        shape = input_shapes[0]
        axis = int(shape[-1]) if shape else 1
        return [(start - start % axis, end + (axis - end % axis) % axis)]

    def abi_config(self, layer, input_shapes, graph):
        """``header, activation, axis`` (axis: length of the last axis, for softmax and log_softmax)."""
        shape = input_shapes[0]
        axis = int(shape[-1]) if shape else 1
        return encode_words(header(graph) + [activation_code(layer["config"]["activation"]), axis])
