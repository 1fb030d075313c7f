"""Packed tensors (docs/FORMAT.md, "Packed tensors"): the bytes ``runStage`` and
``predictPacked`` carry, the same bytes as ``contracts/lib/PackedTensor.sol``.

One byte ``w`` (1..32), then each value in ``w`` bytes, big-endian two's complement,
``w`` the smallest width that holds every value exactly (1 for an empty or all-zero
tensor). Values are fixed-point ints (2^-F); a 28x28 image of 24-bit fractions packs in
4 bytes a value instead of an ``int256[]``'s 32.
"""

from __future__ import annotations

import numpy as np

from eternal.errors import PackedTensorError

MAX_WIDTH = 32  # bytes: an int256
NUMPY_WIDTH = 8  # widths up to this go through int64 arrays; wider ones through Python ints


def width_of(values) -> int:
    """The smallest ``w`` in 1..32 whose ``w``-byte two's complement holds every value.

    Raises:
        PackedTensorError: a value outside int256.
    """
    flat = np.asarray(values, dtype=object).ravel()
    if flat.size == 0:
        return 1
    low, high = int(min(flat)), int(max(flat))
    # v fits w bytes iff -2^(8w-1) <= v < 2^(8w-1), i.e. iff v (or ~v for v < 0) has < 8w bits.
    bits = max(low.bit_length() if low >= 0 else (~low).bit_length(), high.bit_length() if high >= 0 else (~high).bit_length())
    width = max(1, bits // 8 + 1)
    if width > MAX_WIDTH:
        worst = low if abs(low) > abs(high) else high
        raise PackedTensorError(f"Packed tensor: value {worst} does not fit int256")
    return width


def pack(values) -> bytes:
    """Ints (any shape; Python ints, int64 or object arrays) to packed-tensor bytes, C order.

    Raises:
        PackedTensorError: a value outside int256, or not an integer.
    """
    # A list goes in as objects: numpy would turn [0, 2**63] into floats, losing bits.
    array = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    flat = array.ravel()
    if array.dtype == object:
        strays = [v for v in flat if not isinstance(v, (int, np.integer)) or isinstance(v, bool)]
        if strays:
            raise PackedTensorError(f"Packed tensor: expected integers, got {strays[0]!r} ({type(strays[0]).__name__})")
    elif not np.issubdtype(array.dtype, np.integer):
        raise PackedTensorError(f"Packed tensor: expected integers, got dtype {array.dtype}")
    width = width_of(flat)
    if width <= NUMPY_WIDTH:
        words = np.asarray(flat.astype(np.int64), dtype=">i8").view(np.uint8).reshape(-1, 8)
        return bytes([width]) + words[:, 8 - width:].tobytes()
    return bytes([width]) + b"".join(int(v).to_bytes(width, "big", signed=True) for v in flat)


def unpack(data: bytes, index: int = 0) -> np.ndarray:
    """Packed-tensor bytes to a flat object array of Python ints.

    Args:
        index: which tensor this is, for the error (as ``BadPackedTensor(index)``).

    Raises:
        PackedTensorError: no width byte, a width outside 1..32, or a length that is not
            a whole number of values.
    """
    data = bytes(data)
    if not data or not 1 <= data[0] <= MAX_WIDTH or (len(data) - 1) % data[0]:
        shown = f"width byte {data[0]}" if data else "no width byte"
        raise PackedTensorError(f"Packed tensor {index}: {len(data)} bytes with {shown} is not a packed tensor "
                                f"(one width byte 1..{MAX_WIDTH}, then whole values)")
    width, body = data[0], data[1:]
    count = len(body) // width
    if width <= NUMPY_WIDTH:
        raw = np.frombuffer(body, dtype=np.uint8).reshape(count, width)
        sign = np.where(raw[:, :1] >= 0x80, 0xFF, 0).astype(np.uint8)  # sign-extend to 8 bytes
        words = np.concatenate([np.repeat(sign, 8 - width, axis=1), raw], axis=1)
        values = np.ascontiguousarray(words).view(">i8").ravel()
        out = np.empty(count, dtype=object)
        out[:] = values.tolist()
        return out
    out = np.empty(count, dtype=object)
    out[:] = [int.from_bytes(body[k:k + width], "big", signed=True) for k in range(0, len(body), width)]
    return out


def window(data: bytes, size: int, lo: int, hi: int) -> bytes:
    """Values ``[lo, hi)`` of a packed tensor of ``size`` values, packed at its width: the
    width byte and bytes ``[1 + lo w, 1 + hi w)``, cut without unpacking (``runWindow``'s
    windows). ``w`` is taken as ``(len(data) - 1) // size``: the width byte for a packed
    tensor, and any bytes of the right length stand in for one (gas estimates).
    """
    width = (len(data) - 1) // size if size else 1
    return bytes([width]) + bytes(data[1 + lo * width:1 + hi * width])
