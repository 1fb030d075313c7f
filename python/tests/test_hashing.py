"""eternal.hashing: the graph, page-wise weights and model hashes, and their parts."""

import hashlib

from eternal.hashing import (
    canonical_bytes,
    graph_digest,
    model_digest,
    model_hashes,
    page_hashes,
    pages_digest,
    weights_digest,
)

GRAPH = {"name": "tiny", "layers": [], "page_size": 10}
STREAM = bytes(range(25))


def test_the_parts_make_model_hashes():
    pages = [STREAM[:10], STREAM[10:20], STREAM[20:]]
    digests = page_hashes(STREAM, 10)
    assert digests == [hashlib.sha256(page).digest() for page in pages]
    assert pages_digest(digests) == weights_digest(STREAM, 10) == hashlib.sha256(b"".join(digests)).digest()
    graph = graph_digest(canonical_bytes(GRAPH))
    assert graph == hashlib.sha256(canonical_bytes(GRAPH)).digest()
    assert model_hashes(GRAPH, STREAM) == {
        "graph": graph.hex(),
        "weights": pages_digest(digests).hex(),
        "model": model_digest(graph, pages_digest(digests)).hex(),
    }
    assert model_digest(graph, pages_digest(digests)) == hashlib.sha256(graph + pages_digest(digests)).digest()


def test_no_weights_hash_to_the_digest_of_nothing():
    assert page_hashes(b"") == []
    assert weights_digest(b"") == pages_digest([]) == hashlib.sha256(b"").digest()
