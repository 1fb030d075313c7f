"""Conv2D (channels last, no dilation, one group)."""

from eternal.layers.base import LayerType, Tensor, ints, register


@register
class Conv2D(LayerType):
    class_name = "Conv2D"

    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        self.no_dilation(raw)
        if int(raw.get("groups", 1)) != 1:
            raise self.reject("groups", raw["groups"], "1")
        return {
            "filters": int(raw["filters"]),
            "kernel_size": ints(raw["kernel_size"]),
            "strides": ints(raw["strides"]),
            "padding": self.padding(raw),
            "activation": self.activation(raw),
            "use_bias": bool(raw["use_bias"]),
        }

    def weights(self, config, arrays):
        self.expect_arrays(arrays, 2 if config["use_bias"] else 1)
        tensors = [Tensor("kernel", arrays[0], "blocked")]
        if config["use_bias"]:
            tensors.append(Tensor("bias", arrays[1]))
        return tensors
