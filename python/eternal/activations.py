"""Activation functions in fixed point, bit-exact with ``contracts/lib/FixedMath.sol`` and
``contracts/lib/Activations.sol``.

Every function takes and returns Python ints with ``frac`` fractional bits (the graph's
``activation_frac_bits``, at most :data:`MAX_FRAC`). The non-linear ones share one
exponential, computed in Q64 (64 fractional bits) and rounded once at the end:

1. ``y = x * log2(e)`` with ``log2(e)`` in Q64 (:data:`LOG2E_Q64`), rounded half up to Q64;
2. ``y = k + f`` with ``k = floor(y)`` and ``0 <= f < 1``;
3. ``2^f`` by the polynomial :data:`EXP2_Q64` of degree 7 in Q64, by Horner's rule with each
   product floored (``p = c_7; p = c_i + floor(p * f / 2^64)``); ``P(0) = 1`` and ``P(1) = 2``
   exactly, so ``2^64 <= P < 2^65`` (bench/fit_exp2.py derives it);
4. ``e^x = P * 2^(k-64)``, rescaled (round half up) to the wanted scale.

Error bound: the Q64 exponential is within a relative ``2^-34`` of ``e^x`` (4.7e-11,
bench/fit_exp2.py); ``exp`` then adds at most half a unit (``2^-(frac+1)``) of rounding.
``sigmoid``, ``tanh`` and ``softmax`` divide Q64 values and round half up once, so each
result is within ``2^-(frac+1) + 2^-34`` of the real function (at most one unit at the
default ``frac = 24``). Inputs below ``-EXP_LIMIT`` (real) make
``exp`` exactly 0; ``exp`` of inputs above ``+EXP_LIMIT`` is an error (overflow).

Divisions round half up: ``div_round(a, b) = floor((2a + b) / 2b)`` for ``a >= 0, b > 0``.
Multiplications by a constant (leaky slope, scale) use a multiplier ``(q, q_frac)``
from :func:`quantise_multiplier` and one :func:`~eternal.fixedpoint.rescale`.
"""

from __future__ import annotations

import numpy as np

from eternal.errors import ActivationError
from eternal.fixedpoint import quantise_weights, rescale

ONE_Q64 = 1 << 64
LOG2E_Q64 = 26613026195688644983  # round(log2(e) * 2^64)
# 2^f for 0 <= f < 1 in Q64: c_0..c_7 of a degree-7 polynomial, P(0) = 1 and P(1) = 2 exactly,
# within a relative 2^-34 (bench/fit_exp2.py derives and checks it; FixedMath.sol EXP2_C*).
EXP2_Q64 = (18446744073709551616, 12786308720413074432, 4431394889710049280, 1023887897173531296,
            177349020003411232, 24759127435325437, 2647679909694340, 396739064465599)
EXP_LIMIT = 128  # |x| bound (real) of exp: below -128 it is 0, above +128 it overflows
MAX_FRAC = 64  # largest activation_frac_bits the exponential supports without overflow
MULTIPLIER_BITS = 32  # width of constant multipliers (slopes, scales)
LEAKY_RELU_SLOPE = 0.2  # Keras' default for the `leaky_relu` activation function

# Activation codes in layer configs (ABI), the same numbers as Activations.sol.
CODES = {"linear": 0, "relu": 1, "sigmoid": 2, "tanh": 3, "softmax": 4, "leaky_relu": 5}


def _check_frac(frac: int) -> None:
    if not 0 <= frac <= MAX_FRAC:
        raise ActivationError(f"activation_frac_bits={frac} is not supported. Supported: 0..{MAX_FRAC}")


def quantise_multiplier(value: float) -> tuple[int, int]:
    """A real constant as ``(q, q_frac)``: a 32-bit integer and its scale, as weights are quantised."""
    q, frac, _ = quantise_weights(np.array([value], dtype=np.float64), MULTIPLIER_BITS, f"multiplier {value!r}")
    return int(q[0]), int(frac)


def quantise_constant(value: float, frac: int) -> int:
    """A real constant (offset, threshold, bound) on the activation scale, round half to even."""
    return int(np.rint(np.ldexp(np.float64(value), frac)))


def div_round(a: int, b: int) -> int:
    """``a / b`` rounded half up, for ``a >= 0`` and ``b > 0``."""
    return (2 * a + b) // (2 * b)


def exp2_q64(f: int) -> int:
    """``2^(f 2^-64)`` in Q64 for ``0 <= f < 2^64``: :data:`EXP2_Q64` by Horner's rule."""
    p = EXP2_Q64[-1]
    for c in reversed(EXP2_Q64[:-1]):
        p = c + ((p * f) >> 64)
    return p


