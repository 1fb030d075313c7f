"""Subtract, Average, Maximum, Minimum: elementwise over inputs of one shape, one contract.

They share ``MergeLayer`` (contracts/layers/MergeLayer.sol), an op code each in its config.
Subtract is ``a - b`` and Maximum/Minimum are exact; Average is the pooling layers' mean,
``floor((2 sum + n) / 2n)`` (nearest, ties up: docs/FORMAT.md).
"""

from functools import reduce

import numpy as np

from eternal.errors import UnsupportedLayerError
from eternal.layers.base import register
from eternal.layers.merge_base import Elementwise
from eternal.layers.spatial import divide_round_half_up


class MergeOp(Elementwise):
    contract = "MergeLayer"


@register
class Subtract(MergeOp):
    class_name = "Subtract"
    op = 0

    def normalise(self, raw, input_shapes):
        if len(input_shapes) != 2:
            raise UnsupportedLayerError(f"{self.where}: takes exactly 2 inputs, got {len(input_shapes)}")
        return super().normalise(raw, input_shapes)

    def forward(self, config, inputs, weights, frac):
        return inputs[0].astype(object) - inputs[1].astype(object)


@register
class Average(MergeOp):
    class_name = "Average"
    op = 1

    def forward(self, config, inputs, weights, frac):
        total = reduce(lambda a, b: a + b, [x.astype(object) for x in inputs])
        return divide_round_half_up(total, len(inputs))


@register
class Maximum(MergeOp):
    class_name = "Maximum"
    op = 2

    def forward(self, config, inputs, weights, frac):
        return reduce(np.maximum, [x.astype(object) for x in inputs])


@register
class Minimum(MergeOp):
    class_name = "Minimum"
    op = 3

    def forward(self, config, inputs, weights, frac):
        return reduce(np.minimum, [x.astype(object) for x in inputs])
