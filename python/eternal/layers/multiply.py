"""Multiply: elementwise product of its inputs."""

from eternal.fixedpoint import rescale_array
from eternal.layers.base import register
from eternal.layers.merge_base import Elementwise


@register
class Multiply(Elementwise):
    class_name = "Multiply"
    contract = "MultiplyLayer"
    op = 5

    def forward(self, config, inputs, weights, frac):
        """Left to right, each product rescaled from 2F to F: ``rescale(rescale(a*b)*c)``."""
        product = inputs[0].astype(object)
        for x in inputs[1:]:
            product = rescale_array(product * x.astype(object), 2 * frac, frac)
        return product
