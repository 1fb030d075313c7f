"""The main job, end to end: the digits CNN trained, exported, deployed and run on chain.

``python -m eternal.demo [--rpc-url URL] [--keep-node] [--precision int32] [--samples N] [--out out]``

Without ``--rpc-url`` it starts a local Hardhat node and stops it at the end
(``--keep-node`` leaves it running for the other commands). It prints the model
address and hash, gas and transactions, Keras vs on-chain accuracy, how many test
images the chain classifies differently from Keras (must be 0), the largest output
difference, whether the chain equals the emulator bit for bit, and each phase's
time; it writes ``out/report.md`` and ``out/report.png``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from eternal.fixedpoint import DEFAULT_PRECISION, PRECISIONS, quantise_activations  # noqa: E402


class Phases:
    """Wall time of each phase, in order."""

    def __init__(self):
        self.seconds: list[tuple[str, float]] = []

    @contextmanager
    def timed(self, name: str, say):
        say(f"… {name}")
        started = time.perf_counter()
        yield
        self.seconds.append((name, time.perf_counter() - started))


def run_demo(rpc_url: str | None, precision: str, samples: int | None, out: Path, keep_node: bool, quiet: bool) -> dict:
    """Runs every phase; returns the summary printed and written to the report."""
    say = (lambda message: None) if quiet else (lambda message: print(message, file=sys.stderr, flush=True))
    phases = Phases()
    node = None
    try:
        if rpc_url is None:
            from eternal.node import HardhatNode, compile_contracts

            with phases.timed("start node", say):
                compile_contracts()
                node = HardhatNode(port=int(os.environ.get("ETERNAL_DEMO_PORT", "8545"))).start()
                rpc_url = node.url
        summary = _pipeline(rpc_url, precision, samples, out, phases, say)
        if node is not None and keep_node:
            summary["node_pid"] = node.pid
            node.process = None  # left running on purpose; stop it with `kill PID`
        return summary
    finally:
        if node is not None and node.process is not None:
            node.stop()


def _pipeline(rpc_url: str, precision: str, samples: int | None, out: Path, phases: Phases, say) -> dict:
    from eternal.deploy import ModelDeployer
    from eternal.emulate import Emulator
    from eternal.examples import digits_data
    from eternal.export import ModelExporter, save_export
    from eternal.predict import predict
    from eternal.report import write_figure, write_markdown

    out.mkdir(parents=True, exist_ok=True)
    _, _, x_test, y_test = digits_data()
    if samples is not None:
        x_test, y_test = x_test[:samples], y_test[:samples]
    with phases.timed("train (Keras 3)", say):
        model = trained_cnn()
        keras_out = model.predict(x_test, verbose=0).astype(np.float64)
    with phases.timed("export", say):
        export = ModelExporter(precision).export_model(model)
        save_export(export, out / f"digits_cnn.{precision}.export.json")
    with phases.timed("deploy", say):
        deployer = ModelDeployer(rpc_url, journal_dir=out / "journal", quiet=True)
        deployed = deployer.deploy_model(export)
    with phases.timed(f"predict on chain ({len(x_test)} images)", say):
        chain = predict(deployer.w3, deployed.address, [x_test])
        chain_out = np.stack([sample[0] for sample in chain["outputs"]]).astype(np.float64)
        gas = chain["gas"][0]
    with phases.timed("emulate", say):
        emulated = Emulator(export).run_batch([x_test])
    frac = export["graph"]["activation_frac_bits"]
    chain_fixed = quantise_activations(chain_out, frac)
    bit_exact = bool(np.array_equal(chain_fixed.astype(object), emulated.fixed[0].reshape(chain_fixed.shape)))
    keras_pred, chain_pred = np.argmax(keras_out, axis=1), np.argmax(chain_out, axis=1)
    summary = {
        "address": deployed.address,
        "rpc_url": rpc_url,  # with the address, what the web page connects to (web/serve.js)
        "model_hash": deployed.model_hash,
        "precision": precision,
        "params": export["stats"]["params"],
        "weight_bytes": export["stats"]["weight_bytes"],
        "transactions": deployed.transactions,
        "gas_used": deployed.gas_used,
        "predict_gas": gas,
        "phase_gas": deployed.phase_gas,
        "test_images": int(len(x_test)),
        "keras_accuracy": float(np.mean(keras_pred == y_test)),
        "chain_accuracy": float(np.mean(chain_pred == y_test)),
        "argmax_differences": int(np.sum(keras_pred != chain_pred)),
        "max_output_difference": float(np.max(np.abs(chain_out - keras_out))),
        "chain_equals_emulator": bit_exact,
        # The fixed-point outputs' digest: equal on every node that runs the EVM alike.
        "chain_outputs_sha256": hashlib.sha256(json.dumps(chain_fixed.astype(object).tolist()).encode()).hexdigest(),
        "phases": {name: round(seconds, 3) for name, seconds in phases.seconds},
    }
    write_figure(out / "report.png", x_test, y_test, keras_pred, chain_pred, deployed.phase_gas, predict_gas=gas)
    write_markdown(out / "report.md", "report.png", _rows(summary), phases.seconds)
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


@lru_cache(maxsize=1)
def trained_cnn():
    """The digits CNN in Keras 3, trained once per process (fixed seeds)."""
    from eternal.examples import build_cnn, train
    from eternal.keras_io import keras_module

    keras = keras_module("keras3")

    return train(keras, build_cnn)[0]


def _rows(summary: dict) -> list[tuple[str, str]]:
    return [
        ("model address", summary["address"]),
        ("model hash", summary["model_hash"]),
        ("precision", summary["precision"]),
        ("parameters / weight bytes", f"{summary['params']:,} / {summary['weight_bytes']:,}"),
        ("deployment gas (transactions)", f"{summary['gas_used']:,} ({summary['transactions']})"),
        *[(f"  gas: {phase}", f"{gas:,}") for phase, gas in summary["phase_gas"].items()],
        ("predict gas (one image)", f"{summary['predict_gas']:,}"),
        ("Keras accuracy", f"{summary['keras_accuracy']:.4f} on {summary['test_images']} test images"),
        ("on-chain accuracy", f"{summary['chain_accuracy']:.4f}"),
        ("images where chain argmax != Keras", str(summary["argmax_differences"])),
        ("largest output difference vs Keras", f"{summary['max_output_difference']:.3g}"),
        ("chain output == emulator, bit for bit", "yes" if summary["chain_equals_emulator"] else "NO"),
    ]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rpc-url", help="use this node instead of starting a local Hardhat node")
    parser.add_argument("--keep-node", action="store_true", help="leave the started node running")
    parser.add_argument("--precision", choices=sorted(PRECISIONS), default=DEFAULT_PRECISION)
    parser.add_argument("--samples", type=int, help="test images to run (default: all 360)")
    parser.add_argument("--out", type=Path, default=Path("out"), help="report folder (default out/)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--quiet", action="store_true")


def run(args) -> int:
    """Runs the demo and prints its summary; exit code 1 if the chain disagrees with Keras or the emulator."""
    summary = run_demo(args.rpc_url, args.precision, args.samples, args.out, args.keep_node, args.quiet or args.json)
    if args.json:
        print(json.dumps(summary))
    else:
        for name, value in _rows(summary):
            print(f"{name:<46} {value}")
        for name, seconds in summary["phases"].items():
            print(f"{'time: ' + name:<46} {seconds:.2f} s")
        print(f"{'report':<46} {args.out / 'report.md'}, {args.out / 'report.png'}")
        if "node_pid" in summary:
            print(f"{'node left running':<46} {summary['rpc_url']} (PID {summary['node_pid']}; stop it with kill)")
    return 0 if summary["argmax_differences"] == 0 and summary["chain_equals_emulator"] else 1


if __name__ == "__main__":
    from eternal.cli import run_module  # the entry shim only; commands never import the CLI

    sys.exit(run_module("demo"))
