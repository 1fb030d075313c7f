"""Conv2D (channels last, one group; dilated kernels as in ``eternal.layers.dilation``)."""

import numpy as np

from eternal.fixedpoint import rescale_array
from eternal.layers.base import LayerType, Tensor, ints, register
from eternal.layers.abi import activation_code, encode_words, header, tensor_ref
from eternal.layers.dilation import dilation_config, effective_size, expand, thin
from eternal.layers.spatial import apply_activation, as_2d, pad_zeros, pair, row_window, window_geometry


@register
class Conv2D(LayerType):
    class_name = "Conv2D"
    contract = "Conv2DLayer"
    # Conv1D is this layer with height 1 (same contract, same weight layout).
    one_d = False

    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        if int(raw.get("groups", 1)) != 1:
            raise self.reject("groups", raw["groups"], "1")
        return {
            "filters": int(raw["filters"]),
            "kernel_size": ints(raw["kernel_size"]),
            "strides": ints(raw["strides"]),
            "padding": self.padding(raw),
            "activation": self.activation(raw),
            "use_bias": bool(raw["use_bias"]),
            **dilation_config(self, raw, 1 if self.one_d else 2),
        }

    def weights(self, config, arrays, raw):
        self.expect_arrays(arrays, 2 if config["use_bias"] else 1)
        tensors = [Tensor("kernel", expand(arrays[0], config), "blocked")]
        if config["use_bias"]:
            tensors.append(Tensor("bias", arrays[1]))
        return tensors

    def geometry(self, config: dict, input_shape) -> dict:
        """Input size, window, strides, output size and leading padding, in 2D terms."""
        height, width, channels = as_2d(list(input_shape))
        kh, kw = pair(effective_size(config), self.one_d)
        sh, sw = pair(config["strides"], self.one_d)
        oh, top = window_geometry(height, kh, sh, config["padding"])
        ow, left = window_geometry(width, kw, sw, config["padding"])
        return {"h": height, "w": width, "c": channels, "kh": kh, "kw": kw, "sh": sh, "sw": sw,
                "oh": oh, "ow": ow, "top": top, "left": left}

    def input_windows(self, config, input_shapes, start, end):
        """The input rows under the output rows of ``[start, end)`` (Conv1D: its one row, the whole input)."""
        g = self.geometry(config, input_shapes[0])
        return [row_window(g, g["kh"], config["filters"], start, end)]

    def filter_block(self, config):
        """32 filters: a whole number of the kernel's blocks (256/L filters a word: 32, 16 or 8).
        Conv2DLayer computes only the blocks of a partial position's filters, but under a
        softmax over the channels, which needs them all (whole positions: None)."""
        return None if config["activation"] == "softmax" else 32

    def forward(self, config, inputs, weights, frac):
        x = inputs[0]
        g = self.geometry(config, x.shape)
        x = x.reshape(g["h"], g["w"], g["c"])
        bottom = max((g["oh"] - 1) * g["sh"] + g["kh"] - g["h"] - g["top"], 0)
        right = max((g["ow"] - 1) * g["sw"] + g["kw"] - g["w"] - g["left"], 0)
        padded = pad_zeros(x, g["top"], bottom, g["left"], right)
        rows = g["kh"] * g["kw"] * g["c"]
        # im2col: one row of kh*kw*cin taps per output position, in the kernel's C order.
        patches = np.empty((g["oh"] * g["ow"], rows), dtype=object)
        for i in range(g["oh"]):
            for j in range(g["ow"]):
                y, z = i * g["sh"], j * g["sw"]
                patches[i * g["ow"] + j] = padded[y : y + g["kh"], z : z + g["kw"], :].reshape(-1)
        kernel = weights[0]
        total = patches.dot(kernel.values.reshape(rows, -1).astype(object))
        out = rescale_array(total, frac + kernel.frac_bits, frac)
        if config["use_bias"]:
            bias = weights[1]
            out = out + rescale_array(bias.values.astype(object), bias.frac_bits, frac)
        out = apply_activation(config["activation"], out, frac)
        shape = (g["ow"], config["filters"]) if self.one_d else (g["oh"], g["ow"], config["filters"])
        return out.reshape(shape)

    def abi_config(self, layer, input_shapes, graph):
        """``header, H, W, C, KH, KW, filters, SH, SW, padTop, padLeft, OH, OW, activation, kernel, bias``."""
        config = layer["config"]
        g = self.geometry(config, input_shapes[0])
        tensors = {w["name"]: w for w in layer["weights"]}
        return encode_words(header(graph) + [
            g["h"], g["w"], g["c"], g["kh"], g["kw"], config["filters"], g["sh"], g["sw"],
            g["top"], g["left"], g["oh"], g["ow"], activation_code(config["activation"]),
            tensor_ref(tensors["kernel"]), tensor_ref(tensors.get("bias")),
        ])

    def keras_weights(self, arrays, config):
        return [thin(arrays[0], config), *arrays[1:]]
