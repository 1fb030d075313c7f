"""Dropout: the identity at inference."""

from eternal.layers.base import LayerType, register


@register
class Dropout(LayerType):
    class_name = "Dropout"
