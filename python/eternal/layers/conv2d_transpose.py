"""Conv2DTranspose and Conv1DTranspose (channels last, no dilation, no ``output_padding``).

Input pixel ``(i, j)`` adds ``x[i, j, c] * k[dy, dx, f, c]`` to output pixel ``(i sh + dy - top,
j sw + dx - left)`` for every tap that lands inside the output, the gradient of a Conv2D from the
output's size to the input's; then, per output value, ``rescale(sum, F + k_frac, F) + rescale(bias_f,
b_frac, F)`` and the activation, as Conv2D rounds. Output size: ``H sh`` ('same') or ``H sh +
max(kh - sh, 0)`` ('valid'); ``top = max((H - 1) sh + kh - OH, 0) // 2`` for 'same', 0 for 'valid'
(the same in width). The sums are exact integers, so any order gives the same outputs
(``Conv2DTransposeLayer`` gathers them per output value). Every input must be in [-2^160, 2^160)
(fixed point), where no sum can overflow; both sides refuse others.

The kernel is stored as Keras has it, ``(KH, KW, filters, C)`` (1D: ``(K, filters, C)``, the same
bytes as height 1), plain.
"""

import numpy as np

from eternal.fixedpoint import rescale_array
from eternal.layers.base import LayerType, Tensor, register
from eternal.layers.conv2d import Conv2D
from eternal.layers.spatial import apply_activation, as_2d, pair

INPUT_BITS = 160  # every input must be in [-2^160, 2^160) (fixed point)


def transposed_length(size: int, window: int, stride: int, padding: str) -> tuple[int, int]:
    """Output length and leading padding of one axis of a transposed convolution (Keras' rules)."""
    if padding == "same":
        out = size * stride
        return out, max((size - 1) * stride + window - out, 0) // 2
    return size * stride + max(window - stride, 0), 0


@register
class Conv2DTranspose(LayerType):
    class_name = "Conv2DTranspose"
    contract = "Conv2DTransposeLayer"
    one_d = False  # Conv1DTranspose: height 1

    def normalise(self, raw, input_shapes):
        """Conv2D's config (one spelling for both Keras versions); no dilation, no ``output_padding``."""
        if raw.get("output_padding") is not None:
            raise self.reject("output_padding", raw["output_padding"], "None")
        config = Conv2D.normalise(self, raw, input_shapes)
        if "dilation_rate" in config:
            raise self.reject("dilation_rate", raw.get("dilation_rate"), "1")
        return config

    def weights(self, config, arrays, raw):
        self.expect_arrays(arrays, 2 if config["use_bias"] else 1)
        tensors = [Tensor("kernel", arrays[0])]
        if config["use_bias"]:
            tensors.append(Tensor("bias", arrays[1]))
        return tensors

    def geometry(self, config: dict, input_shape) -> dict:
        height, width, channels = as_2d(list(input_shape))
        kh, kw = pair(config["kernel_size"], self.one_d)
        sh, sw = pair(config["strides"], self.one_d)
        oh, top = transposed_length(height, kh, sh, config["padding"])
        ow, left = transposed_length(width, kw, sw, config["padding"])
        if self.one_d:
            oh, top = 1, 0
        return {"h": height, "w": width, "c": channels, "kh": kh, "kw": kw, "sh": sh, "sw": sw,
                "oh": oh, "ow": ow, "top": top, "left": left}

    def input_windows(self, config, input_shapes, start, end):
        """The whole input (each output row may read any input row of its taps)."""
        return [(0, int(np.prod(input_shapes[0])))]

    def forward(self, config, inputs, weights, frac):
        g = self.geometry(config, inputs[0].shape)
        x = inputs[0].reshape(g["h"], g["w"], g["c"])
        self.expect_within(INPUT_BITS, "an input", x)
        filters = config["filters"]
        kernel = weights[0].values.astype(object).reshape(g["kh"], g["kw"], filters, g["c"])
        total = np.zeros((g["oh"], g["ow"], filters), dtype=object)
        for dy in range(g["kh"]):
            for dx in range(g["kw"]):
                taps = x.dot(kernel[dy, dx].T)  # (H, W, filters)
                for i in range(g["h"]):
                    oy = i * g["sh"] + dy - g["top"]
                    if not 0 <= oy < g["oh"]:
                        continue
                    for j in range(g["w"]):
                        ox = j * g["sw"] + dx - g["left"]
                        if 0 <= ox < g["ow"]:
                            total[oy, ox] += taps[i, j]
        out = rescale_array(total, frac + weights[0].frac_bits, frac)
        if config["use_bias"]:
            out = out + rescale_array(weights[1].values.astype(object), weights[1].frac_bits, frac)
        out = apply_activation(config["activation"], out, frac)
        return out.reshape(g["ow"], filters) if self.one_d else out

    # Conv2D's words (``header, H, W, C, KH, KW, filters, SH, SW, padTop, padLeft, OH, OW,
    # activation, kernel, bias``), with this layer's geometry: the transposed pads and output size.
    abi_config = Conv2D.abi_config


@register
class Conv1DTranspose(Conv2DTranspose):
    class_name = "Conv1DTranspose"
    one_d = True
