"""Add: elementwise sum of its inputs."""

from eternal.layers.base import register
from eternal.layers.merge_base import Elementwise


@register
class Add(Elementwise):
    class_name = "Add"
    contract = "AddLayer"
    op = 4

    def forward(self, config, inputs, weights, frac):
        total = inputs[0].astype(object)
        for x in inputs[1:]:
            total = total + x.astype(object)
        return total
