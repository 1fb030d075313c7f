"""Running ``python -m eternal.<command>`` from the chain tests: in this process, as a subprocess, or killed."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

from cli_run import run_cli
from eternal.chain import model_contract
from eternal.cli import run_module

CRASH_RUNNER = Path(__file__).parent / "deploy" / "crash_runner.py"


def cli(module: str, *args, env=None, journal=None, rpc=None, subprocess_=False, crash_at: str | None = None):
    """Runs ``python -m eternal.<module> ARGS``: in this process (fast), or as a real subprocess.

    ``crash_at`` runs ``deploy`` in a subprocess that SIGKILLs itself at that point
    (see ``crash_runner.py``). Returns an object with ``returncode``, ``stdout`` and ``stderr``.
    """
    extra = dict(env or {})
    if journal is not None:
        extra["ETERNAL_JOURNAL_DIR"] = str(journal)
    argv = [str(a) for a in args] + (["--rpc-url", rpc] if rpc is not None else [])
    if crash_at is not None:
        assert module == "deploy"
        command = [sys.executable, str(CRASH_RUNNER), crash_at, *argv]
    elif subprocess_:
        command = [sys.executable, "-m", f"eternal.{module}", *argv]
    else:
        return run_cli(functools.partial(run_module, module), *argv, env=extra)
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **extra}, timeout=300)


def deployed_copy(path, journal, rpc) -> str:
    """The address of a new copy of the export at ``path`` (``--again``)."""
    return json.loads(cli("deploy", path, "--json", "--again", journal=journal, rpc=rpc).stdout)["address"]


def model_creations(w3, first_block: int, deployer: str) -> int:
    """How many EternalModel contracts ``deployer`` created since ``first_block``.

    A model is a created contract that answers ``state()``; layer implementations do not.
    (Bytecode is not compared: the artifacts may be recompiled while tests run.)
    """
    count = 0
    for number in range(first_block, w3.eth.block_number + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            if tx["to"] is None and tx["from"] == deployer:
                created = w3.eth.get_transaction_receipt(tx["hash"])["contractAddress"]
                try:
                    model_contract(w3, created).functions.state().call()
                except Exception:
                    continue
                count += 1
    return count