def _exp_parts(x: int, frac: int) -> tuple[int, int]:
    """``(m, k)`` with ``e^(x 2^-frac) ~= m * 2^(k-64)`` and ``2^64 <= m < 2^65``."""
    y = rescale(x * LOG2E_Q64, frac + 64, 64)
    k = y >> 64
    return exp2_q64(y - (k << 64)), k


def exp_q64(x: int, frac: int) -> int:
    """``e^x`` in Q64 for ``x <= 0`` (so the result is in ``[0, 2^64]``); ``x > 0`` counts as 0."""
    if x >= 0:
        return ONE_Q64
    if x < -(EXP_LIMIT << frac):
        return 0
    total, k = _exp_parts(x, frac)
    return rescale(total, 64 - k, 64)


def exp(x: int, frac: int) -> int:
    """``e^x`` on the activation scale (round half up)."""
    _check_frac(frac)
    if x < -(EXP_LIMIT << frac):
        return 0
    if x > EXP_LIMIT << frac:
        raise ActivationError(f"exp overflows: input {x} * 2^-{frac} is above {EXP_LIMIT}")
    total, k = _exp_parts(x, frac)
    return rescale(total, 64 - k, frac)


def sigmoid(x: int, frac: int) -> int:
    """``1 / (1 + e^-x)``, within one unit of the real value."""
    _check_frac(frac)
    if x >= 0:
        e = exp_q64(-x, frac)
        return div_round(ONE_Q64 << frac, ONE_Q64 + e)
    e = exp_q64(x, frac)
    return div_round(e << frac, ONE_Q64 + e)


def tanh(x: int, frac: int) -> int:
    """``tanh(x)``, odd by construction, within one unit of the real value."""
    _check_frac(frac)
    # |x| is capped at the exp limit (where e^-2|x| is 0 anyway) so the chain never overflows.
    magnitude = min(abs(x), EXP_LIMIT << frac)
    e = exp_q64(-2 * magnitude, frac)
    t = div_round((ONE_Q64 - e) << frac, ONE_Q64 + e)
    return -t if x < 0 else t


def softmax(values, frac: int) -> list[int]:
    """Softmax of one vector of ints: ``e^(v_i - max) / sum_j e^(v_j - max)``."""
    _check_frac(frac)
    values = [int(v) for v in values]
    peak = max(values)
    exps = [exp_q64(v - peak, frac) for v in values]
    total = sum(exps)
    return [div_round(e << frac, total) for e in exps]


def relu(x: int) -> int:
    """``max(x, 0)``."""
    return x if x > 0 else 0


def leaky_relu(x: int, frac: int, multiplier: tuple[int, int]) -> int:
    """``x`` if ``x >= 0`` else ``rescale(x * q, frac + q_frac, frac)``."""
    if x >= 0:
        return x
    q, q_frac = multiplier
    return rescale(x * q, frac + q_frac, frac)


def general_relu(x: int, frac: int, multiplier: tuple[int, int], threshold: int, max_value: int | None) -> int:
    """Keras ``ReLU``: ``clip(x if x > t else 0, 0, max) - rescale((t - x) * slope)`` for ``x < t``."""
    positive = x if x > threshold else 0
    positive = max(positive, 0)
    if max_value is not None:
        positive = min(positive, max_value)
    if x < threshold and multiplier[0] != 0:
        q, q_frac = multiplier
        positive -= rescale((threshold - x) * q, frac + q_frac, frac)
    return positive


def _map(function, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=object)
    out = np.empty(x.shape, dtype=object)
    out.flat[:] = [function(int(v)) for v in x.flat]
    return out


def apply_activation(name: str, x, frac: int) -> np.ndarray:
    """Applies a named activation to an object array of ints (softmax over the last axis)."""
    x = np.asarray(x, dtype=object)
    if name == "linear":
        return x.copy()
    if name == "relu":
        return _map(relu, x)
    if name == "sigmoid":
        return _map(lambda v: sigmoid(v, frac), x)
    if name == "tanh":
        return _map(lambda v: tanh(v, frac), x)
    if name == "leaky_relu":
        multiplier = quantise_multiplier(LEAKY_RELU_SLOPE)
        return _map(lambda v: leaky_relu(v, frac, multiplier), x)
    if name == "softmax":
        if x.ndim == 0:
            raise ActivationError("softmax needs at least one axis")
        rows = x.reshape(-1, x.shape[-1]) if x.size else x.reshape(0, max(x.shape[-1], 1))
        out = np.empty(rows.shape, dtype=object)
        for i, row in enumerate(rows):
            out[i, :] = softmax(row, frac)
        return out.reshape(x.shape)
    raise ActivationError(f"Unknown activation {name!r}. Supported: {', '.join(CODES)}")
