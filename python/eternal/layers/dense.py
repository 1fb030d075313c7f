"""Dense: ``activation(x @ kernel + bias)`` over the last axis."""

from eternal.layers.base import LayerType, Tensor, register


@register
class Dense(LayerType):
    class_name = "Dense"

    def normalise(self, raw, input_shapes):
        return {"units": int(raw["units"]), "activation": self.activation(raw), "use_bias": bool(raw["use_bias"])}

    def weights(self, config, arrays):
        self.expect_arrays(arrays, 2 if config["use_bias"] else 1)
        tensors = [Tensor("kernel", arrays[0], "blocked")]
        if config["use_bias"]:
            tensors.append(Tensor("bias", arrays[1]))
        return tensors
