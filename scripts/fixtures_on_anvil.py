"""The fixture suite on the second EVM: ``test/fixtures.test.js`` against an anvil node, then
both nodes' records compared sample by sample.

``make test-contracts`` records the Hardhat run (in-process network, osaka) into
``out/nodes/hardhat.json``. ``run`` starts anvil (osaka, Hardhat's chain id and dev
accounts), runs the same suite there with ``--network anvil`` (which asserts, on anvil too,
that every output equals the emulator bit for bit), records ``out/nodes/anvil.json`` and
stops the node by its PID; ``compare`` prints one table:

- outputs: the SHA-256 of every sample's outputs must be equal on both nodes;
- lifecycle gas (``addLayers`` .. ``finalize``, from receipts) must be equal;
- predict gas (``predict`` sent as a transaction, from its receipt) must be equal;
- predict estimates (``eth_estimateGas``) are shown, not required equal: each node searches for
  the smallest gas limit that succeeds its own way, and where a call's gas depends on the gas it
  is given (the 63/64 rule: the recurrent layers' calls) they stop at different points.

Run: ``.venv/bin/python scripts/fixtures_on_anvil.py [run|compare]`` (both by default; ``make
test`` runs ``run`` beside the Hardhat suite, then ``compare``; ~4 minutes). Exit 0 when both
nodes agree, 1 when they do not, 2 when a run is missing or failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "out" / "nodes"
HARDHAT = ROOT / "node_modules" / ".bin" / "hardhat"

EQUAL = ("outputs", "lifecycleGas", "predictGas")
"""Record fields both nodes must agree on, sample by sample."""


def run_on_anvil(record: Path, log: Path) -> int:
    """Runs the fixture suite against a fresh anvil, its output into ``log``; returns mocha's exit status."""
    sys.path.insert(0, str(ROOT / "python"))
    from eternal.node import AnvilNode

    with AnvilNode(tied_to_parent=True) as node:
        env = dict(os.environ, ETERNAL_BENCH_RPC=node.url, ETERNAL_FIXTURE_RECORD=str(record))
        print(f"anvil (PID {node.pid}) at {node.url}: test/fixtures.test.js --network anvil", flush=True)
        with log.open("w") as output:
            done = subprocess.run([str(HARDHAT), "test", "test/fixtures.test.js", "--network", "anvil"],
                                  cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    return done.returncode


def load(path: Path) -> dict[tuple[str, int], dict]:
    samples = json.loads(path.read_text())["samples"]
    return {(sample["fixture"], sample["sample"]): sample for sample in samples}


def compare(hardhat: dict, anvil: dict) -> tuple[Table, list[str]]:
    """The summary table and one line per disagreement."""
    problems = []
    if hardhat.keys() != anvil.keys():
        only = sorted(hardhat.keys() ^ anvil.keys())[:5]
        problems.append(f"the runs checked different samples, e.g. {only}")
    shared = sorted(hardhat.keys() & anvil.keys())
    counts = dict.fromkeys(EQUAL, 0)
    for key in shared:
        a, b = hardhat[key], anvil[key]
        for field in EQUAL:
            if a[field] == b[field]:
                counts[field] += 1
            else:
                problems.append(f"{key[0]} sample {key[1]}: {field} Hardhat {a[field]} != anvil {b[field]}")
    estimates = [abs(hardhat[key]["predictEstimate"] - anvil[key]["predictEstimate"]) / hardhat[key]["predictEstimate"]
                 for key in shared]
    table = Table(title="fixtures on Hardhat (in-process, osaka) and anvil (osaka)")
    for column in ("samples", "fixtures", "outputs equal", "lifecycle gas equal", "predict gas equal",
                   "estimates equal", "largest estimate gap"):
        table.add_column(column, justify="right")
    table.add_row(str(len(shared)), str(len({key[0] for key in shared})),
                  *(f"{counts[field]}/{len(shared)}" for field in EQUAL),
                  f"{sum(gap == 0 for gap in estimates)}/{len(shared)}", f"{max(estimates, default=0):.2%}")
    return table, problems


def run(console: Console) -> int:
    """Runs the suite on anvil into ``out/nodes/anvil.json``."""
    RECORDS.mkdir(parents=True, exist_ok=True)
    record, log = RECORDS / "anvil.json", RECORDS / "anvil.log"
    record.unlink(missing_ok=True)
    status = run_on_anvil(record, log)
    if status != 0 or not record.exists():
        failures = [line for line in log.read_text().splitlines() if "failing" in line or "Error" in line][:10]
        console.print("\n".join(failures), markup=False)
        console.print(f"error: the fixture suite failed on anvil (mocha exit {status}); its output is in "
                      f"{log.relative_to(ROOT)}")
        return 2
    return 0


def check(console: Console) -> int:
    """Compares the two records and prints the table."""
    records = [RECORDS / "hardhat.json", RECORDS / "anvil.json"]
    for path, command in zip(records, ("make test-contracts", "make test-anvil")):
        if not path.exists():
            console.print(f"error: {path.relative_to(ROOT)} is missing: run `{command}` first")
            return 2
    table, problems = compare(*(load(path) for path in records))
    console.print(table)
    for line in problems[:20]:
        console.print(f"differs: {line}")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", nargs="?", choices=("run", "compare"),
                        help="only run the suite on anvil, or only compare the records (default: both)")
    step = parser.parse_args().step
    console = Console(width=120)
    status = run(console) if step in (None, "run") else 0
    return status or (check(console) if step in (None, "compare") else 0)


if __name__ == "__main__":
    sys.exit(main())
