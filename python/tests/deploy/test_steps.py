"""Step records and names: what the journal keys on and how reports group gas."""

from __future__ import annotations

from eternal.deploy.journal import Transaction
from eternal.deploy.steps import (
    PHASE_NAMES,
    Step,
    creation_step,
    gas_by_phase,
    graph_step,
    layers_step,
    pages_step,
    phase_of,
)


def test_a_step_is_a_named_record():
    step = Step(pages_step(3, 5), "0x" + "ab" * 20, "0x1234", 16_000_000, 73_725)
    assert (step.name, step.gas, step.size, step.phase) == ("pages:3-5", 16_000_000, 73_725, "pages")
    assert Step("construct", "0x" + "ab" * 20, "0x", 300_000).size == 0


def test_step_names():
    assert creation_step("EternalModel") == "model" and creation_step("DenseLayer") == "impl:DenseLayer"
    assert (layers_step(0, 71), graph_step(1), pages_step(9, 10)) == ("layers:0-71", "graph:1", "pages:9-10")
    assert {phase_of(name) for name in ("model", "impl:DenseLayer", "layers:0-2", "construct", "graph:0",
                                        "pages:0-2", "finalize")} == set(PHASE_NAMES)


def test_gas_by_phase_sums_mined_transactions_in_deployment_order():
    journal = [
        Transaction("pages:0-2", 5, "0x05", mined=True, status=1, gas_used=300),
        Transaction("model", 0, "0x00", mined=True, status=1, gas_used=100),
        Transaction("pages:3-3", 6, "0x06", mined=True, status=1, gas_used=50),
        Transaction("finalize", 7, "0x07"),  # sent, not mined
    ]
    assert gas_by_phase(journal) == {"EternalModel": 100, "weight pages": 350}
    assert list(gas_by_phase(journal)) == ["EternalModel", "weight pages"]
