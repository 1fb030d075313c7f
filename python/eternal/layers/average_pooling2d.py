"""AveragePooling2D (with 'same' padding Keras averages over the valid cells only)."""

from eternal.layers.base import register
from eternal.layers.pooling2d_base import Pooling


@register
class AveragePooling2D(Pooling):
    class_name = "AveragePooling2D"
