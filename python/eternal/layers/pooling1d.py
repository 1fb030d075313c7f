"""AveragePooling1D, GlobalAveragePooling1D and GlobalMaxPooling1D: their 2D twins over an
input of height 1 (an (L, C) tensor is a (1, L, C) one), on the 2D contracts."""

from eternal.layers.average_pooling2d import AveragePooling2D
from eternal.layers.base import register
from eternal.layers.global_pooling2d import GlobalAveragePooling2D, GlobalMaxPooling2D


@register
class AveragePooling1D(AveragePooling2D):
    class_name = "AveragePooling1D"
    one_d = True


@register
class GlobalAveragePooling1D(GlobalAveragePooling2D):
    class_name = "GlobalAveragePooling1D"
    one_d = True


@register
class GlobalMaxPooling1D(GlobalMaxPooling2D):
    class_name = "GlobalMaxPooling1D"
    one_d = True
