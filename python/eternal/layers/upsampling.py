"""UpSampling2D (nearest and bilinear) and UpSampling1D, and RepeatVector: one contract,
UpSampling2DLayer.

Nearest: output pixel (y, x) is input pixel (y // size_y, x // size_x). A 1D layer is its 2D
twin over an input of height 1; RepeatVector(n) is UpSampling2D((n, 1)) over a (1, 1, F) input
(n copies of the vector, one output row each).

Bilinear (TensorFlow's ``resize`` with half-pixel centres, as both Keras versions call it):
output row y samples input row ``(2y + 1 - s) / 2s`` (s = size_y), between rows ``floor`` and
``floor + 1`` (both clamped into the input) with weights ``2s - f`` and ``f`` (f = the numerator
``(2y + 1 - s) mod 2s``); columns likewise. The sum of the four weighted pixels is divided by
``4 s t`` once, nearest with ties up (``spatial.divide_round_half_up``, as the averages).
"""

import numpy as np

from eternal.layers.abi import encode_words, header
from eternal.layers.base import LayerType, ints, register
from eternal.layers.spatial import as_2d, divide_round_half_up

BILINEAR = 1  # the config word after the sizes (absent: nearest)


def bilinear_taps(count: int, size: int, scale: int) -> list[tuple[int, int, int, int]]:
    """``(lower, upper, lower weight, upper weight)`` of each of ``count`` output positions along
    an input axis of ``size``, weights out of ``2 scale`` (UpSampling2DLayer._tap)."""
    taps = []
    for y in range(count):
        low, frac = divmod(2 * y + 1 - scale, 2 * scale)
        taps.append((min(max(low, 0), size - 1), min(max(low + 1, 0), size - 1), 2 * scale - frac, frac))
    return taps


class Repeat(LayerType):
    """What the three share: the input as (H, W, C) and the repeats ``(size_y, size_x)``."""

    contract = "UpSampling2DLayer"

    def grid(self, config, input_shape) -> tuple[int, int, int, int, int]:
        """``(H, W, C, size_y, size_x)``."""
        raise NotImplementedError

    def forward(self, config, inputs, weights, frac):
        x = np.asarray(inputs[0], dtype=object)
        height, width, channels, sy, sx = self.grid(config, x.shape)
        x = x.reshape(height, width, channels)
        if config.get("interpolation") == "bilinear":
            out = np.empty((height * sy, width * sx, channels), dtype=object)
            columns = bilinear_taps(width * sx, width, sx)
            for y, (y0, y1, wy0, wy1) in enumerate(bilinear_taps(height * sy, height, sy)):
                for j, (x0, x1, wx0, wx1) in enumerate(columns):
                    total = wy0 * (wx0 * x[y0, x0] + wx1 * x[y0, x1]) + wy1 * (wx0 * x[y1, x0] + wx1 * x[y1, x1])
                    out[y, j] = divide_round_half_up(total, 4 * sy * sx)
        else:
            out = np.repeat(np.repeat(x, sy, axis=0), sx, axis=1)
        return out.reshape(self.output_shape(config, list(inputs[0].shape)))

    def output_shape(self, config, input_shape) -> tuple[int, ...]:
        height, width, channels, sy, sx = self.grid(config, input_shape)
        return (height * sy, width * sx, channels)

    def input_windows(self, config, input_shapes, start, end):
        """Whole input rows: output row r copies input row ``r // size_y`` (bilinear: it reads the
        input rows of its taps)."""
        height, width, channels, sy, sx = self.grid(config, input_shapes[0])
        row = width * sx * channels
        first, last = start // row, (end - 1) // row
        if config.get("interpolation") == "bilinear":
            taps = bilinear_taps(height * sy, height, sy)
            return [(taps[first][0] * width * channels, (taps[last][1] + 1) * width * channels)]
        return [(first // sy * width * channels, (last // sy + 1) * width * channels)]

    def abi_config(self, layer, input_shapes, graph):
        """``header, H, W, C, sizeY, sizeX``, then ``1`` for bilinear (nearest: nothing)."""
        words = header(graph) + list(self.grid(layer["config"], input_shapes[0]))
        return encode_words(words + [BILINEAR] * (layer["config"].get("interpolation") == "bilinear"))


@register
class UpSampling2D(Repeat):
    class_name = "UpSampling2D"

    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        interpolation = raw.get("interpolation", "nearest")
        if interpolation not in ("nearest", "bilinear"):
            raise self.reject("interpolation", interpolation, "'nearest', 'bilinear'")
        size = ints(raw["size"])
        return {"size": size * 2 if len(size) == 1 else size, "interpolation": interpolation}

    def grid(self, config, input_shape):
        return (*as_2d(list(input_shape)), *config["size"])

    def keras_config(self, config):
        return {**config, "size": tuple(config["size"])}


@register
class UpSampling1D(Repeat):
    class_name = "UpSampling1D"

    def normalise(self, raw, input_shapes):
        return {"size": ints(raw["size"])[0]}

    def grid(self, config, input_shape):
        _, width, channels = as_2d(list(input_shape))
        return 1, width, channels, 1, config["size"]

    def output_shape(self, config, input_shape):
        return (input_shape[0] * config["size"], input_shape[1])


@register
class RepeatVector(Repeat):
    class_name = "RepeatVector"

    def normalise(self, raw, input_shapes):
        return {"n": int(raw["n"])}

    def grid(self, config, input_shape):
        return 1, 1, int(input_shape[0]), config["n"], 1

    def output_shape(self, config, input_shape):
        return (config["n"], input_shape[0])
