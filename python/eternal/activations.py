"""Activation functions in fixed point, bit-exact with ``contracts/lib/FixedMath.sol`` and
``contracts/lib/Activations.sol``.

Every function takes and returns Python ints with ``frac`` fractional bits (the graph's
``activation_frac_bits``, at most :data:`MAX_FRAC`). The non-linear ones share one
exponential of ``x <= 0`` (``exp`` also takes ``0 < x <= EXP_LIMIT``):

1. ``y = floor(x * LOG2E_Q64 / 2^(frac + 32))``: ``x log2(e)`` with 32 fractional bits;
2. ``y = k 2^32 + f`` with ``k = floor(y / 2^32)`` and ``0 <= f < 2^32``;
3. ``2^(f 2^-32) 2^S ~= P(f) = sum c_i f^i`` (:data:`EXP2_COEFFICIENTS`, degree 6, ``c_i`` on
   the scale ``2^(S - 32 i)``, ``S`` = :data:`EXP2_SCALE_BITS`), by Horner's rule on integers
   (``p = c_6; p = p f + c_i``): exact, nothing rounded; ``c_0 = 2^S``, every ``c_i > 0`` and
   ``P(2^32 - 1) <= 2^(S+1)`` (bench/fit_exp2.py derives and checks them);
4. ``e^x ~= P(f) 2^(k - S)``: on the Q64 scale floored (``P >> (S - 64 - k)``), on the
   activation scale rounded half up (``rescale(P, S - k, frac)``).

Error: ``P`` is within a relative ``2^-28.75`` of ``2^(f 2^-32)`` and ``y`` within ``2^-32``
of ``x log2(e)``, so ``exp_q64`` is within a relative ``2^-28.6`` of ``e^x`` plus ``2^-64``.
``sigmoid`` (whose slope in ``e`` is at most 1/4), ``tanh`` (1/2) and ``softmax`` (1/2) are then
within ``2^-29.6`` of the real function before their one rounding (half up), so within
``2^-(frac+1) + 2^-29`` after it: ``2^-24.9`` at ``frac = 24``, below ``2^-20`` for every
``frac >= 20`` (bench/gas_activations.js and python/tests/test_activation_properties.py measure it).

Monotone: ``y`` does not decrease with ``x``; ``P`` increases with ``f`` (positive
coefficients); where ``k`` steps up, ``P(2^32 - 1) 2^(k-S) <= 2^(S+1) 2^(k-S) = P(0) 2^(k+1-S)``;
floors and half-up roundings keep order. So ``exp_q64`` does not decrease with ``x``, and
``sigmoid`` and ``tanh``, which divide by ``2^64 + e`` with the sign of ``x`` applied last, do not
decrease either (max-pooling commutes with them).

Inputs below ``-EXP_LIMIT`` (real) make the exponential 0; ``exp`` of inputs above
``+EXP_LIMIT`` is an error (overflow).

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
EXP2_SCALE_BITS = 252  # S: P(0) = 2^252 and P < 2^253, so exp's last shift S - frac - k is >= 4
EXP2_F_BITS = 32  # fractional bits of the exponent y
# 2^(f 2^-32) 2^252 for 0 <= f < 2^32: c_0..c_6, c_i on the scale 2^(252 - 32 i); within a
# relative 2^-28.7 (bench/fit_exp2.py derives and checks them; FixedMath.sol EXP2_C*).
EXP2_COEFFICIENTS = (
    1 << 252,
    0xb172157b759d945b115cdbd6e84d5752de15c8af4d0d3ac098f62f3,
    0x3d7fae6f1965c0347750e8a073ce216773c08e499c60e6d,
    0xe34359d3eb1e8eb565088ab4004eb0af2b3853,
    0x27a42f49c161dc87828ee442dbf4d6,
    0x518857f550473d336c317,
    0xe3b2ba0e45d8,
)
EXP_LIMIT = 128  # |x| bound (real) of exp: below -128 it is 0, above +128 it overflows
MAX_FRAC = 64  # largest activation_frac_bits the exponential supports without overflow
MULTIPLIER_BITS = 32  # width of constant multipliers (slopes, scales)
LEAKY_RELU_SLOPE = 0.2  # Keras' default for the `leaky_relu` activation function

# Activation codes in layer configs (ABI), the same numbers as Activations.sol; 6 and up are
# `eternal.extended_activations.EXTENDED_CODES`.
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


def exp2_scaled(f: int) -> int:
    """``P(f) ~= 2^(f 2^-32) 2^252`` for ``0 <= f < 2^32``: :data:`EXP2_COEFFICIENTS` by Horner's rule."""
    p = EXP2_COEFFICIENTS[-1]
    for c in reversed(EXP2_COEFFICIENTS[:-1]):
        p = p * f + c
    return p


def _exp_parts(x: int, frac: int) -> tuple[int, int]:
    """``(P, k)`` with ``e^(x 2^-frac) ~= P 2^(k - S)`` and ``2^S <= P < 2^(S+1)``."""
    y = (x * LOG2E_Q64) >> (frac + EXP2_F_BITS)
    k = y >> EXP2_F_BITS
    return exp2_scaled(y - (k << EXP2_F_BITS)), k


