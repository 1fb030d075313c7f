"""DepthwiseConv2D (channels last, no dilation)."""

from eternal.layers.base import LayerType, Tensor, ints, register


@register
class DepthwiseConv2D(LayerType):
    class_name = "DepthwiseConv2D"

    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        self.no_dilation(raw)
        return {
            "kernel_size": ints(raw["kernel_size"]),
            "strides": ints(raw["strides"]),
            "padding": self.padding(raw),
            "depth_multiplier": int(raw.get("depth_multiplier", 1)),
            "activation": self.activation(raw),
            "use_bias": bool(raw["use_bias"]),
        }

    def weights(self, config, arrays):
        self.expect_arrays(arrays, 2 if config["use_bias"] else 1)
        tensors = [Tensor("depthwise_kernel", arrays[0])]
        if config["use_bias"]:
            tensors.append(Tensor("bias", arrays[1]))
        return tensors
