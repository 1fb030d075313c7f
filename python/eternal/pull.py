"""Rebuild a deployed model as a Keras model from the chain alone.

``python -m eternal.pull ADDRESS -o model.keras [--rpc-url URL]``: reads the graph and
the pages, checks every hash, and saves the Keras 3 model with the fixed-point weights.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from eternal.chain import connect, default_rpc_url
from eternal.errors import UsageError, VerifyError
from eternal.verify import check_model, read_model


def pull_model(w3, address: str):
    """The Keras model held at ``address`` (hashes checked first) and its export dict."""
    from eternal.rebuild import build_keras_model

    onchain = read_model(w3, address)
    report = check_model(onchain)
    if not report.ok:
        raise VerifyError(f"Model at {address} failed verification: {'; '.join(report.failures())}")
    export = onchain.export()
    return build_keras_model(export["graph"], onchain.stream), export


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("address", help="the EternalModel address")
    parser.add_argument("-o", "--output", required=True, help="where to save the model (.keras)")
    parser.add_argument("--rpc-url", default=default_rpc_url())


def check_output_path(output: str) -> Path:
    """The path to save a pulled model at, checked before anything is read from the chain.

    Raises:
        UsageError: not a ``.keras`` name, a directory, or in a folder that is missing
            or not writable.
    """
    path = Path(output)
    if path.is_dir():
        raise UsageError(f"Output {output!r} is a directory; give a file name ending in .keras")
    if path.suffix != ".keras":
        raise UsageError(f"Output {output!r} must end in .keras")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"Output folder {str(folder)!r} does not exist" + (" (it is a file)" if folder.exists() else ""))
    if not os.access(folder, os.W_OK):
        raise UsageError(f"Output folder {str(folder)!r} is not writable")
    return path


def run(args) -> int:
    output = check_output_path(args.output)
    model, export = pull_model(connect(args.rpc_url), args.address)
    partial = output.with_name(f".{output.stem}.partial.keras")  # Keras saves only to *.keras names
    model.save(partial)
    os.replace(partial, output)  # never a half-written model at the output path
    print(f"{args.output}: {export['graph']['name']}, {len(export['graph']['layers'])} layers, model hash {export['hashes']['model']}")
    return 0


if __name__ == "__main__":
    from eternal.cli import run_module  # the entry shim only; commands never import the CLI

    sys.exit(run_module("pull"))
