"""The layers that only move values (padding, cropping, upsampling, RepeatVector, Permute, the 1D
poolings): their refusals, and that the input windows each gives the stage planner hold every
input value its output range reads (values outside the window changed, the range is unchanged)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eternal.errors import UnsupportedLayerError
from eternal.layers import lookup

# class name, canonical config, input shape
LAYERS = [
    ("ZeroPadding2D", {"padding": [[1, 2], [0, 3]]}, [3, 4, 2]),
    ("ZeroPadding1D", {"padding": [[2, 1]]}, [5, 3]),
    ("Cropping2D", {"cropping": [[1, 2], [2, 0]]}, [6, 5, 2]),
    ("Cropping1D", {"cropping": [[3, 1]]}, [7, 2]),
    ("UpSampling2D", {"size": [2, 3], "interpolation": "nearest"}, [3, 2, 2]),
    ("UpSampling2D", {"size": [3, 2], "interpolation": "bilinear"}, [4, 3, 2]),
    ("UpSampling1D", {"size": 3}, [4, 2]),
    ("RepeatVector", {"n": 3}, [5]),
    ("AveragePooling1D", {"pool_size": [3], "strides": [2], "padding": "same"}, [9, 2]),
    ("GlobalAveragePooling1D", {"keepdims": True}, [5, 3]),
    ("GlobalMaxPooling1D", {"keepdims": False}, [5, 3]),
]


def ranges(size: int, depth: int):
    cuts = sorted({0, 1, depth - 1, depth, depth + 1, size // 2, size - depth, size - 1, size} & set(range(size + 1)))
    return [(a, b) for i, a in enumerate(cuts) for b in cuts[i + 1:]]


@pytest.mark.parametrize("class_name, config, shape", LAYERS, ids=[f"{case[0]}-{n}" for n, case in enumerate(LAYERS)])
def test_windows_hold_every_value_the_range_reads(class_name, config, shape):
    layer = lookup(class_name, "x")
    rng = np.random.default_rng(0)
    size = math.prod(shape)
    x = np.array([int(v) for v in rng.integers(-1000, 1000, size)], dtype=object)
    out = np.asarray(layer.forward(config, [x.reshape(shape)], [], 8)).ravel()
    for start, end in ranges(out.size, shape[-1]):
        [(lo, hi)] = layer.input_windows(config, [shape], start, end)
        assert 0 <= lo <= hi <= size, (start, end, lo, hi)
        outside = x.copy()
        outside[:lo] += 7
        outside[hi:] -= 5
        moved = np.asarray(layer.forward(config, [outside.reshape(shape)], [], 8)).ravel()
        assert list(moved[start:end]) == list(out[start:end]), (start, end, lo, hi)


def test_permute_takes_whole_inputs():
    assert lookup("Permute", "p").input_windows({"dims": [2, 1]}, [[3, 4]], 0, 2) is None


@pytest.mark.parametrize("class_name, raw, shape, message", [
    ("UpSampling2D", {"size": (2, 2), "interpolation": "bicubic"}, [3, 3, 1], "`interpolation='bicubic'` is not supported. Supported: 'nearest', 'bilinear'"),
    ("UpSampling2D", {"size": (2, 2), "data_format": "channels_first"}, [3, 3, 1], "`data_format='channels_first'`"),
    ("Cropping2D", {"cropping": ((2, 1), (0, 0))}, [3, 3, 1], "crops away the whole input of shape (3, 3, 1)"),
    ("Cropping1D", {"cropping": (0, 4)}, [4, 2], "crops away the whole input"),
    ("ZeroPadding2D", {"padding": ((-1, 0), (0, 0))}, [3, 3, 1], "Supported: non-negative sizes"),
    ("Permute", {"dims": (1, 1)}, [3, 4], "`dims=(1, 1)` is not supported. Supported: a permutation of 1..2"),
])
def test_refusals_name_the_option(class_name, raw, shape, message):
    with pytest.raises(UnsupportedLayerError, match="Layer 'x' .*" + message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        lookup(class_name, "x").normalise(raw, [shape])


def test_one_d_layers_run_on_the_two_d_contracts():
    contracts = {name: lookup(name, "x").contract for name in ("AveragePooling1D", "GlobalAveragePooling1D",
                                                                "GlobalMaxPooling1D", "ZeroPadding1D", "Cropping1D",
                                                                "Cropping2D", "UpSampling1D", "RepeatVector")}
    assert contracts == {"AveragePooling1D": "AveragePooling2DLayer", "GlobalAveragePooling1D": "GlobalAveragePooling2DLayer",
                         "GlobalMaxPooling1D": "GlobalMaxPooling2DLayer", "ZeroPadding1D": "ZeroPadding2DLayer",
                         "Cropping1D": "ZeroPadding2DLayer", "Cropping2D": "ZeroPadding2DLayer",
                         "UpSampling1D": "UpSampling2DLayer", "RepeatVector": "UpSampling2DLayer"}


def test_cropping_is_padding_with_negative_edges_in_the_config():
    from eth_abi import decode

    graph = {"activation_frac_bits": 24, "precision": "int32"}
    config = lookup("Cropping2D", "c").abi_config({"config": {"cropping": [[1, 2], [2, 0]]}}, [[6, 5, 2]], graph)
    assert decode(["uint256"] * 5 + ["int256"] * 4, config) == (24, 32, 6, 5, 2, -1, -2, -2, 0)
    config = lookup("ZeroPadding1D", "z").abi_config({"config": {"padding": [[2, 1]]}}, [[5, 3]], graph)
    assert decode(["uint256"] * 5 + ["int256"] * 4, config) == (24, 32, 1, 5, 3, 0, 0, 2, 1)


@pytest.mark.parametrize("shape, axes, sizes, strides", [
    ([2, 3, 4], [0, 1, 2], [24], [1]),  # the identity: one run
    ([2, 3, 4], [2, 0, 1], [4, 6], [1, 4]),  # the first two input axes stay in order: merged
    ([3, 1, 2], [1, 2, 0], [2, 3], [1, 2]),  # the size-1 axis dropped
    ([1, 1], [1, 0], [1], [1]),
    ([4, 5], [1, 0], [5, 4], [1, 5]),
])
def test_permute_walks_merged_axes(shape, axes, sizes, strides):
    from eternal.layers.permute import gather_axes

    assert gather_axes(shape, axes) == (sizes, strides)
    x = np.arange(math.prod(shape)).reshape(shape)
    gathered = [sum(i * s for i, s in zip(index, strides)) for index in np.ndindex(*sizes)]
    assert gathered == list(np.transpose(x, axes).ravel())


def test_bilinear_taps_are_tensorflows_half_pixel_centres():
    from eternal.layers.upsampling import bilinear_taps

    # Scale 2 over 3 inputs: sources -0.25 (lerp 0.75 between row 0 and row 0, as TF clamps), 0.25,
    # 0.75, 1.25, 1.75, 2.25 (weights out of 4).
    assert bilinear_taps(6, 3, 2) == [(0, 0, 1, 3), (0, 1, 3, 1), (0, 1, 1, 3), (1, 2, 3, 1), (1, 2, 1, 3), (2, 2, 3, 1)]
    # Scale 3: the middle output of each input sits on it (weight 6 of 6 on the lower).
    assert bilinear_taps(3, 1, 3) == [(0, 0, 2, 4), (0, 0, 6, 0), (0, 0, 4, 2)]
