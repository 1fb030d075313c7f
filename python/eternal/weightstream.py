"""The weight stream: tensor layouts, 32-byte alignment and pages (docs/FORMAT.md)."""

from __future__ import annotations

import math

import numpy as np

from eternal.fixedpoint import decode_offset_binary, encode_offset_binary

PAGE_SIZE = 24575
WORD = 32
LAYOUTS = ("plain", "blocked")


def elements_per_word(bits: int) -> int:
    """How many weights of ``bits`` one 256-bit word holds."""
    return 256 // bits


def padded_size(nbytes: int) -> int:
    """``nbytes`` rounded up to whole 32-byte words."""
    return -(-nbytes // WORD) * WORD


def layout_order(q: np.ndarray, layout: str, bits: int) -> np.ndarray:
    """The tensor's integers in storage order (blocked kernels padded with zeros)."""
    if layout == "plain":
        return np.asarray(q).ravel()
    if layout != "blocked":
        raise ValueError(f"unknown layout {layout!r}")
    matrix = np.asarray(q).reshape(-1, q.shape[-1])
    rows, out = matrix.shape
    per_word = elements_per_word(bits)
    blocks = -(-out // per_word)
    padded = np.zeros((rows, blocks * per_word), dtype=np.int64)
    padded[:, :out] = matrix
    return padded.reshape(rows, blocks, per_word).transpose(1, 0, 2).ravel()


def stored_size(shape, layout: str, bits: int) -> int:
    """Bytes a tensor takes in the stream, padding included."""
    count = math.prod(shape)
    if layout == "blocked":
        rows, out = math.prod(shape[:-1]), shape[-1]
        count = rows * -(-out // elements_per_word(bits)) * elements_per_word(bits)
    return padded_size(count * bits // 8)


def encode_tensor(q: np.ndarray, layout: str, bits: int) -> bytes:
    """Storage bytes of one quantised tensor, padded to whole words."""
    raw = encode_offset_binary(layout_order(q, layout, bits), bits)
    return raw + bytes(padded_size(len(raw)) - len(raw))


def decode_tensor(data: bytes, shape, layout: str, bits: int) -> np.ndarray:
    """Inverse of :func:`encode_tensor`: the int64 tensor in its Keras shape."""
    count = math.prod(shape)
    if layout == "plain":
        return decode_offset_binary(data[: count * bits // 8], bits).reshape(shape)
    rows, out = math.prod(shape[:-1]), shape[-1]
    per_word = elements_per_word(bits)
    blocks = -(-out // per_word)
    flat = decode_offset_binary(data[: rows * blocks * per_word * bits // 8], bits)
    matrix = flat.reshape(blocks, rows, per_word).transpose(1, 0, 2).reshape(rows, blocks * per_word)
    return matrix[:, :out].reshape(shape)


def layer_tensors(layer: dict, stream: bytes, bits: int) -> list[tuple[np.ndarray, int]]:
    """A graph layer's quantised tensors as ``(int64 values in the Keras shape, frac_bits)``."""
    from eternal.errors import ExportFileError

    tensors = []
    for tensor in layer["weights"]:
        data = stream[tensor["offset"] : tensor["offset"] + tensor["size"]]
        if len(data) != tensor["size"]:
            raise ExportFileError(f"Layer '{layer['name']}' tensor '{tensor['name']}' lies outside the weight stream")
        tensors.append((decode_tensor(data, tensor["shape"], tensor["layout"], bits), int(tensor["frac_bits"])))
    return tensors


def split_pages(stream: bytes, page_size: int = PAGE_SIZE) -> list[bytes]:
    """The stream cut into pages of ``page_size`` bytes (the last may be shorter)."""
    return [stream[i : i + page_size] for i in range(0, len(stream), page_size)]
