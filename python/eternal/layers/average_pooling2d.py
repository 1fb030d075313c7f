"""AveragePooling2D (with 'same' padding Keras averages over the valid cells only).

The mean is the sum of the valid cells divided by their count, rounded to the
nearest integer with ties up (``spatial.divide_round_half_up``), as on chain.
"""

from eternal.layers.base import register
from eternal.layers.pooling2d_base import Pooling
from eternal.layers.spatial import divide_round_half_up


@register
class AveragePooling2D(Pooling):
    class_name = "AveragePooling2D"
    contract = "AveragePooling2DLayer"

    def reduce(self, window):
        return divide_round_half_up(window.sum(axis=0), window.shape[0])
