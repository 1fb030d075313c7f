"""What the spatial layers (convolutions, pooling, padding) share: window geometry and
integer division, identical to the Solidity contracts.

Every spatial tensor is channels last; a 1D layer is its 2D twin with height 1.
"""

from __future__ import annotations

import math

import numpy as np



def window_geometry(size: int, window: int, stride: int, padding: str) -> tuple[int, int]:
    """Output length and leading padding of one spatial axis, as Keras/TF compute them.

    'same' gives ``ceil(size / stride)`` outputs and pads ``total // 2`` before,
    the rest (one more when odd) after; 'valid' pads nothing.
    """
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + window - size, 0)
        return out, total // 2
    return max((size - window) // stride + 1, 0), 0


def row_window(g: dict, window: int, depth: int, start: int, end: int) -> tuple[int, int]:
    """The input elements output elements ``[start, end)`` read on chain (``depth`` values per
    output position): whole input rows under the output rows they touch, ``[max(0, oy0 sh -
    top), min(H, (oy1 - 1) sh - top + window))`` (SpatialBase._inputRows, Pooling2DBase).

    Args:
        g: the layer's geometry (``h``, ``w``, ``c``, ``sh``, ``top``, ``ow``).
        window: the kernel's (or pool's) rows.
    """
    first, last = start // depth // g["ow"], (end - 1) // depth // g["ow"]
    y0 = max(0, first * g["sh"] - g["top"])
    y1 = max(y0, min(g["h"], last * g["sh"] - g["top"] + window))
    row = g["w"] * g["c"]
    return y0 * row, y1 * row


def as_2d(shape: list[int]) -> tuple[int, int, int]:
    """``(H, W, C)`` of a channels-last input of rank 2 (1D: height 1) or 3."""
    if len(shape) == 2:
        return 1, int(shape[0]), int(shape[1])
    height, width, channels = shape
    return int(height), int(width), int(channels)


def pair(values: list[int], one_d: bool) -> tuple[int, int]:
    """A (height, width) pair from a config list (1D configs have one entry: height is 1)."""
    if one_d:
        return 1, int(values[0])
    return int(values[0]), int(values[1])


def divide_round_half_up(total, count: int):
    """``total / count`` rounded to the nearest integer, ties up: ``floor((2 total + count) / (2 count))``.

    Exact over Python ints (or object arrays of them); the contracts compute the same.
    """
    return (2 * total + count) // (2 * count)


def pad_zeros(x: np.ndarray, top: int, bottom: int, left: int, right: int) -> np.ndarray:
    """An (H, W, C) object array with zero rows/columns around it."""
    height, width, channels = x.shape
    out = np.zeros((height + top + bottom, width + left + right, channels), dtype=object)
    out[top : top + height, left : left + width, :] = x
    return out


def apply_activation(name: str, values: np.ndarray, frac: int) -> np.ndarray:
    """The activation over an output (softmax over the last axis, the channels), as on chain."""
    from eternal.activations import apply_activation as apply  # imported late: it imports layers' peers

    return apply(name, values, frac)


def output_count(shape: list[int]) -> int:
    """Number of values in a tensor of this shape."""
    return math.prod(int(d) for d in shape)
