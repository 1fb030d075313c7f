"""Test only: ``python crash_runner.py POINT DEPLOY-ARGS…`` runs ``eternal deploy`` and SIGKILLs
itself at ``POINT``, so the tests can resume from a real crash. Production code knows nothing of it.

Points:
    after-model: the EternalModel (and any implementation) created, mined and journaled.
    mid-layers: the first addLayers batch mined and journaled (pass ``--max-layers-per-tx`` so more follow).
    mid-upload: the first appendPages mined and journaled (pass ``--max-pages-per-tx`` so more follow).
    before-send: an appendPages signed and journaled, not yet handed to the node.
    after-send: an appendPages handed to the node, its receipt not awaited.
    after-finish: the model finalised and its journal entry cleared, nothing printed yet.
"""

from __future__ import annotations

import os
import signal
import sys

from eternal.cli import run_module
from eternal.deploy import command, deployer, transactions
from eternal.deploy.steps import phase_of

RESUME_POINTS = ("after-model", "mid-layers", "mid-upload", "before-send", "after-send")  # the journal is left
POINTS = (*RESUME_POINTS, "after-finish")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def crash_at(point: str) -> None:
    """Patches the deployer so that running it dies at ``point``."""
    if point not in POINTS:
        raise SystemExit(f"unknown crash point {point!r}; one of {POINTS}")

    class CrashingDeployer(deployer.ModelDeployer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, on_mined=self._mined, **kwargs)

        @staticmethod
        def _mined(step, receipt) -> None:
            if (point, step.phase) in {("mid-layers", "layers"), ("mid-upload", "pages")}:
                die()

        def deploy_model(self, *args, **kwargs):
            result = super().deploy_model(*args, **kwargs)
            if point == "after-finish":
                die()
            return result

        def deploy_from_artifact(self, names):
            addresses = super().deploy_from_artifact(names)
            if point == "after-model" and "EternalModel" in names:
                die()
            return addresses

    broadcast = transactions.TransactionSender.broadcast

    def crashing_broadcast(self, step_name, raw):
        if point == "before-send" and phase_of(step_name) == "pages":
            die()
        answer = broadcast(self, step_name, raw)
        if point == "after-send" and phase_of(step_name) == "pages":
            die()
        return answer

    transactions.TransactionSender.broadcast = crashing_broadcast
    command.ModelDeployer = CrashingDeployer


if __name__ == "__main__":
    crash_at(sys.argv[1])
    sys.exit(run_module("deploy", sys.argv[2:]))
