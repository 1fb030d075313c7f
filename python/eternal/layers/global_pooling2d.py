"""GlobalAveragePooling2D and GlobalMaxPooling2D: one value per channel.

The average rounds like AveragePooling2D (nearest, ties up). ``keepdims`` only
changes the shape ((1, 1, C), or (1, C) for the 1D twins), not the flat values.
"""

import numpy as np

from eternal.layers.base import LayerType, register
from eternal.layers.abi import encode_words, header
from eternal.layers.spatial import as_2d, divide_round_half_up


class GlobalPooling2D(LayerType):
    one_d = False

    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        return {"keepdims": bool(raw.get("keepdims", False))}

    def reduce(self, cells: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward(self, config, inputs, weights, frac):
        x = inputs[0]
        height, width, channels = as_2d(list(x.shape))
        out = self.reduce(x.reshape(height * width, channels))
        kept = (1, channels) if self.one_d else (1, 1, channels)
        return out.reshape(kept if config["keepdims"] else (channels,))

    def input_windows(self, config, input_shapes, start, end):
        """Channels ``[start, end)`` of every cell: from cell 0's ``start`` to the last cell's ``end``."""
        height, width, channels = as_2d(list(input_shapes[0]))
        return [(start, (height * width - 1) * channels + end)]

    def abi_config(self, layer, input_shapes, graph):
        """``header, cells (H*W), C``."""
        height, width, channels = as_2d(list(input_shapes[0]))
        return encode_words(header(graph) + [height * width, channels])


@register
class GlobalAveragePooling2D(GlobalPooling2D):
    class_name = "GlobalAveragePooling2D"
    contract = "GlobalAveragePooling2DLayer"

    def reduce(self, cells):
        return divide_round_half_up(cells.sum(axis=0), cells.shape[0])


@register
class GlobalMaxPooling2D(GlobalPooling2D):
    class_name = "GlobalMaxPooling2D"
    contract = "GlobalMaxPooling2DLayer"

    def reduce(self, cells):
        return cells.max(axis=0)
