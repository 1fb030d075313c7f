"""How a job commits to a tensor: in pieces, each named by its hash and the element it ends at.

``InferenceJobs`` never holds a tensor whole across steps. It commits to each tensor of a job's
live set as a list of pieces (``IInferenceJobs.Tensor``): runs of at most :data:`PIECE_VALUES`
values, each a packed tensor of its own (:mod:`eternal.tensorpack`), named by ``keccak256`` of
its bytes and by the element after it. A step is handed only the pieces it reads: a whole tensor
for a layer that reads it whole, the pieces under a window for a slice, none for the step that
completes a sliced layer. The functions here are the contract's rules, byte for byte, with no
chain (the chain tests check them against the contract).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode
from eth_utils import keccak

from eternal.tensorpack import pack, unpack

PIECE_VALUES = 1024  # InferenceJobs.PIECE_VALUES: the most values in one piece
TENSOR_ABI = "(uint256,bytes32[],uint256[])"  # IInferenceJobs.Tensor


@dataclass(frozen=True)
class Tensor:
    """A tensor as a job commits to it: piece j holds elements ``[ends[j - 1], ends[j])``."""

    id: int  # canonical id: the index of the layer whose output it is
    hashes: tuple[bytes, ...]  # per piece: keccak256 of its packed bytes
    ends: tuple[int, ...]  # per piece: one past its last element

    @classmethod
    def of(cls, entry) -> Tensor:
        """From the ABI: an ``(id, hashes, ends)`` tuple, or a dict with those keys (an event's)."""
        if isinstance(entry, dict) or hasattr(entry, "keys"):
            entry = (entry["id"], entry["hashes"], entry["ends"])
        tensor_id, hashes, ends = entry
        return cls(int(tensor_id), tuple(bytes(h) for h in hashes), tuple(int(e) for e in ends))

    @property
    def abi(self) -> tuple:
        """The ``Tensor`` tuple a step's calldata carries."""
        return self.id, list(self.hashes), list(self.ends)

    @property
    def size(self) -> int:
        """Elements in the whole tensor."""
        return self.ends[-1]

    def covering(self, offset: int, count: int) -> range:
        """The indices of the pieces that hold elements ``[offset, offset + count)`` (none for no elements)."""
        if count == 0:
            return range(0)
        first = next(j for j, end in enumerate(self.ends) if end > offset)
        last = next(j for j, end in enumerate(self.ends) if end >= offset + count)
        return range(first, last + 1)

    def start(self, piece: int) -> int:
        """The first element of piece ``piece``."""
        return self.ends[piece - 1] if piece else 0


def cut_every(packed: bytes, base: int = 0) -> tuple[list[bytes], list[int]]:
    """A tensor (or a slice from element ``base``) cut as the contract cuts what it computes:
    every :data:`PIECE_VALUES` values, each piece at ``packed``'s width (an empty tensor is one
    empty piece). Returns the pieces and the element after each."""
    values = (len(packed) - 1) // packed[0]
    ends = [min(a + PIECE_VALUES, values) for a in range(0, max(values, 1), PIECE_VALUES)]
    return cut_at(packed, ends), [base + end for end in ends]


def cut_at(packed: bytes, ends) -> list[bytes]:
    """A whole tensor cut at the given piece ends (as a ``Tensor`` entry states them), each piece at its width."""
    width, at, pieces = packed[0], 0, []
    for end in ends:
        pieces.append(bytes([width]) + bytes(packed[1 + at * width:1 + end * width]))
        at = end
    return pieces


def describe(tensor_id: int, packed: bytes) -> tuple[Tensor, list[bytes]]:
    """A tensor computed whole, as the contract commits to it, and its pieces."""
    pieces, ends = cut_every(packed)
    return Tensor(tensor_id, tuple(keccak(p) for p in pieces), tuple(ends)), pieces


def join(pieces) -> bytes:
    """Pieces as one packed tensor, at the widest piece's width (the contract's ``_merge``)."""
    width = max((p[0] for p in pieces), default=1)
    if all(p[0] == width for p in pieces):
        return bytes([width]) + b"".join(bytes(p[1:]) for p in pieces)
    values = [v for k, p in enumerate(pieces) for v in unpack(p, k)]
    joined = pack(values)
    if joined[0] == width:
        return joined
    return bytes([width]) + b"".join(int(v).to_bytes(width, "big", signed=True) for v in values)


def state_hash(live) -> bytes:
    """What a job commits to for a live set: ``keccak256(abi.encode(Tensor[] live))``."""
    return keccak(encode([f"{TENSOR_ABI}[]"], [[t.abi for t in live]]))


def chain(hashes, ends, chained: bytes = bytes(32)) -> bytes:
    """The hash chain of a layer's slice pieces: ``h = keccak256(h ‖ hash ‖ uint256 end)`` per piece."""
    for piece_hash, end in zip(hashes, ends, strict=True):
        chained = keccak(chained + bytes(piece_hash) + int(end).to_bytes(32, "big"))
    return chained
