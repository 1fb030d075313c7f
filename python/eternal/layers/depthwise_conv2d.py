"""DepthwiseConv2D and DepthwiseConv1D (channels last; dilated kernels as in
``eternal.layers.dilation``): output channel ``c * depth_multiplier + m``.

DepthwiseConv1D is DepthwiseConv2D with height 1 (the same contract): its kernel ``(k, C, M)`` is
stored exactly as a ``(1, k, C, M)`` DepthwiseConv2D kernel would be.
"""

import numpy as np

from eternal.fixedpoint import rescale_array
from eternal.layers.base import LayerType, Tensor, ints, register
from eternal.layers.abi import activation_code, encode_words, header, tensor_ref
from eternal.layers.dilation import dilation_config, effective_size, expand, thin
from eternal.layers.spatial import apply_activation, as_2d, pad_zeros, pair, row_window, window_geometry


@register
class DepthwiseConv2D(LayerType):
    class_name = "DepthwiseConv2D"
    contract = "DepthwiseConv2DLayer"
    one_d = False  # DepthwiseConv1D: height 1

    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        return {
            "kernel_size": ints(raw["kernel_size"]),
            "strides": ints(raw["strides"]),
            "padding": self.padding(raw),
            "depth_multiplier": int(raw.get("depth_multiplier", 1)),
            "activation": self.activation(raw),
            "use_bias": bool(raw["use_bias"]),
            **dilation_config(self, raw, 1 if self.one_d else 2),
        }

    def weights(self, config, arrays, raw):
        self.expect_arrays(arrays, 2 if config["use_bias"] else 1)
        tensors = [Tensor("depthwise_kernel", expand(arrays[0], config))]
        if config["use_bias"]:
            tensors.append(Tensor("bias", arrays[1]))
        return tensors

    def geometry(self, config: dict, input_shape) -> dict:
        height, width, channels = as_2d(list(input_shape))
        kh, kw = pair(effective_size(config), self.one_d)
        sh, sw = pair(config["strides"], self.one_d)
        oh, top = window_geometry(height, kh, sh, config["padding"])
        ow, left = window_geometry(width, kw, sw, config["padding"])
        return {"h": height, "w": width, "c": channels, "kh": kh, "kw": kw, "sh": sh, "sw": sw,
                "oh": oh, "ow": ow, "top": top, "left": left}

    def input_windows(self, config, input_shapes, start, end):
        """The input rows under the output rows of ``[start, end)``."""
        g = self.geometry(config, input_shapes[0])
        return [row_window(g, g["kh"], g["c"] * config["depth_multiplier"], start, end)]

    def forward(self, config, inputs, weights, frac):
        g = self.geometry(config, inputs[0].shape)
        multiplier = config["depth_multiplier"]
        bottom = max((g["oh"] - 1) * g["sh"] + g["kh"] - g["h"] - g["top"], 0)
        right = max((g["ow"] - 1) * g["sw"] + g["kw"] - g["w"] - g["left"], 0)
        padded = pad_zeros(inputs[0].reshape(g["h"], g["w"], g["c"]), g["top"], bottom, g["left"], right)
        kernel = weights[0].values.astype(object).reshape(g["kh"], g["kw"], g["c"], multiplier)
        total = np.empty((g["oh"], g["ow"], g["c"], multiplier), dtype=object)
        for i in range(g["oh"]):
            for j in range(g["ow"]):
                y, z = i * g["sh"], j * g["sw"]
                window = padded[y : y + g["kh"], z : z + g["kw"], :]  # (kh, kw, C)
                total[i, j] = (window[:, :, :, None] * kernel).sum(axis=(0, 1))
        out = rescale_array(total.reshape(g["oh"], g["ow"], -1), frac + weights[0].frac_bits, frac)
        if config["use_bias"]:
            out = out + rescale_array(weights[1].values.astype(object), weights[1].frac_bits, frac)
        out = apply_activation(config["activation"], out, frac)
        return out.reshape(g["ow"], -1) if self.one_d else out

    def abi_config(self, layer, input_shapes, graph):
        """``header, H, W, C, KH, KW, multiplier, SH, SW, padTop, padLeft, OH, OW, activation, kernel, bias``."""
        config = layer["config"]
        g = self.geometry(config, input_shapes[0])
        tensors = {w["name"]: w for w in layer["weights"]}
        return encode_words(header(graph) + [
            g["h"], g["w"], g["c"], g["kh"], g["kw"], config["depth_multiplier"], g["sh"], g["sw"],
            g["top"], g["left"], g["oh"], g["ow"], activation_code(config["activation"]),
            tensor_ref(tensors["depthwise_kernel"]), tensor_ref(tensors.get("bias")),
        ])

    def keras_weights(self, arrays, config):
        return [thin(arrays[0], config), *arrays[1:]]


@register
class DepthwiseConv1D(DepthwiseConv2D):
    class_name = "DepthwiseConv1D"
    one_d = True