def exp_q64(x: int, frac: int) -> int:
    """``e^x`` in Q64 (floored) for ``x <= 0``, so in ``[0, 2^64]``; ``x > 0`` counts as 0."""
    if x >= 0:
        return ONE_Q64
    if x < -(EXP_LIMIT << frac):
        return 0
    total, k = _exp_parts(x, frac)
    return total >> (EXP2_SCALE_BITS - 64 - k)


def exp(x: int, frac: int) -> int:
    """``e^x`` on the activation scale (round half up)."""
    _check_frac(frac)
    if x < -(EXP_LIMIT << frac):
        return 0
    if x > EXP_LIMIT << frac:
        raise ActivationError(f"exp overflows: input {x} * 2^-{frac} is above {EXP_LIMIT}")
    total, k = _exp_parts(x, frac)
    return rescale(total, EXP2_SCALE_BITS - k, frac)


def sigmoid(x: int, frac: int) -> int:
    """``1 / (1 + e^-x)``: ``q = div_round(2^(64+frac), 2^64 + exp_q64(-|x|))``, ``q`` for
    ``x >= 0`` and ``2^frac - q`` below (so ``sigmoid(-x) = 2^frac - sigmoid(x)``)."""
    _check_frac(frac)
    q = div_round(ONE_Q64 << frac, ONE_Q64 + exp_q64(-abs(x), frac))
    return q if x >= 0 else (1 << frac) - q


def tanh(x: int, frac: int) -> int:
    """``tanh(|x|) = 2 / (1 + e^-2|x|) - 1``, rounded once (half up), with the sign of ``x``."""
    _check_frac(frac)
    # |x| is capped at the exp limit (where e^-2|x| is 0 anyway) so the chain never overflows.
    e = exp_q64(-2 * min(abs(x), EXP_LIMIT << frac), frac)
    t = div_round(ONE_Q64 << (frac + 1), ONE_Q64 + e) - (1 << frac)
    return -t if x < 0 else t


def softmax(values, frac: int) -> list[int]:
    """Softmax of one vector of ints: ``e^(v_i - max) / sum_j e^(v_j - max)``."""
    _check_frac(frac)
    values = [int(v) for v in values]
    peak = max(values)
    exps = [exp_q64(v - peak, frac) for v in values]
    total = sum(exps)
    return [div_round(e << frac, total) for e in exps]


LN2_Q64 = 12786308645202655660  # round(ln(2) 2^64)
SQRT2_Q64 = 26087635650665564424  # floor(sqrt(2) 2^64)
# round(2^64 / (2i + 1)), i = 0..5: atanh(s) / s = sum s^(2i) / (2i + 1), cut after s^10.
ATANH_COEFFICIENTS = tuple(((1 << 65) + 2 * i + 1) // (4 * i + 2) for i in range(6))


def ln_q64(u: int) -> int:
    """``ln(u 2^-64)`` in Q64 for ``u >= 2^64`` (a value of at least 1).

    ``k = bitlen(u) - 65``, ``m = floor(u / 2^k)`` in ``[2^64, 2^65)``; above ``sqrt(2)`` (``m >
    SQRT2_Q64``) ``c = 2^65`` and ``k + 1``, else ``c = 2^64`` (so ``m / c`` is within
    ``[1/sqrt 2, sqrt 2]``); ``s = floor(|m - c| 2^64 / (m + c))`` (``|s| <= 0.1716``), ``w =
    floor(s^2 / 2^64)``, ``p`` by Horner's rule over :data:`ATANH_COEFFICIENTS` (``p = floor(p w /
    2^64) + a_i``), ``t = floor(s p / 2^63)`` (``2 atanh(s)``, floored), and ``k LN2_Q64 +- t`` (the
    sign of ``m - c``). The series' cut costs below ``2^-35.7``, the floors a few ``2^-64``: within
    ``2^-35`` of ``ln`` (python/tests/test_extended_activations.py checks it against ``math.log``).
    """
    k = u.bit_length() - 65
    m = u >> k
    c = ONE_Q64
    if m > SQRT2_Q64:
        c, k = ONE_Q64 << 1, k + 1
    s = (abs(m - c) << 64) // (m + c)
    w = (s * s) >> 64
    p = ATANH_COEFFICIENTS[-1]
    for a in reversed(ATANH_COEFFICIENTS[:-1]):
        p = ((p * w) >> 64) + a
    t = (s * p) >> 63
    return k * LN2_Q64 + (t if m >= c else -t)


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


EXTENDED: dict = {}
"""The extended activations by name, each ``frac -> (int -> int)``: ``eternal.extended_activations``
(which builds on this module) registers them when it is imported, as every layer module does."""
ROW_WISE: dict = {"softmax": softmax}
"""The activations over the last axis, each ``(row of ints, frac) -> list of ints`` (``log_softmax``
joins when ``eternal.extended_activations`` is imported)."""


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
    row_function = ROW_WISE.get(name)
    if row_function is not None:
        if x.ndim == 0:
            raise ActivationError(f"{name} needs at least one axis")
        rows = x.reshape(-1, x.shape[-1]) if x.size else x.reshape(0, max(x.shape[-1], 1))
        out = np.empty(rows.shape, dtype=object)
        for i, row in enumerate(rows):
            out[i, :] = row_function(row, frac)
        return out.reshape(x.shape)
    function_of = EXTENDED.get(name)
    if function_of is not None:
        return _map(function_of(frac), x)
    raise ActivationError(f"Unknown activation {name!r}. Supported: {', '.join([*CODES, *EXTENDED])}")
