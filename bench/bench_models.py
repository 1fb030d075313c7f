"""The issue-11 models end to end: deploy under osaka rules, predict by staged ``eth_call`` on
Hardhat and anvil, and by an on-chain job on anvil.

``.venv/bin/python bench/bench_models.py [--models lenet,mlp,resnet8] [--engines hardhat,anvil]
[--no-job] [--precision int32] [--call-gas-cap N]``

Each model (bench/models.py: seeded weights) is exported, deployed by ``eternal deploy`` on a
node this script starts (Hardhat: every call and transaction capped at 16,777,216 gas; anvil
``--hardfork osaka``: transactions capped at 16,777,216, ``eth_call`` held to its 30M block
gas limit), run on two seeded samples by ``eternal predict --json`` (staged where it must be: the first
sample learns the plan, the second runs it; the table shows the second) and, on anvil, the
first by ``eternal predict --on-chain --json``. Prints one table: calls or transactions, gas
per call (smallest-largest) and in total, wall time of the whole command, whether the output
equals the emulator bit for bit, and the largest difference from Keras. Not a timed test.
Exit status 1 when any output differs from the emulator.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import models  # noqa: E402  (bench/models.py, beside this file)

REPO = Path(__file__).resolve().parents[1]
ETERNAL = [sys.executable, "-m", "eternal.cli"]


def eternal(*argv: str) -> tuple[float, dict]:
    """Runs ``eternal ARGV --json``: its wall time and parsed output, or ``{"error": its
    one-line error and exit code}``."""
    started = time.perf_counter()
    done = subprocess.run([*ETERNAL, *argv, "--json"], capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return seconds, {"error": f"exit {done.returncode}: {done.stderr.strip().splitlines()[-1]}"}
    return seconds, json.loads(done.stdout)


def stage_gas(result: dict) -> list[int]:
    """Gas of each call (or transaction) of the last sample, from ``predict --json``: with two
    samples, the plan the first one learned."""
    stages = result.get("stages") or result.get("steps") or []
    if stages and isinstance(stages[0], list):  # one list of stages per sample
        stages = stages[-1]
    return [int(stage["gas"]) for stage in stages]


def total_gas(result: dict) -> int:
    gas = result.get("gas")
    return int(gas[-1] if isinstance(gas, list) else gas)


def run_model(name: str, precision: str, engines: list[str], job: bool, workdir: Path, cap: int | None = None) -> list[dict]:
    """One model on each engine: its rows for the table."""
    from eternal.emulate import compare_with_keras, emulate
    from eternal.export import ModelExporter
    from eternal.exportfile import save_export
    from eternal.node import ENGINES

    model = models.build(name)
    export = ModelExporter(precision).export_model(model)
    x = models.sample(name, 2)  # the first sample learns the staged plan, the second runs it
    emulated = emulate(export, [x]).floats[0]
    keras_diff = compare_with_keras(export, model, [x])["max_abs_diff"]
    export_path, input_path, one_path = workdir / f"{name}.json", workdir / f"{name}.npy", workdir / f"{name}-1.npy"
    save_export(export, str(export_path))
    np.save(input_path, x)
    np.save(one_path, x[:1])
    facts = {"model": name, "params": model.count_params(), "macs": models.macs(model), "keras": keras_diff}
    rows = []
    for engine in engines:
        with ENGINES[engine](log_path=str(workdir / f"{name}-{engine}.log")) as node:
            common = ["--rpc-url", node.url]
            seconds, deployed = eternal("deploy", str(export_path), "--journal-dir", str(workdir / f"j-{engine}"),
                                        "--quiet", *common)
            if "error" in deployed:
                raise SystemExit(f"{name} on {engine}: deploy failed: {deployed['error']}")
            address = deployed["address"]
            rows.append({**facts, "node": engine, "way": "deploy", "seconds": seconds,
                         "gas": deployed.get("gas_used") or deployed.get("gas"), "stages": [], "exact": None})
            capped = ["--call-gas-cap", str(cap)] if cap else []
            ways = [("staged eth_call", ["predict", address, "--input", str(input_path), *capped, *common])]
            if job and engine == "anvil":
                ways.append(("on-chain job", ["predict", address, "--input", str(one_path), "--on-chain",
                                              "--journal-dir", str(workdir / f"j-{engine}"), *common]))
            for way, argv in ways:
                seconds, result = eternal(*argv)
                if "error" in result:
                    rows.append({**facts, "node": engine, "way": way, "seconds": seconds, "gas": None, "stages": [],
                                 "exact": False, "error": result["error"]})
                    continue
                outputs = np.asarray(result["outputs"], dtype=np.float64)
                outputs = outputs.reshape((len(outputs), *emulated.shape[1:]))
                expected = emulated[: len(outputs)]
                rows.append({**facts, "node": engine, "way": way, "seconds": seconds, "gas": total_gas(result),
                             "stages": stage_gas(result), "exact": bool(np.array_equal(outputs, expected))})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="lenet,mlp,resnet8", help=f"comma-separated: {', '.join(models.BUILDERS)}")
    parser.add_argument("--engines", default="hardhat,anvil", help="comma-separated: hardhat, anvil")
    parser.add_argument("--no-job", action="store_true", help="skip the on-chain job on anvil")
    parser.add_argument("--precision", default="int32", choices=["int8", "int16", "int32"])
    parser.add_argument("--call-gas-cap", type=int, default=None,
                        help="gas of each staged eth_call (default: the node's cap, 16,777,216 on Hardhat, 30M on anvil)")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from eternal.node import compile_contracts

    compile_contracts()
    workdir = Path(tempfile.mkdtemp(prefix="eternal-bench-models-"))
    rows = [row for name in args.models.split(",")
            for row in run_model(name, args.precision, args.engines.split(","), not args.no_job, workdir, args.call_gas_cap)]
    cap = f", staged calls capped at {args.call_gas_cap:,} gas" if args.call_gas_cap else ""
    table = Table(title=f"issue 11 models at {args.precision}: deploy (osaka rules) and one predict{cap}")
    for column in ("model", "params", "MACs", "node", "way", "stages", "gas per stage", "total gas", "gas/MAC",
                   "seconds", "= emulator", "max |d| Keras"):
        table.add_column(column, justify="left" if column in ("model", "node", "way") else "right")
    for row in rows:
        stages = row["stages"]
        per_stage = f"{min(stages):,}-{max(stages):,}" if stages else ""
        predict = row["way"] != "deploy"
        table.add_row(row["model"], f"{row['params']:,}", f"{row['macs']:,}", row["node"], row["way"],
                      str(len(stages)) if predict else "", per_stage, f"{row['gas']:,}" if row["gas"] else "",
                      f"{row['gas'] / row['macs']:.1f}" if predict and row["gas"] else "", f"{row['seconds']:.1f}",
                      "" if row["exact"] is None else ("yes" if row["exact"] else "NO"),
                      f"{row['keras']:.1e}" if predict else "")
    console = Console(width=200)
    console.print(table)
    for row in rows:
        if row.get("error"):
            console.print(f"{row['model']} on {row['node']}, {row['way']}: {row['error']}", soft_wrap=True)
    return 0 if all(row["exact"] is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
