"""The one number format shared with the Solidity runtime (docs/FORMAT.md, "Numbers").

Activations carry ``activation_frac_bits`` fractional bits; each weight tensor is
``precision`` wide with its own power-of-two scale. All integer rounding goes
through :func:`rescale` (round half up), exactly as ``contracts/lib/FixedMath.sol``.
"""

from __future__ import annotations

import numpy as np

from eternal.errors import QuantisationError

PRECISIONS = {"int8": 8, "int16": 16, "int32": 32}
DEFAULT_PRECISION = "int32"
ACTIVATION_FRAC_BITS = 24
MIN_FRAC_BITS = -64
MAX_FRAC_BITS = 96


def bits_of(precision: str) -> int:
    """Width in bits of a precision name, e.g. ``"int16"`` -> 16."""
    try:
        return PRECISIONS[precision]
    except KeyError:
        raise QuantisationError(
            f"Unknown precision {precision!r}. Supported: {', '.join(PRECISIONS)}"
        ) from None


def rescale(value: int, from_frac: int, to_frac: int) -> int:
    """Moves an integer from ``from_frac`` to ``to_frac`` fractional bits, rounding half up."""
    if to_frac >= from_frac:
        return value << (to_frac - from_frac)
    shift = from_frac - to_frac
    return (value + (1 << (shift - 1))) >> shift


def rescale_array(values: np.ndarray, from_frac: int, to_frac: int) -> np.ndarray:
    """:func:`rescale` over an object array of Python ints (exact, no overflow)."""
    if to_frac >= from_frac:
        return values * (1 << (to_frac - from_frac))
    shift = from_frac - to_frac
    return (values + (1 << (shift - 1))) >> shift


def to_ints(values: np.ndarray) -> np.ndarray:
    """An object array of exact Python ints with the same shape."""
    out = np.empty(np.shape(values), dtype=object)
    out.flat[:] = [int(v) for v in np.asarray(values).flat]
    return out


def quantise_activations(values, frac_bits: int = ACTIVATION_FRAC_BITS) -> np.ndarray:
    """Float activations (e.g. a model input) to exact ints, round half to even."""
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise QuantisationError("Input holds NaN or Inf; only finite numbers can be written in fixed point")
    return to_ints(np.rint(np.ldexp(array, frac_bits)))


def dequantise(values, frac_bits: int) -> np.ndarray:
    """Fixed-point ints back to float64."""
    return np.ldexp(np.asarray(values, dtype=np.float64), -frac_bits)


def to_fixed(values, frac_bits: int) -> list[int]:
    """Float inputs to the flat list of fixed-point ints ``predict`` takes (C order, half to even)."""
    return [int(v) for v in quantise_activations(values, frac_bits).ravel()]


def from_fixed(values, frac_bits: int, shape=None) -> np.ndarray:
    """Fixed-point ints returned by ``predict`` (2^-F scale) back to float64, optionally reshaped."""
    # float(int) rounds correctly even past int64, so go through Python ints.
    array = np.ldexp(np.array([float(int(v)) for v in values], dtype=np.float64), -frac_bits)
    return array.reshape(shape) if shape is not None else array


def choose_frac_bits(array: np.ndarray, bits: int, where: str = "tensor") -> int:
    """The largest scale in [MIN_FRAC_BITS, MAX_FRAC_BITS] at which every value fits ``bits``."""
    values = np.asarray(array, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise QuantisationError(f"{where}: holds NaN or Inf; only finite weights can be exported")
    peak = float(np.max(np.abs(values))) if values.size else 0.0
    if peak == 0.0:
        return bits - 1
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    # Start from the exponent that puts the peak just under 2^(bits-1), then step
    # down while rounding pushes a value out of range.
    frac = min(MAX_FRAC_BITS, (bits - 1) - int(np.floor(np.log2(peak))) - 1)
    while frac >= MIN_FRAC_BITS:
        scaled = np.rint(np.ldexp(values, frac))
        if scaled.min() >= low and scaled.max() <= high:
            if frac < MAX_FRAC_BITS:
                # Try one bit more: floor(log2) can leave a bit unused.
                bigger = np.rint(np.ldexp(values, frac + 1))
                if bigger.min() >= low and bigger.max() <= high:
                    frac += 1
                    continue
            return frac
        frac -= 1
    raise QuantisationError(
        f"{where}: largest magnitude {peak:g} does not fit {bits}-bit fixed point "
        f"even at 2^{-MIN_FRAC_BITS} per step"
    )


def quantise_weights(array: np.ndarray, bits: int, where: str = "tensor") -> tuple[np.ndarray, int, float]:
    """Quantises a float tensor.

    Returns:
        ``(q, frac_bits, max_abs_error)`` with ``q`` an int64 array of the same shape.
    """
    values = np.asarray(array, dtype=np.float64)
    frac = choose_frac_bits(values, bits, where)
    q = np.rint(np.ldexp(values, frac)).astype(np.int64)
    error = float(np.max(np.abs(np.ldexp(q.astype(np.float64), -frac) - values))) if values.size else 0.0
    return q, frac, error


def encode_offset_binary(q: np.ndarray, bits: int) -> bytes:
    """Big-endian offset-binary bytes of integers (``q + 2^(bits-1)`` as unsigned)."""
    unsigned = {8: ">u1", 16: ">u2", 32: ">u4"}[bits]
    shifted = np.asarray(q, dtype=np.int64).ravel() + (1 << (bits - 1))
    return shifted.astype(unsigned).tobytes()


def decode_offset_binary(data: bytes, bits: int) -> np.ndarray:
    """Inverse of :func:`encode_offset_binary`; returns int64."""
    unsigned = {8: ">u1", 16: ">u2", 32: ">u4"}[bits]
    return np.frombuffer(data, dtype=unsigned).astype(np.int64) - (1 << (bits - 1))
