"""``dilation_rate`` on Conv1D, Conv2D and DepthwiseConv2D, run on the undilated contracts.

A kernel of k taps dilated by d is the kernel of ``(k - 1) d + 1`` taps with ``d - 1`` zeros
between its taps: the same sums, integer for integer (a zero tap adds nothing), and TensorFlow
pads 'same' for that effective size too. The graph keeps Keras' ``kernel_size`` and adds
``dilation_rate`` only when a rate is above 1 (undilated configs are unchanged); the stored
kernel is the expanded one (more weight bytes and MACs than the taps need); a rebuild takes
every d-th tap back.
"""

from __future__ import annotations

import numpy as np

from eternal.layers.base import LayerType, ints


def dilation_config(layer: LayerType, raw: dict, axes: int) -> dict:
    """``{"dilation_rate": [...]}`` for a dilated layer, ``{}`` for an undilated one."""
    rates = ints(raw.get("dilation_rate", 1))
    rates = rates * axes if len(rates) == 1 else rates
    if len(rates) != axes or any(r < 1 for r in rates):
        raise layer.reject("dilation_rate", raw.get("dilation_rate"), f"{axes} positive rate(s)")
    return {"dilation_rate": rates} if any(r > 1 for r in rates) else {}


def effective_size(config: dict) -> list[int]:
    """The kernel's taps along each spatial axis once its zeros are in."""
    rates = config.get("dilation_rate", [1] * len(config["kernel_size"]))
    return [(k - 1) * d + 1 for k, d in zip(config["kernel_size"], rates)]


def expand(kernel: np.ndarray, config: dict) -> np.ndarray:
    """The kernel with ``d - 1`` zero taps between its taps on each spatial (leading) axis."""
    rates = config.get("dilation_rate")
    if rates is None:
        return kernel
    out = np.zeros((*effective_size(config), *kernel.shape[len(rates):]), dtype=kernel.dtype)
    out[tuple(slice(None, None, d) for d in rates)] = kernel
    return out


def thin(kernel: np.ndarray, config: dict) -> np.ndarray:
    """The Keras kernel back from an expanded one: every d-th tap."""
    rates = config.get("dilation_rate")
    return kernel if rates is None else kernel[tuple(slice(None, None, d) for d in rates)]
