"""The activations added after the first six (codes 6 and up), bit-exact with
``contracts/lib/ExtendedActivations.sol``.

Every function takes and returns Python ints with ``frac`` fractional bits (``one = 2^frac``).
Inputs must satisfy ``|x| < 2^190`` (:data:`INPUT_LIMIT`: no product below overflows 256 bits);
the chain reverts ``ActivationInputTooLarge`` past it and so does the emulator. Roundings are
half up (``floor(a / b + 1/2)``) unless stated; ``exp_q64`` is the shared exponential of
``eternal.activations`` (relative error ``2^-28.6``, floored to Q64).

- ``relu6``: ``clip(x, 0, 6 one)``; exact.
- ``hard_sigmoid`` (Keras 3): ``clip((x + 3 one) / 6, 0, one)``; ``hard_sigmoid_tf`` (tf_keras 2):
  ``clip((x + 2.5 one) / 5, 0, one)``: within ``2^-(frac+1)``.
- ``hard_silu`` (Keras 3, alias ``hard_swish``): ``x clip(x + 3 one, 0, 6 one) / (6 one)``; ``x``
  from ``3 one`` up, 0 from ``-3 one`` down: within ``2^-(frac+1)``.
- ``silu`` (alias ``swish``): ``x / (1 + e^-x)`` as ``|x| m / (2^64 + e)``, ``e = exp_q64(-|x|)``,
  ``m = 2^64`` for ``x >= 0`` and ``e`` below, rounded half up in magnitude, the sign of ``x``.
- ``elu``: ``x`` above 0, else ``rescale((exp_q64(x) - 2^64) q, 64 + q_frac, frac)`` with the
  multiplier of ``alpha`` (1 for the function); ``selu``: ``x`` times the multiplier of
  ``scale`` above 0, else ``elu`` with the multiplier of ``scale * alpha``.
- ``softsign``: ``x / (1 + |x|)`` as ``div_round(|x| one, one + |x|)`` with the sign of ``x``.
- ``mish``: ``x tanh(softplus(x))``, and ``tanh(log(1 + E)) = (E^2 + 2E) / (E^2 + 2E + 2)`` with
  ``E = e^x`` needs no logarithm: ``e = exp_q64(-|x|)``, ``n = 2^128 + 2^65 e``, ``d = n + 2 e^2``
  for ``x >= 0`` (numerator and denominator times ``e^-2x``), ``n = e^2 + 2^65 e``,
  ``d = n + 2^129`` below; ``r = floor(n 2^64 / d)`` (Q64) and ``floor((|x| r + 2^63) / 2^64)``
  with the sign of ``x``.
- ``gelu`` (Keras' default, ``approximate=False``): ``x Phi(x)``; with ``m = |x|`` and
  ``c = erfc(m / sqrt 2) / 2``, ``x - m c`` for ``x >= 0`` and ``-m c`` below. ``erfc(z) = t
  exp(-z^2 + P(t))``, ``t = 1 / (1 + z / 2)`` (Numerical Recipes' ``erfcc``, relative error
  below 1.2e-7 for every ``z >= 0``), all in Q64 and floored: ``z = floor(m INV_SQRT2 / 2^F)``,
  ``t = floor(2^128 / (2^64 + floor(z / 2)))``, ``P`` by Horner's rule ``p = floor(p t / 2^64) +
  a_i`` (:data:`ERFC_COEFFICIENTS`), ``E = min(p - floor(z^2 / 2^64), 0)``, ``e = exp_q64(E, 64)``,
  ``c = floor(floor(t e / 2^64) / 2)``, then ``floor((m c + 2^63) / 2^64)``. From ``m >= 16``
  (where ``c < 2^-190``) the result is ``x``, resp. 0.
- ``gelu_tanh`` (``keras.ops.gelu``'s default, ``approximate=True``): ``x (1 + tanh(u)) / 2`` with
  ``u = sqrt(2/pi) (x + 0.044715 x^3)``, which is ``x sigmoid(2u)``: ``silu``'s formula with ``e =
  exp_q64(-v)``, ``v = floor((m A + c B) / 2^64)``, ``m = |x|``, ``c = floor(floor(m^2 / 2^F) m /
  2^F)``, ``A = round(2 sqrt(2/pi) 2^64)``, ``B = round(0.044715 A)`` (:data:`GELU_TANH_A_Q64`,
  :data:`GELU_TANH_B_Q64`). From ``m >= 16`` (where ``e = 0``) the result is ``x``, resp. 0.
- ``softplus``: ``log(1 + e^x) = max(x, 0) + log(1 + e^-|x|)``: ``max(x, 0) + rescale(ln_q64(2^64 +
  exp_q64(-|x|)), 64, frac)`` (``ln_q64`` of ``eternal.activations``, within ``2^-35``).
- ``log_softmax`` (over the last axis, as softmax): ``x_i - max - log(sum_j e^(x_j - max))``:
  ``x_i - peak - rescale(ln_q64(sum_j exp_q64(x_j - peak)), 64, frac)``, the sum at least ``2^64``.
"""

