"""ZeroPadding2D: ``[[top, bottom], [left, right]]`` zeros around the image."""

import numpy as np

from eternal.layers.base import LayerType, register
from eternal.layers.abi import encode_words, header
from eternal.layers.spatial import as_2d, pad_zeros


@register
class ZeroPadding2D(LayerType):
    class_name = "ZeroPadding2D"
    contract = "ZeroPadding2DLayer"

    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        padding = np.broadcast_to(np.asarray(raw["padding"], dtype=np.int64).reshape(-1, 1) if np.ndim(raw["padding"]) < 2 else np.asarray(raw["padding"]), (2, 2))
        return {"padding": [[int(v) for v in row] for row in padding]}

    def forward(self, config, inputs, weights, frac):
        (top, bottom), (left, right) = config["padding"]
        return pad_zeros(inputs[0], top, bottom, left, right)

    def input_windows(self, config, input_shapes, start, end):
        """The input rows whose padded output rows ``[start, end)`` touches (ZeroPadding2DLayer._rows)."""
        height, width, channels = as_2d(list(input_shapes[0]))
        (top, _), (left, right) = config["padding"]
        row = (left + width + right) * channels
        first = max(0, start // row - top)
        last = min(height, max(0, (end - 1) // row + 1 - top))
        return [(first * width * channels, max(first, last) * width * channels)]

    def keras_config(self, config):
        return {**config, "padding": tuple(tuple(row) for row in config["padding"])}

    def abi_config(self, layer, input_shapes, graph):
        """``header, H, W, C, top, bottom, left, right``."""
        height, width, channels = as_2d(list(input_shapes[0]))
        (top, bottom), (left, right) = layer["config"]["padding"]
        return encode_words(header(graph) + [height, width, channels, top, bottom, left, right])
