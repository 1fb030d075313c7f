"""The export file: one JSON object with a model's graph, weight bytes and hashes (docs/FORMAT.md).

``{"format": "eternal-export/1", "graph": {...}, "weights": {"encoding": "base64", "size": n,
"data": "..."}, "hashes": {"graph", "weights", "model"}}``, plus ``quantisation``, ``stats`` and
``source`` when it comes from the exporter. This module is the one place that builds it
(:func:`export_dict`), decodes its weights (:func:`weight_stream`) and saves and loads it.

A saved file starts with ``{"checksum":"<sha256>",``: the SHA-256 of the file's bytes
without that entry. The model hashes cover only the graph and the weights; the checksum
covers every byte, so a file damaged anywhere (the reports too) is refused. Files saved
before it had a checksum still load, by their model hashes alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from eternal.errors import ExportFileError
from eternal.hashing import model_hashes

EXPORT_FORMAT = "eternal-export/1"
CHECKSUM_PREFIX = b'{"checksum":"'  # "checksum" sorts before every other top-level key
UNCHECKED_FILE_KEYS = {"format", "graph", "weights", "hashes", "quantisation", "stats", "source"}


def export_dict(graph: dict, stream: bytes, hashes: dict | None = None, **extra) -> dict:
    """An export of a canonical graph and its weight bytes.

    Args:
        graph: the canonical graph.
        stream: the weight bytes, exactly as stored on chain.
        hashes: the hashes to record as lower-case hex (e.g. as committed on chain);
            by default :func:`eternal.hashing.model_hashes` of ``graph`` and ``stream``.
        **extra: further top-level entries (the exporter's ``quantisation``, ``stats``, ``source``).
    """
    return {
        "format": EXPORT_FORMAT,
        "graph": graph,
        "weights": {"encoding": "base64", "size": len(stream), "data": base64.b64encode(stream).decode("ascii")},
        "hashes": model_hashes(graph, stream) if hashes is None else dict(hashes),
        **extra,
    }


def weight_stream(export: dict) -> bytes:
    """The raw weight bytes of an export dict."""
    return base64.b64decode(export["weights"]["data"])


def save_export(export: dict, path) -> None:
    """Writes an export file atomically."""
    path = Path(path)
    body = json.dumps({k: v for k, v in export.items() if k != "checksum"}, sort_keys=True, separators=(",", ":"))
    body = body.encode("ascii")  # json.dumps escapes everything else
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(CHECKSUM_PREFIX + hashlib.sha256(body).hexdigest().encode() + b'",' + body[1:])
    os.replace(temporary, path)


def _check_checksum(path: Path, data: bytes, export: dict) -> None:
    """Raises unless the file's checksum matches its bytes (or it is a file saved without one)."""
    if "checksum" not in export:
        unknown = set(export) - UNCHECKED_FILE_KEYS
        if unknown:  # e.g. a damaged "checksum" key
            raise ExportFileError(f"{path}: unknown entries {sorted(unknown)} and no checksum: the file is damaged")
        return
    digest = data[len(CHECKSUM_PREFIX) : len(CHECKSUM_PREFIX) + 64]
    body = b"{" + data[len(CHECKSUM_PREFIX) + 66 :]
    if (not data.startswith(CHECKSUM_PREFIX) or data[len(CHECKSUM_PREFIX) + 64 : len(CHECKSUM_PREFIX) + 66] != b'",'
            or hashlib.sha256(body).hexdigest().encode() != digest):
        raise ExportFileError(f"{path}: the file does not match its checksum (damaged or edited after it was saved)")


def load_export(path) -> dict:
    """Reads an export file back and checks that its hashes match its contents.

    Raises:
        ExportFileError: the file is missing, not an export, incomplete, or changed after export.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
        export = json.loads(data.decode("utf-8"))
    except FileNotFoundError:
        raise ExportFileError(f"Export file not found: {path}") from None
    except (OSError, ValueError) as exc:
        raise ExportFileError(f"{path}: not a readable export file ({exc})") from None
    if not isinstance(export, dict) or export.get("format") != EXPORT_FORMAT:
        found = export.get("format") if isinstance(export, dict) else None
        raise ExportFileError(f"{path}: not an Eternal export (format {found!r}, expected {EXPORT_FORMAT!r})")
    _check_checksum(path, data, export)
    export.pop("checksum", None)
    try:
        actual = model_hashes(export["graph"], weight_stream(export))
    except (KeyError, TypeError, ValueError) as exc:
        raise ExportFileError(f"{path}: export file is incomplete or corrupt ({exc})") from None
    if actual != export.get("hashes"):
        raise ExportFileError(f"{path}: contents do not match the recorded hashes (file changed after export)")
    return export
