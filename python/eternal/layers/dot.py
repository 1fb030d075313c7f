"""Dot: the batch dot product of two tensors along one axis of each (``axes``), optionally of their
L2-normalised copies (``normalize=True``: cosine similarity), in integers.

Each input (without the batch axis) is viewed as ``(outer, n, inner)`` around its contracted axis
of ``n`` values; the output, ``(outer1 inner1, outer2 inner2)`` flat (Keras' shape: the first
input's other axes, then the second's; ``(1,)`` when none are left), is
``rescale(sum_i x[o1, i, r1] y[o2, i, r2], 2F, F)``. With ``normalize``, every fibre ``x[o, :, r]``
first becomes ``round_div(x_i << (F + G), s)``, ``s = isqrt(max(sum_i x_i^2, eps) << 2G)`` (floor;
``eps`` Keras' 1e-12 on 2F bits, at least 1; G = ``layer_normalization.EXTRA_BITS``): Keras'
``x / sqrt(max(sum x^2, eps))``. ``DotLayer`` computes the same integers. Inputs must be in
[-2^64, 2^64) (both sides refuse others) and of rank 1 or 2 without the batch axis.
"""

from math import isqrt

import numpy as np

from eternal.activations import quantise_constant
from eternal.fixedpoint import rescale_array
from eternal.layers.abi import encode_words, header
from eternal.layers.base import LayerType, register
from eternal.layers.layer_normalization import EXTRA_BITS, round_div

INPUT_BITS = 64
KERAS_EPSILON = 1e-12  # tf.linalg.l2_normalize's and keras.ops.normalize's


def l2_normalise(x: np.ndarray, axis: int, frac: int) -> np.ndarray:
    """Every fibre of ``x`` along ``axis`` normalised, as the module docstring says."""
    eps = max(1, quantise_constant(KERAS_EPSILON, 2 * frac))
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape, dtype=object)
    for index in np.ndindex(moved.shape[:-1]):
        fibre = [int(v) for v in moved[index]]
        s = isqrt(max(sum(v * v for v in fibre), eps) << (2 * EXTRA_BITS))
        out[index] = [round_div(v << (frac + EXTRA_BITS), s) for v in fibre]
    return np.moveaxis(out, -1, axis)


def _geometry(shape, axis: int) -> tuple[int, int, int]:
    """``(outer, n, inner)`` of a shape around ``axis``."""
    return int(np.prod(shape[:axis], dtype=np.int64)), int(shape[axis]), int(np.prod(shape[axis + 1:], dtype=np.int64))


@register
class Dot(LayerType):
    class_name = "Dot"
    contract = "DotLayer"

    def normalise(self, raw, input_shapes):
        if len(input_shapes) != 2 or any(len(shape) not in (1, 2) or None in shape for shape in input_shapes):
            raise self.reject("inputs", [list(s) for s in input_shapes], "two tensors of rank 1 or 2 (without the batch axis), of fixed sizes")
        axes = raw.get("axes", -1)
        axes = list(axes) if isinstance(axes, (list, tuple)) else [axes, axes]
        resolved = []
        for axis, shape in zip(axes, input_shapes):
            rank = len(shape) + 1  # with the batch axis
            if not isinstance(axis, int) or not -rank < axis < rank or axis % rank == 0:
                raise self.reject("axes", raw.get("axes"), "one non-batch axis of each input")
            resolved.append(axis % rank - 1)
        if input_shapes[0][resolved[0]] != input_shapes[1][resolved[1]]:
            raise self.reject("axes", raw.get("axes"), "axes of one size in both inputs")
        return {"axes": resolved, "normalize": bool(raw.get("normalize", False))}

    def forward(self, config, inputs, weights, frac):
        x, y = (np.asarray(v, dtype=object) for v in inputs)
        self.expect_within(INPUT_BITS, "an input", x, y)
        a, b = config["axes"]
        if config["normalize"]:
            x, y = l2_normalise(x, a, frac), l2_normalise(y, b, frac)
        product = np.asarray(np.tensordot(x, y, axes=(a, b)), dtype=object)
        return rescale_array(product.reshape(product.shape or (1,)), 2 * frac, frac)

    def abi_config(self, layer, input_shapes, graph):
        """``header, outer1, n, inner1, outer2, inner2, normalize, eps`` (eps on 2F bits)."""
        (a, b), frac = layer["config"]["axes"], int(graph["activation_frac_bits"])
        outer1, n, inner1 = _geometry(input_shapes[0], a)
        outer2, _, inner2 = _geometry(input_shapes[1], b)
        eps = max(1, quantise_constant(KERAS_EPSILON, 2 * frac))
        return encode_words(header(graph) + [outer1, n, inner1, outer2, inner2, int(layer["config"]["normalize"]), eps])

    def keras_config(self, config):
        return {"axes": [axis + 1 for axis in config["axes"]], "normalize": config["normalize"]}
