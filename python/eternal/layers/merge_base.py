"""What the elementwise merges (Add, Multiply, Subtract, Average, Maximum, Minimum) share:
two or more inputs, elementwise, broadcast as Keras (NumPy) broadcasts them when an input's
values repeat along the output's leading axes.

An input of shape ``(1, 1, C)``, ``(C,)`` or ``(1, W, C)`` against ``(H, W, C)`` (a
squeeze-and-excite block's scale) is such an input: output value ``i`` reads its value
``i % n``, ``n`` its number of values. Inputs that all have the output's shape run on their
layer's own contract (``AddLayer``, ``MultiplyLayer``: their loops unchanged); any broadcast
runs on ``MergeLayer``, which takes every merge by op code and a period per input.
"""

import math

from eth_abi import encode

from eternal.errors import UnsupportedLayerError
from eternal.layers.base import LayerType
from eternal.layers.abi import header

# The contract of every merge with a broadcast input, and of Subtract/Average/Maximum/Minimum.
MERGE_CONTRACT = "MergeLayer"


class Elementwise(LayerType):
    # The op code in MergeLayer's config (contracts/layers/MergeLayer.sol).
    op: int = -1

    def normalise(self, raw, input_shapes):
        if len(input_shapes) < 2 or not self._repeats(input_shapes):
            raise UnsupportedLayerError(
                f"{self.where}: inputs of shapes {input_shapes} are not supported. Supported: two or more inputs "
                "of one shape, or inputs broadcast along leading axes only (e.g. (H, W, C) with (1, 1, C))"
            )
        return {}

    @staticmethod
    def _output_shape(input_shapes) -> list[int]:
        rank = max(len(shape) for shape in input_shapes)
        padded = [[1] * (rank - len(shape)) + [int(d) for d in shape] for shape in input_shapes]
        return [max(column) for column in zip(*padded)]

    def _repeats(self, input_shapes) -> bool:
        """Whether every input is the output's trailing axes after 1s (so value i is its i % n)."""
        out = self._output_shape(input_shapes)
        for shape in input_shapes:
            padded = [1] * (len(out) - len(shape)) + [int(d) for d in shape]
            if not any(all(d == 1 for d in padded[:k]) and padded[k:] == out[k:] for k in range(len(out) + 1)):
                return False
        return True

    @staticmethod
    def _sizes(input_shapes) -> list[int]:
        return [math.prod(int(d) for d in shape) for shape in input_shapes]

    def contract_for(self, input_shapes, config=None):
        """Its own contract for inputs of one size, ``MergeLayer`` when one broadcasts."""
        sizes = self._sizes(input_shapes)
        return self.contract if len(set(sizes)) == 1 else MERGE_CONTRACT

    def input_windows(self, config, input_shapes, start, end):
        """``[start, end)`` of every full-size input; all of a broadcast one (it repeats)."""
        sizes = self._sizes(input_shapes)
        return [(start, end) if n == max(sizes) else (0, n) for n in sizes]

    def abi_config(self, layer, input_shapes, graph):
        """``header, size`` (every input's number of values) for AddLayer and MultiplyLayer;
        ``header, size, op, sizes`` (the output's and each input's number of values) for MergeLayer."""
        sizes = self._sizes(input_shapes)
        if self.contract_for(input_shapes) != MERGE_CONTRACT:
            return encode(["uint256"] * 3, header(graph) + [sizes[0]])
        return encode(["uint256"] * 4 + ["uint256[]"], header(graph) + [max(sizes), self.op, sizes])
