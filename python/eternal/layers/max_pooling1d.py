"""MaxPooling1D."""

from eternal.layers.base import register
from eternal.layers.pooling2d_base import Pooling


@register
class MaxPooling1D(Pooling):
    class_name = "MaxPooling1D"