from __future__ import annotations

from eternal.activations import EXTENDED, ONE_Q64, ROW_WISE, div_round, exp_q64, ln_q64, quantise_multiplier
from eternal.errors import ActivationError
from eternal.fixedpoint import rescale

INPUT_LIMIT = 1 << 190
# Keras' SELU constants (keras.activations.selu, tf.nn.selu), to float64.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
ELU_ALPHA = 1.0  # the `elu` activation function's alpha

# Codes of the extended activations (Activations.sol: 6 and up run ExtendedActivations).
EXTENDED_CODES = {
    "relu6": 6, "hard_sigmoid": 7, "hard_sigmoid_tf": 8, "hard_silu": 9, "silu": 10,
    "elu": 11, "selu": 12, "exponential": 13, "softsign": 14, "mish": 15, "gelu": 16,
    "hard_tanh": 17, "hard_shrink": 18, "soft_shrink": 19, "softplus": 20, "log_softmax": 21, "gelu_tanh": 22,
}
# Keras spellings of the same math (Keras 3 serialises `swish` as `silu`, tf_keras `silu` as `swish`).
ALIASES = {"swish": "silu", "hard_swish": "hard_silu"}
# Names whose math differs between the libraries: tf_keras' `hard_sigmoid` is 0.2 x + 0.5.
KERAS2_NAMES = {"hard_sigmoid": "hard_sigmoid_tf"}


def canonical_name(name: str, library: str | None) -> str:
    """One name per function: aliases folded, tf_keras' different math renamed (``library`` is
    ``"keras2"`` or ``"keras3"``; None for a name already canonical)."""
    name = ALIASES.get(name, name)
    if library == "keras2":
        name = KERAS2_NAMES.get(name, name)
    return name


def _check(x: int) -> None:
    if not -INPUT_LIMIT < x < INPUT_LIMIT:
        raise ActivationError(f"activation input {x} is too large: |x| must be below 2^190")


def relu6(x: int, frac: int) -> int:
    """``min(max(x, 0), 6)``."""
    return min(max(x, 0), 6 << frac)


def hard_tanh(x: int, frac: int) -> int:
    """Keras 3: ``clip(x, -1, 1)``. Exact."""
    return min(max(x, -(1 << frac)), 1 << frac)


def hard_shrink(x: int, frac: int) -> int:
    """Keras 3 (threshold 1/2): ``x`` where ``|x| > 1/2``, else 0. Exact."""
    return x if abs(x) > (1 << frac) >> 1 else 0


def soft_shrink(x: int, frac: int) -> int:
    """Keras 3 (threshold 1/2): ``x - 1/2`` above 1/2, ``x + 1/2`` below -1/2, else 0. Exact."""
    half = (1 << frac) >> 1
    return x - half if x > half else x + half if x < -half else 0


