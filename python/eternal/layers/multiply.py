"""Multiply: elementwise product of its inputs."""

from eternal.layers.base import register
from eternal.layers.merge_base import Elementwise


@register
class Multiply(Elementwise):
    class_name = "Multiply"
