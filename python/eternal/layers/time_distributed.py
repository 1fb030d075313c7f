"""TimeDistributed over a layer that acts on the last axis alone (or is the identity).

Such a layer applied to each step of a ``(steps, ...)`` tensor is the same layer applied to the
whole tensor: Dense multiplies the last axis, the elementwise layers and the activations (softmax
over the last axis) work value by value, BatchNormalization and LayerNormalization per channel of
the last axis, and Flatten/Reshape/Dropout change nothing in a flat tensor. So the wrapper keeps
its inner layer's canonical config and weights and runs its inner layer's contract, emulator and
windows on the whole input; ``pull`` rebuilds the wrapper around the inner layer. A layer that
mixes values across steps' other axes (a convolution, a pooling) is refused.
"""

from eternal.layers.base import LayerType, lookup, register

POSITIONWISE = ("Dense", "Activation", "ReLU", "LeakyReLU", "Softmax", "BatchNormalization", "Rescaling",
                "LayerNormalization", "RMSNormalization", "Dropout", "Flatten", "Reshape", "ELU", "PReLU")


@register
class TimeDistributed(LayerType):
    class_name = "TimeDistributed"
    identity = True  # only when the inner layer is (contract_for gives None then)

    def _inner(self, config: dict) -> tuple[LayerType, dict]:
        inner = config["layer"]
        return lookup(inner["class_name"], self.name), inner["config"]

    def normalise(self, raw, input_shapes):
        inner = raw["layer"]
        class_name = inner["class_name"]
        if class_name not in POSITIONWISE:
            raise self.reject("layer", class_name, ", ".join(POSITIONWISE) + " (layers that act on the last axis)")
        if len(input_shapes[0]) < 2:
            raise self.reject("input shape", list(input_shapes[0]), "(steps, ...) with at least one axis per step")
        inner_type = lookup(class_name, self.name)
        return {"layer": {"class_name": class_name, "config": inner_type.normalise(inner["config"], [input_shapes[0][1:]])}}

    def weights(self, config, arrays, raw):
        inner_type, inner_config = self._inner(config)
        return inner_type.weights(inner_config, arrays, raw["layer"]["config"])

    def forward(self, config, inputs, weights, frac):
        inner_type, inner_config = self._inner(config)
        return inner_type.forward(inner_config, inputs, weights, frac)

    def contract_for(self, input_shapes, config=None):
        inner_type, inner_config = self._inner(config)
        return inner_type.contract_for(input_shapes, inner_config)

    def input_windows(self, config, input_shapes, start, end):
        inner_type, inner_config = self._inner(config)
        return inner_type.input_windows(inner_config, input_shapes, start, end)

    def abi_config(self, layer, input_shapes, graph):
        inner_type, inner_config = self._inner(layer["config"])
        return inner_type.abi_config({**layer, "config": inner_config}, input_shapes, graph)

    def make_keras_layer(self, keras, config: dict, name: str):
        """``TimeDistributed(inner)``, the inner layer rebuilt from its canonical config."""
        inner_type, inner_config = self._inner(config)
        inner = getattr(keras.layers, config["layer"]["class_name"])(**inner_type.keras3_config(keras, inner_config), name=f"{name}_inner")
        return keras.layers.TimeDistributed(inner, name=name)

    def keras_weights(self, arrays, config):
        inner_type, inner_config = self._inner(config)
        return inner_type.keras_weights(arrays, inner_config)
