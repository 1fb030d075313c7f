"""Rebuild a deployed model as a Keras model from the chain alone.

``python -m eternal.pull ADDRESS -o model.keras [--rpc-url URL]``: reads the graph and
the pages, checks every hash, and saves the Keras 3 model with the fixed-point weights.
"""

from __future__ import annotations

import argparse
import os
import sys

from eternal.chain import DEFAULT_RPC_URL, connect
from eternal.errors import EternalError
from eternal.verify import VerifyError, check_model, read_model


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
    parser.add_argument("--rpc-url", default=os.environ.get("ETERNAL_RPC_URL", DEFAULT_RPC_URL))


def run(args) -> int:
    if not args.output.endswith(".keras"):
        raise EternalError(f"Output {args.output!r} must end in .keras")
    model, export = pull_model(connect(args.rpc_url), args.address)
    model.save(args.output)
    print(f"{args.output}: {export['graph']['name']}, {len(export['graph']['layers'])} layers, model hash {export['hashes']['model']}")
    return 0


if __name__ == "__main__":
    from eternal.cli import run_module  # the entry shim only; commands never import the CLI

    sys.exit(run_module("pull"))
