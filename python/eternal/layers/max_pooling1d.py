"""MaxPooling1D: MaxPooling2D with height 1 (same contract logic)."""

from eternal.layers.base import register
from eternal.layers.max_pooling2d import MaxPooling2D


@register
class MaxPooling1D(MaxPooling2D):
    class_name = "MaxPooling1D"
    contract = "MaxPooling1DLayer"
    one_d = True
