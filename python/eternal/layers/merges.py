"""Subtract, Average, Maximum, Minimum: elementwise over inputs of one shape, one contract.

They share ``MergeLayer`` (contracts/layers/MergeLayer.sol), an op code each in its config
(Add and Multiply are ops 4 and 5 there, for inputs that broadcast: merge_base.py).
Subtract is ``a - b`` and Maximum/Minimum are exact; Average is the pooling layers' mean,
``floor((2 sum + n) / 2n)`` (nearest, ties up: docs/FORMAT.md).
"""

import operator
from functools import reduce

import numpy as np

from eternal.errors import UnsupportedLayerError
from eternal.layers.base import register
from eternal.layers.merge_base import MERGE_CONTRACT, Elementwise
from eternal.layers.spatial import divide_round_half_up


class MergeOp(Elementwise):
    """``combine`` over the inputs, left to right (NumPy broadcasting them), then ``finish``."""

    contract = MERGE_CONTRACT
    combine = staticmethod(operator.add)

    def forward(self, config, inputs, weights, frac):
        return self.finish(reduce(self.combine, [np.asarray(x, dtype=object) for x in inputs]), len(inputs))

    def finish(self, combined, count: int):
        return combined


@register
class Subtract(MergeOp):
    class_name = "Subtract"
    op = 0
    combine = staticmethod(operator.sub)

    def normalise(self, raw, input_shapes):
        if len(input_shapes) != 2:
            raise UnsupportedLayerError(f"{self.where}: takes exactly 2 inputs, got {len(input_shapes)}")
        return super().normalise(raw, input_shapes)


@register
class Average(MergeOp):
    class_name = "Average"
    op = 1

    def finish(self, combined, count):
        return divide_round_half_up(combined, count)


@register
class Maximum(MergeOp):
    class_name = "Maximum"
    op = 2
    combine = staticmethod(np.maximum)


@register
class Minimum(MergeOp):
    class_name = "Minimum"
    op = 3
    combine = staticmethod(np.minimum)
