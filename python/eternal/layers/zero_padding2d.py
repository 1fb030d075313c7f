"""ZeroPadding2D and ZeroPadding1D, Cropping2D and Cropping1D: one window copy.

Every one of them is ZeroPadding2DLayer with signed edges ``top, bottom, left, right``: a
positive edge adds that many rows or columns of zeros, a negative one crops them (output
pixel (y, x) copies input pixel (y - top, x - left), or is 0 outside the input). A 1D layer
is its 2D twin over an input of height 1 (an (L, C) tensor is a (1, L, C) one).
"""

import numpy as np

from eternal.errors import UnsupportedLayerError
from eternal.layers.base import LayerType, register
from eternal.layers.abi import encode_words, header
from eternal.layers.spatial import as_2d, pad_zeros


def window_rows(input_shape, edges, start: int, end: int) -> tuple[int, int]:
    """The input elements output elements ``[start, end)`` read (ZeroPadding2DLayer._rows): whole
    input rows ``y`` whose output row ``y + top`` meets the range."""
    height, width, channels = as_2d(list(input_shape))
    top, _, left, right = edges
    row = (left + width + right) * channels
    first = min(height, max(0, start // row - top))
    last = min(height, max(0, (end - 1) // row + 1 - top))
    return first * width * channels, max(first, last) * width * channels


class WindowCopy(LayerType):
    """What the padding and cropping layers share; subclasses say how Keras spells the edges."""

    contract = "ZeroPadding2DLayer"
    one_d = False
    sign = 1  # +1: the config's numbers are zeros added; -1: rows and columns cropped

    def pairs(self, raw) -> list[list[int]]:
        """``[[top, bottom], [left, right]]`` (1D: ``[[left, right]]``) from Keras' int, pair or pairs."""
        value = np.asarray(raw[self.option], dtype=np.int64)
        axes = 1 if self.one_d else 2
        if value.ndim == 0:
            value = np.full((axes, 2), int(value))
        elif value.ndim == 1 and not self.one_d:
            value = np.repeat(value.reshape(axes, 1), 2, axis=1)
        value = value.reshape(axes, 2)
        if (value < 0).any():
            raise self.reject(self.option, raw[self.option], "non-negative sizes")
        return [[int(v) for v in row] for row in value]

    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        config = {self.option: self.pairs(raw)}
        height, width, _ = as_2d(list(input_shapes[0]))
        top, bottom, left, right = self.edges(config)
        if height + top + bottom <= 0 or width + left + right <= 0:
            raise UnsupportedLayerError(f"{self.where}: `{self.option}={raw[self.option]!r}` crops away the whole input "
                                        f"of shape {tuple(input_shapes[0])}")
        return config

    def edges(self, config) -> tuple[int, int, int, int]:
        """Signed ``(top, bottom, left, right)``: zeros added (> 0) or cropped (< 0)."""
        rows = [[0, 0]] * self.one_d + config[self.option]
        (top, bottom), (left, right) = rows
        return tuple(self.sign * v for v in (top, bottom, left, right))

    def forward(self, config, inputs, weights, frac):
        x = np.asarray(inputs[0], dtype=object)
        height, width, channels = as_2d(list(x.shape))
        top, bottom, left, right = self.edges(config)
        out = pad_zeros(x.reshape(height, width, channels), max(top, 0), max(bottom, 0), max(left, 0), max(right, 0))
        out = out[max(-top, 0) : out.shape[0] - max(-bottom, 0), max(-left, 0) : out.shape[1] - max(-right, 0)]
        return out.reshape(out.shape[1:]) if self.one_d else out

    def input_windows(self, config, input_shapes, start, end):
        """Whole input rows under the output rows of ``[start, end)``."""
        return [window_rows(input_shapes[0], self.edges(config), start, end)]

    def keras_config(self, config):
        value = config[self.option]
        return {**config, self.option: tuple(value[0]) if self.one_d else tuple(tuple(row) for row in value)}

    def abi_config(self, layer, input_shapes, graph):
        """``header, H, W, C, top, bottom, left, right`` (int256 edges: < 0 crops)."""
        height, width, channels = as_2d(list(input_shapes[0]))
        return encode_words(header(graph) + [height, width, channels, *self.edges(layer["config"])])


@register
class ZeroPadding2D(WindowCopy):
    class_name = "ZeroPadding2D"
    option = "padding"


@register
class ZeroPadding1D(WindowCopy):
    class_name = "ZeroPadding1D"
    option = "padding"
    one_d = True


@register
class Cropping2D(WindowCopy):
    class_name = "Cropping2D"
    option = "cropping"
    sign = -1


@register
class Cropping1D(WindowCopy):
    class_name = "Cropping1D"
    option = "cropping"
    one_d = True
    sign = -1
