"""The export file: one JSON object with a model's graph, weight bytes and hashes (docs/FORMAT.md).

``{"format": "eternal-export/1", "graph": {...}, "weights": {"encoding": "base64", "size": n,
"data": "..."}, "hashes": {"graph", "weights", "model"}}``, plus ``quantisation``, ``stats`` and
``source`` when it comes from the exporter. This module is the one place that builds it
(:func:`export_dict`), decodes its weights (:func:`weight_stream`) and saves and loads it.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from eternal.errors import ExportFileError
from eternal.hashing import model_hashes

EXPORT_FORMAT = "eternal-export/1"


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
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(export, sort_keys=True, separators=(",", ":")))
    os.replace(temporary, path)


def load_export(path) -> dict:
    """Reads an export file back and checks that its hashes match its contents.

    Raises:
        ExportFileError: the file is missing, not an export, incomplete, or changed after export.
    """
    path = Path(path)
    try:
        export = json.loads(path.read_text())
    except FileNotFoundError:
        raise ExportFileError(f"Export file not found: {path}") from None
    except (OSError, ValueError) as exc:
        raise ExportFileError(f"{path}: not a readable export file ({exc})") from None
    if not isinstance(export, dict) or export.get("format") != EXPORT_FORMAT:
        found = export.get("format") if isinstance(export, dict) else None
        raise ExportFileError(f"{path}: not an Eternal export (format {found!r}, expected {EXPORT_FORMAT!r})")
    try:
        actual = model_hashes(export["graph"], weight_stream(export))
    except (KeyError, TypeError, ValueError) as exc:
        raise ExportFileError(f"{path}: export file is incomplete or corrupt ({exc})") from None
    if actual != export.get("hashes"):
        raise ExportFileError(f"{path}: contents do not match the recorded hashes (file changed after export)")
    return export
