"""MaxPooling2D."""

from eternal.layers.base import register
from eternal.layers.pooling2d_base import Pooling


@register
class MaxPooling2D(Pooling):
    class_name = "MaxPooling2D"
    contract = "MaxPooling2DLayer"

    def reduce(self, window):
        return window.max(axis=0)
