"""The digits CNN's 360 test images through ``predict`` on anvil and on Hardhat.

``.venv/bin/python bench/bench_predict.py [--export EXPORT.json] [--samples 360] [--engines anvil,hardhat] [--sequential]``

Trains the digits CNN of ``eternal demo`` (fixed seeds; or takes ``--export``),
starts each node itself on a free port, deploys the model, and times the whole
``eternal predict --json`` command (start-up included, gas per sample) and the
``predict()`` call (``--sequential`` adds one sample per
request, one request at a time). Prints one table (samples, seconds, samples/s per node and way) and checks
that every way on every node gives the emulator's outputs bit for bit and the same
gas on each node. Not a timed test; target: 360 images in <= 5 s on anvil.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = Path(__file__).resolve().parents[1]


def digits_export(path: str | None) -> dict:
    """The export at ``path``, or the demo's digits CNN trained and exported (int32)."""
    from eternal.exportfile import load_export

    if path:
        return load_export(path)
    from eternal.demo import trained_cnn
    from eternal.export import ModelExporter

    return ModelExporter("int32").export_model(trained_cnn())


def timed(run) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def command(url: str, address: str, images: Path) -> dict:
    """``python -m eternal.predict ADDRESS --input IMAGES --json``: its parsed output."""
    done = subprocess.run([sys.executable, "-m", "eternal.predict", address, "--input", str(images), "--json",
                           "--rpc-url", url], capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"eternal predict failed on {url}: {done.stderr.strip()}")
    out = json.loads(done.stdout)
    return {"outputs": [[np.asarray(values)] for values in out["outputs"]], "gas": out["gas"]}


def bench_node(engine: str, export: dict, images: np.ndarray, workdir: Path, sequential: bool) -> list[dict]:
    """Starts an ``engine`` node, deploys the export, and times each way of predicting."""
    from eternal.chain import connect
    from eternal.deploy import ModelDeployer
    from eternal.node import ENGINES
    from eternal.predict import predict

    npy = workdir / "images.npy"
    np.save(npy, images)
    with ENGINES[engine](log_path=str(workdir / f"{engine}.log")) as node:
        address = ModelDeployer(node.url, journal_dir=str(workdir / f"journal-{engine}"),
                                quiet=True).deploy_model(export).address
        w3 = connect(node.url)
        ways = [("eternal predict --json (whole command)", lambda: command(node.url, address, npy)),
                ("predict()", lambda: predict(w3, address, [images]))]
        if sequential:
            ways.append(("predict(), one sample per request, one at a time",
                         lambda: predict(w3, address, [images], workers=1, per_request=1)))
        rows = []
        for way, run in ways:
            seconds, result = timed(run)
            rows.append({"engine": engine, "way": way, "seconds": seconds, "result": result})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", help="an export file of the digits CNN (default: train it, ~20 s)")
    parser.add_argument("--samples", type=int, default=360, help="test images (default: all 360)")
    parser.add_argument("--engines", default="anvil,hardhat", help="comma-separated: anvil, hardhat")
    parser.add_argument("--sequential", action="store_true", help="also time one sample at a time")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from eternal.emulate import Emulator
    from eternal.examples import digits_data
    from eternal.node import compile_contracts

    compile_contracts()
    export = digits_export(args.export)
    images = digits_data()[2][: args.samples]
    emulated = Emulator(export).run_batch([images]).floats[0]
    workdir = Path(tempfile.mkdtemp(prefix="eternal-bench-predict-"))
    rows = [row for engine in args.engines.split(",") for row in bench_node(engine, export, images, workdir,
                                                                              args.sequential)]

    table = Table(title=f"predict: the digits CNN ({export['stats']['params']:,} params, int32) on "
                        f"{len(images)} test images")
    for column in ("node", "way", "samples", "seconds", "samples/s", "= emulator"):
        table.add_column(column, justify="left" if column in ("node", "way") else "right")
    exact = True
    for row in rows:
        chain = np.stack([sample[0] for sample in row["result"]["outputs"]]).reshape(emulated.shape)
        same = bool(np.array_equal(chain, emulated))
        exact &= same
        table.add_row(row["engine"], row["way"], str(len(chain)), f"{row['seconds']:.2f}",
                      f"{len(chain) / row['seconds']:.1f}", "yes" if same else "NO")
    gas = {tuple(row["result"]["gas"]) for row in rows if row["result"]["gas"][0] is not None}
    console = Console()
    console.print(table)
    console.print(f"outputs == emulator, bit for bit, every way on every node: {'yes' if exact else 'NO'}; "
                  f"gas per sample the same everywhere: {'yes' if len(gas) == 1 else 'NO'} "
                  f"({min(min(g) for g in gas):,}-{max(max(g) for g in gas):,})")
    console.print("target: 360 images in <= 5 s on anvil (whole command)")
    return 0 if exact and len(gas) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
