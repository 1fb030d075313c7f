"""Running ``eternal <command>`` from the deploy tests: in this process, as a subprocess, or killed."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import types
from pathlib import Path

from eternal.chain import model_contract
from eternal.cli import run_module

CRASH_RUNNER = Path(__file__).with_name("crash_runner.py")


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
        return _in_process(module, argv, extra)
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **extra}, timeout=300)


def _in_process(module: str, argv: list[str], env: dict):
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run_module(module, argv)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return types.SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def one_line_error(result) -> str:
    assert result.returncode not in (0, None), result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


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
