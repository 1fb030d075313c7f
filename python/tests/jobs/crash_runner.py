"""Test only: ``python crash_runner.py POINT PREDICT-ARGS…`` runs ``eternal predict --on-chain`` and
SIGKILLs itself at ``POINT``, so the tests can resume a job from a real crash. Production code knows
nothing of it.

Points:
    after-steps:N: N stages, slices or joins of the job mined and journaled (0: right after ``open``).
    before-send: a stage, slice or join signed and journaled, not yet handed to the node.
    after-send: a stage, slice or join handed to the node, its receipt not awaited.
"""

from __future__ import annotations

import os
import signal
import sys

from eternal.cli import run_module
from eternal.deploy import transactions
from eternal.deploy.steps import phase_of
from eternal.jobs import command, driver

JOB_PHASES = ("stage", "slice", "join")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def crash_at(point: str) -> None:
    """Patches the job driver so that running it dies at ``point``."""
    kind, _, count = point.partition(":")
    if kind not in ("after-steps", "before-send", "after-send") or (kind == "after-steps") != count.isdigit():
        raise SystemExit(f"unknown crash point {point!r}")
    mined = []

    def on_mined(step, receipt) -> None:
        if phase_of(step.name) in JOB_PHASES:
            mined.append(step.name)
        if kind == "after-steps" and len(mined) == int(count) and (mined or step.name == "open"):
            die()

    class CrashingDriver(driver.JobDriver):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, on_mined=on_mined, **kwargs)

    broadcast = transactions.TransactionSender.broadcast

    def crashing_broadcast(self, step_name, raw):
        if kind == "before-send" and phase_of(step_name) in JOB_PHASES:
            die()
        answer = broadcast(self, step_name, raw)
        if kind == "after-send" and phase_of(step_name) in JOB_PHASES:
            die()
        return answer

    transactions.TransactionSender.broadcast = crashing_broadcast
    command.JobDriver = CrashingDriver


if __name__ == "__main__":
    crash_at(sys.argv[1])
    sys.exit(run_module("predict", sys.argv[2:]))
