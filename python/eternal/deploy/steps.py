"""Deployment steps: one named record per transaction, and the step names the journal keys on.

A step's name says what it does and is the journal's key for it: ``model``,
``impl:<contract>``, ``layers:<first>-<last>``, ``construct``, ``graph:<chunk>``,
``pages:<first>-<last>``, ``finalize``. The part before ``:`` is its phase.
"""

from __future__ import annotations

from typing import NamedTuple

MODEL = "model"
CONSTRUCT = "construct"
FINALIZE = "finalize"

PHASE_NAMES = {"impl": "layer implementations (once per chain)", "model": "EternalModel", "layers": "layer clones",
               "construct": "construct", "graph": "graph bytes", "pages": "weight pages", "finalize": "finalize"}
"""Phase (a step name's prefix) -> how reports name it, in deployment order."""


class Step(NamedTuple):
    """One transaction to send: a contract creation when ``to`` is None."""

    name: str
    to: str | None
    data: str  # 0x-prefixed calldata or creation code
    gas: int  # the transaction's gas limit
    size: int = 0  # payload bytes it uploads (graph chunk or weight pages), for the progress bar

    @property
    def phase(self) -> str:
        return phase_of(self.name)


def phase_of(step_name: str) -> str:
    """``"pages:3-5"`` -> ``"pages"``."""
    return step_name.split(":")[0]


def implementation_step(contract: str) -> str:
    return f"impl:{contract}"


def layers_step(first: int, last: int) -> str:
    return f"layers:{first}-{last}"


def graph_step(chunk: int) -> str:
    return f"graph:{chunk}"


def pages_step(first: int, last: int) -> str:
    return f"pages:{first}-{last}"


def creation_step(contract: str) -> str:
    """The step that creates ``contract`` from its artifact: ``model`` or ``impl:<contract>``."""
    return MODEL if contract == "EternalModel" else implementation_step(contract)


def gas_by_phase(transactions) -> dict[str, int]:
    """Gas of mined journaled transactions grouped by phase, in deployment order."""
    totals = {name: 0 for name in PHASE_NAMES.values()}
    for tx in transactions:
        if tx.mined:
            phase = PHASE_NAMES.get(phase_of(tx.step), phase_of(tx.step))
            totals[phase] = totals.get(phase, 0) + tx.gas_used
    return {name: gas for name, gas in totals.items() if gas}
