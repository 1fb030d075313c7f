"""What the elementwise merges (Add, Multiply, Subtract, Average, Maximum, Minimum) share:
two or more inputs of one shape."""

from eternal.errors import UnsupportedLayerError
from eternal.layers.base import LayerType
from eternal.layers.abi import encode_words, header


class Elementwise(LayerType):
    # The op code of a merge sharing its contract with others (merges.py), or None.
    op: int | None = None

    def normalise(self, raw, input_shapes):
        if len(input_shapes) < 2 or any(shape != input_shapes[0] for shape in input_shapes):
            raise UnsupportedLayerError(
                f"{self.where}: inputs of shapes {input_shapes} are not supported. Supported: two or more inputs of one shape (no broadcasting)"
            )
        return {}

    def input_windows(self, config, input_shapes, start, end):
        """Elementwise: ``[start, end)`` of every input."""
        return [(start, end)] * len(input_shapes)

    def abi_config(self, layer, input_shapes, graph):
        """``header, size``: the number of values of every input; then ``op``, if the layer has one."""
        size = 1
        for d in input_shapes[0]:
            size *= int(d)
        return encode_words(header(graph) + [size] + ([] if self.op is None else [self.op]))