def hard_sigmoid(x: int, frac: int) -> int:
    """Keras 3: ``clip(x / 6 + 1/2, 0, 1)`` = ``clip(floor((x + 3 one + 3) / 6), 0, one)``."""
    return min(max((x + (3 << frac) + 3) // 6, 0), 1 << frac)


def hard_sigmoid_tf(x: int, frac: int) -> int:
    """tf_keras: ``clip(0.2 x + 1/2, 0, 1)`` = ``clip(floor((2x + 5 one + 5) / 10), 0, one)``."""
    return min(max((2 * x + (5 << frac) + 5) // 10, 0), 1 << frac)


def hard_silu(x: int, frac: int) -> int:
    """``x relu6(x + 3) / 6``: ``floor((x c + 3 one) / (6 one))``, ``c = clip(x + 3 one, 0, 6 one)``."""
    if x >= 3 << frac:
        return x
    if x <= -(3 << frac):
        return 0
    return (x * (x + (3 << frac)) + (3 << frac)) // (6 << frac)


def silu(x: int, frac: int) -> int:
    """``x sigmoid(x)``, see the module docstring."""
    return _times_sigmoid(x, exp_q64(-abs(x), frac))  # e = 0 below -128: x itself above 0, 0 below


def _times_sigmoid(x: int, e: int) -> int:
    """``x sigmoid(v)`` for an odd ``v`` (the sign of ``x``) and ``e = e^-|v|`` in Q64."""
    q = div_round(abs(x) * (ONE_Q64 if x >= 0 else e), ONE_Q64 + e)
    return q if x >= 0 else -q


def _exp_minus_one(x: int, frac: int, multiplier: tuple[int, int]) -> int:
    """``c (e^x - 1)`` for ``x <= 0``, ``c = q 2^-q_frac``."""
    q, q_frac = multiplier
    return rescale((exp_q64(x, frac) - ONE_Q64) * q, 64 + q_frac, frac)


def elu(x: int, frac: int, alpha: tuple[int, int]) -> int:
    """``x`` for ``x > 0``, else ``alpha (e^x - 1)`` (``alpha`` a multiplier)."""
    return x if x > 0 else _exp_minus_one(x, frac, alpha)


def selu(x: int, frac: int) -> int:
    """``scale x`` for ``x > 0``, else ``scale alpha (e^x - 1)``."""
    if x > 0:
        q, q_frac = quantise_multiplier(SELU_SCALE)
        return rescale(x * q, frac + q_frac, frac)
    return _exp_minus_one(x, frac, quantise_multiplier(SELU_SCALE * SELU_ALPHA))


def softsign(x: int, frac: int) -> int:
    """``x / (1 + |x|)``."""
    q = div_round(abs(x) << frac, (1 << frac) + abs(x))
    return q if x >= 0 else -q


def mish(x: int, frac: int) -> int:
    """``x tanh(softplus(x))``, see the module docstring."""
    magnitude = abs(x)
    e = exp_q64(-magnitude, frac)
    if x >= 0:
        n = (1 << 128) + (e << 65)
        d = n + 2 * e * e
    else:
        n = e * e + (e << 65)
        d = n + (1 << 129)
    q = (magnitude * ((n << 64) // d) + (1 << 63)) >> 64
    return q if x >= 0 else -q


def softplus(x: int, frac: int) -> int:
    """``log(1 + e^x)``, see the module docstring."""
    return max(x, 0) + rescale(ln_q64(ONE_Q64 + exp_q64(-abs(x), frac)), 64, frac)


def log_softmax(values, frac: int) -> list[int]:
    """``log(softmax(v))`` of one vector of ints, see the module docstring."""
    values = [int(v) for v in values]
    for v in values:
        _check(v)
    peak = max(values)
    shift = peak + rescale(ln_q64(sum(exp_q64(v - peak, frac) for v in values)), 64, frac)
    return [v - shift for v in values]


# round(1/sqrt(2) 2^64) and Numerical Recipes' erfcc coefficients a_0..a_9 as round(a_i 2^64).
INV_SQRT2_Q64 = 13043817825332782212
ERFC_COEFFICIENTS = (
    -23344580228959459038, 18447180892609217058, 6900778646152390635, 1785352998843838511,
    -3436408166807849374, 5144207917619320400, -20940817290516496358, 27458271303545117351,
    -15166031776439592233, 3152046257355835260,
)
GELU_SATURATION = 16  # |x| from which gelu is x, resp. 0


def gelu(x: int, frac: int) -> int:
    """``x Phi(x)`` (the erf form), see the module docstring."""
    magnitude = abs(x)
    if magnitude >= GELU_SATURATION << frac:
        return max(x, 0)
    z = (magnitude * INV_SQRT2_Q64) >> frac
    t = (1 << 128) // ((1 << 64) + (z >> 1))
    p = ERFC_COEFFICIENTS[-1]
    for a in reversed(ERFC_COEFFICIENTS[:-1]):
        p = ((p * t) >> 64) + a
    exponent = min(p - ((z * z) >> 64), 0)
    c = ((t * exp_q64(exponent, 64)) >> 64) >> 1
    r = (magnitude * c + (1 << 63)) >> 64
    return x - r if x >= 0 else -r


# round(2 sqrt(2/pi) 2^64) and round(0.044715 2 sqrt(2/pi) 2^64): gelu_tanh's v = 2u in Q64.
GELU_TANH_A_Q64 = 29436744586989209809
GELU_TANH_B_Q64 = 1316264034207222517


def gelu_tanh(x: int, frac: int) -> int:
    """``x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2``, see the module docstring."""
    magnitude = abs(x)
    if magnitude >= GELU_SATURATION << frac:
        return max(x, 0)
    cube = (((magnitude * magnitude) >> frac) * magnitude) >> frac
    v = (magnitude * GELU_TANH_A_Q64 + cube * GELU_TANH_B_Q64) >> 64
    return _times_sigmoid(x, exp_q64(-v, frac))


def extended_function(name: str, frac: int):
    """The integer function of an extended activation (``exponential`` is ``activations.exp``)."""
    from eternal.activations import exp

    table = {
        "relu6": relu6, "hard_sigmoid": hard_sigmoid, "hard_sigmoid_tf": hard_sigmoid_tf,
        "hard_silu": hard_silu, "silu": silu, "mish": mish, "gelu": gelu, "gelu_tanh": gelu_tanh, "selu": selu, "softsign": softsign, "exponential": exp,
        "hard_tanh": hard_tanh, "hard_shrink": hard_shrink, "soft_shrink": soft_shrink, "softplus": softplus,
    }
    if name == "elu":
        alpha = quantise_multiplier(ELU_ALPHA)
        function = lambda x, f: elu(x, f, alpha)  # noqa: E731
    else:
        function = table[name]

    def checked(x: int) -> int:
        _check(x)
        return function(x, frac)

    return checked


EXTENDED.update({name: (lambda frac, name=name: extended_function(name, frac))
                 for name in EXTENDED_CODES if name != "log_softmax"})
ROW_WISE["log_softmax"] = log_softmax
