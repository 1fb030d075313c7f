"""The ABI config pieces every layer contract's config is built from (docs/CONTRACTS.md).

Every config starts with :func:`header`; weight tensors are :func:`tensor_ref` triples.
"""

from __future__ import annotations

from eth_abi import encode

from eternal.fixedpoint import bits_of


def activation_code(name: str) -> int:
    """The activation's number in configs (``Activations.sol``; ``activations.CODES``, then ``EXTENDED_CODES``)."""
    from eternal.activations import CODES
    from eternal.extended_activations import EXTENDED_CODES

    return CODES[name] if name in CODES else EXTENDED_CODES[name]


def header(graph: dict) -> list:
    """``(activationFracBits, weightBits)``, the start of every layer config."""
    return [int(graph["activation_frac_bits"]), bits_of(graph["precision"])]


def tensor_ref(tensor: dict | None) -> tuple[int, int, int]:
    """A weight tensor as ``(offset, size, fracBits)`` (zeros when absent)."""
    if tensor is None:
        return (0, 0, 0)
    return (int(tensor["offset"]), int(tensor["size"]), int(tensor["frac_bits"]))


def encode_words(values: list) -> bytes:
    """ABI encoding of a list of uint256/int256/(uint256,uint256,int256) values."""
    types = []
    flat = []
    for value in values:
        if isinstance(value, tuple):
            types.append("(uint256,uint256,int256)")
        elif isinstance(value, bool):
            types.append("bool")
        elif value < 0:
            types.append("int256")
        else:
            types.append("uint256")
        flat.append(value)
    return encode(types, flat)
