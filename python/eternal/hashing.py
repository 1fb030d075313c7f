"""SHA-256 hashes of a model: graph, page-wise weights, combined (docs/FORMAT.md)."""

from __future__ import annotations

import hashlib
import json

from eternal.weightstream import PAGE_SIZE, split_pages


def canonical_bytes(graph: dict) -> bytes:
    """The graph's canonical JSON bytes: sorted keys, no spaces, UTF-8."""
    return json.dumps(graph, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def graph_digest(graph_bytes: bytes) -> bytes:
    """sha256 of the graph's bytes (its :func:`canonical_bytes`, as stored on chain)."""
    return hashlib.sha256(graph_bytes).digest()


def page_hashes(stream: bytes, page_size: int = PAGE_SIZE) -> list[bytes]:
    """SHA-256 digest of every page, as the chain computes them while storing."""
    return [hashlib.sha256(page).digest() for page in split_pages(stream, page_size)]


def pages_digest(digests: list[bytes]) -> bytes:
    """The weights hash from the pages' digests: sha256(digest_0 || digest_1 || ...)."""
    return hashlib.sha256(b"".join(digests)).digest()


def weights_digest(stream: bytes, page_size: int = PAGE_SIZE) -> bytes:
    """sha256(sha256(page_0) || sha256(page_1) || ...)."""
    return pages_digest(page_hashes(stream, page_size))


def model_digest(graph_digest: bytes, weights_digest_: bytes) -> bytes:
    """sha256(graph_hash || weights_hash), the combined hash committed on chain."""
    return hashlib.sha256(graph_digest + weights_digest_).digest()


def model_hashes(graph: dict, stream: bytes) -> dict[str, str]:
    """The three hashes as lower-case hex: ``{"graph", "weights", "model"}``."""
    graph_hash = graph_digest(canonical_bytes(graph))
    weights = weights_digest(stream, graph.get("page_size", PAGE_SIZE))
    return {
        "graph": graph_hash.hex(),
        "weights": weights.hex(),
        "model": model_digest(graph_hash, weights).hex(),
    }
