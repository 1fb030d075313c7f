"""Phase 1: a Keras model to a canonical graph, fixed-point weights and SHA-256 hashes.

``python -m eternal.export MODEL [--precision int32] -o OUT.json [--json]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from eternal.errors import DeployError
from eternal.exportfile import export_dict, load_export, save_export
from eternal.fixedpoint import ACTIVATION_FRAC_BITS, DEFAULT_PRECISION, PRECISIONS, bits_of, quantise_weights
from eternal.graph import GraphBuilder
from eternal.keras_io import library_of, load_model_file
from eternal.weightstream import PAGE_SIZE, encode_tensor, split_pages

GRAPH_FORMAT = "eternal-graph/1"


class ModelExporter:
    """Exports a Keras 2 (tf_keras) or Keras 3 model, in memory or from a file."""

    def __init__(self, precision: str = DEFAULT_PRECISION, activation_frac_bits: int = ACTIVATION_FRAC_BITS):
        self.precision = precision
        self.bits = bits_of(precision)
        self.activation_frac_bits = activation_frac_bits

    def _export_model_graph(self, model) -> tuple[dict, list]:
        """The canonical graph (without weight placement yet) and the flattened nodes."""
        nodes, inputs, outputs = GraphBuilder().build(model)
        layers = [
            {
                "name": node.name,
                "class_name": node.class_name,
                "config": node.config,
                "inbound": node.inbound,
                "output_shape": node.output_shape,
                "weights": [],
            }
            for node in nodes
        ]
        graph = {
            "format": GRAPH_FORMAT,
            "name": model.name,
            "precision": self.precision,
            "activation_frac_bits": self.activation_frac_bits,
            "page_size": PAGE_SIZE,
            "inputs": inputs,
            "outputs": outputs,
            "layers": layers,
        }
        return graph, nodes

    def _export_weights(self, graph: dict, nodes: list) -> tuple[bytes, list[dict]]:
        """Quantises every tensor, places it in the stream and records it in ``graph``.

        Returns:
            ``(stream bytes, quantisation report)``.
        """
        chunks: list[bytes] = []
        offset = 0
        report = []
        for layer, node in zip(graph["layers"], nodes):
            arrays = node.live.get_weights() if node.live is not None else []
            for tensor in node.layer_type.weights(node.config, [np.asarray(a) for a in arrays], node.raw_config):
                where = f"Layer '{node.name}' ({node.class_name}) tensor '{tensor.name}'"
                q, frac, error = quantise_weights(tensor.values, self.bits, where)
                data = encode_tensor(q, tensor.layout, self.bits)
                layer["weights"].append(
                    {
                        "name": tensor.name,
                        "shape": [int(d) for d in np.shape(tensor.values)],
                        "layout": tensor.layout,
                        "frac_bits": frac,
                        "offset": offset,
                        "size": len(data),
                    }
                )
                report.append({"layer": node.name, "tensor": tensor.name, "frac_bits": frac, "max_abs_error": error})
                chunks.append(data)
                offset += len(data)
        graph["weight_bytes"] = offset
        return b"".join(chunks), report

    def _export_tf_model(self, model) -> dict:
        """Graph, weights and hashes of an in-memory model, as one JSON-ready dict."""
        library = library_of(model)
        graph, nodes = self._export_model_graph(model)
        stream, report = self._export_weights(graph, nodes)
        params = sum(math.prod(w["shape"]) for layer in graph["layers"] for w in layer["weights"])
        stats = {
            "layers": len(graph["layers"]),
            "params": params,
            "weight_bytes": len(stream),
            "pages": len(split_pages(stream, graph["page_size"])),
        }
        source = {"library": library, "keras_version": _keras_version(library)}
        return export_dict(graph, stream, quantisation=report, stats=stats, source=source)

    def export_model(self, model) -> dict:
        """Exports a model object or a ``.keras``/``.h5`` path."""
        if isinstance(model, (str, os.PathLike)):
            model = load_model_file(model)
        return self._export_tf_model(model)


def load_model_input(source, precision: str | None = None) -> dict:
    """An export dict from an export dict, an export file (.json), a Keras file or a Keras model.

    ``precision`` (default int32) applies to Keras models; an export keeps its own and must
    match ``precision`` when one is given.

    Raises:
        DeployError: an export at another precision than ``precision``.
    """
    if isinstance(source, (str, os.PathLike)) and Path(source).suffix == ".json":
        source = load_export(source)
    if isinstance(source, dict):
        if precision is not None and source["graph"]["precision"] != precision:
            raise DeployError(f"The export is at {source['graph']['precision']}, not {precision}: export it again")
        return source
    return ModelExporter(precision or DEFAULT_PRECISION).export_model(source)


def _keras_version(library: str) -> str:
    from eternal.keras_io import keras_module

    return str(keras_module(library).__version__)


def summary_lines(export: dict) -> list[str]:
    """A short human summary of an export."""
    stats, hashes = export["stats"], export["hashes"]
    worst = max((entry["max_abs_error"] for entry in export["quantisation"]), default=0.0)
    return [
        f"model        {export['graph']['name']} ({export['source']['library']}, Keras {export['source']['keras_version']})",
        f"layers       {stats['layers']}",
        f"params       {stats['params']:,} at {export['graph']['precision']} (largest quantisation error {worst:.3g})",
        f"weight bytes {stats['weight_bytes']:,} in {stats['pages']} page(s)",
        f"graph hash   {hashes['graph']}",
        f"weights hash {hashes['weights']}",
        f"model hash   {hashes['model']}",
    ]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .keras or .h5 model file")
    parser.add_argument("--precision", choices=sorted(PRECISIONS), default=DEFAULT_PRECISION, help="weight width (default int32)")
    parser.add_argument("-o", "--output", help="export file to write (JSON)")
    parser.add_argument("--json", action="store_true", help="print one JSON object to stdout")


def run(args) -> int:
    """Exports, writes the file and prints the summary (or the JSON line)."""
    started = time.perf_counter()
    export = ModelExporter(args.precision).export_model(args.model)
    if args.output:
        save_export(export, args.output)
    seconds = time.perf_counter() - started
    if args.json:
        stats = export["stats"]
        print(json.dumps({"hashes": export["hashes"], "layers": stats["layers"], "params": stats["params"], "weight_bytes": stats["weight_bytes"]}))
    else:
        for line in summary_lines(export):
            print(line)
        if args.output:
            print(f"written      {args.output} ({seconds:.2f} s)")
    return 0


if __name__ == "__main__":
    from eternal.cli import run_module  # the entry shim only; commands never import the CLI

    sys.exit(run_module("export"))
