"""UpSampling2D and UpSampling1D (nearest), and RepeatVector: one contract, UpSampling2DLayer.

Output pixel (y, x) is input pixel (y // size_y, x // size_x). A 1D layer is its 2D twin over
an input of height 1; RepeatVector(n) is UpSampling2D((n, 1)) over a (1, 1, F) input (n copies
of the vector, one output row each).
"""

import numpy as np

from eternal.layers.abi import encode_words, header
from eternal.layers.base import LayerType, ints, register
from eternal.layers.spatial import as_2d


class Repeat(LayerType):
    """What the three share: the input as (H, W, C) and the repeats ``(size_y, size_x)``."""

    contract = "UpSampling2DLayer"

    def grid(self, config, input_shape) -> tuple[int, int, int, int, int]:
        """``(H, W, C, size_y, size_x)``."""
        raise NotImplementedError

    def forward(self, config, inputs, weights, frac):
        x = np.asarray(inputs[0], dtype=object)
        height, width, channels, sy, sx = self.grid(config, x.shape)
        out = np.repeat(np.repeat(x.reshape(height, width, channels), sy, axis=0), sx, axis=1)
        return out.reshape(self.output_shape(config, list(x.shape)))

    def output_shape(self, config, input_shape) -> tuple[int, ...]:
        height, width, channels, sy, sx = self.grid(config, input_shape)
        return (height * sy, width * sx, channels)

    def input_windows(self, config, input_shapes, start, end):
        """Whole input rows: output row r copies input row ``r // size_y``."""
        height, width, channels, sy, sx = self.grid(config, input_shapes[0])
        row = width * sx * channels
        first, last = start // row // sy, (end - 1) // row // sy + 1
        return [(first * width * channels, last * width * channels)]

    def abi_config(self, layer, input_shapes, graph):
        """``header, H, W, C, sizeY, sizeX``."""
        return encode_words(header(graph) + list(self.grid(layer["config"], input_shapes[0])))


@register
class UpSampling2D(Repeat):
    class_name = "UpSampling2D"

    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        interpolation = raw.get("interpolation", "nearest")
        if interpolation != "nearest":
            raise self.reject("interpolation", interpolation, "'nearest'")
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
