"""Add: elementwise sum of its inputs."""

from eternal.layers.base import register
from eternal.layers.merge_base import Elementwise


@register
class Add(Elementwise):
    class_name = "Add"
