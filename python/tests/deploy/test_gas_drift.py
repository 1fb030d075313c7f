"""The gas model against the chain: deploy on the session node, compare each phase with the model.

Each model is deployed into a new journal directory, so every phase is really
paid for (layer implementations too, as ``phase_gas`` assumes). A phase more than
5% off the model fails: re-measure and fix the constants in ``eternal/deploy/gas.py``.
"""

from __future__ import annotations

import pytest

from small_models import small_model

from eternal.deploy.gas import pages_tx_gas, phase_gas
from eternal.deploy.steps import phase_of

TOLERANCE = 0.05
PHASE_OF_STEP = {"model": "contracts", "impl": "contracts", "layers": "layers", "construct": "construct",
                 "graph": "upload", "pages": "upload", "finalize": "finalize"}


def wide_model():
    """Input(120) -> 10 x Dense(120, relu): 11 layers, 24 weight pages at int32."""
    import keras

    keras.utils.set_random_seed(50)
    return keras.Sequential([keras.Input((120,), name="x")] + [keras.layers.Dense(120, activation="relu") for _ in range(10)],
                            name="wide")


def deploy_measured(url: str, journal_dir, export: dict) -> list[tuple[str, int]]:
    """``(step, gas used)`` of every transaction of one deployment, in order."""
    from eternal.deploy.deployer import ModelDeployer

    mined = []
    deployer = ModelDeployer(url, journal_dir=journal_dir, on_mined=lambda step, receipt: mined.append(
        (step.name, receipt["gasUsed"])))
    deployer.deploy_model(export)
    return mined


@pytest.fixture(scope="module")
def measured(hardhat_node, tmp_path_factory):
    """Per model: its plan, the node's gas limit and the measured ``(step, gas)`` of each transaction."""
    from eternal.chain import TX_GAS_CAP
    from eternal.export import ModelExporter
    from eternal.onchain import deployment_plan

    runs = {}
    for name, model in (("small", small_model(60)), ("wide", wide_model())):
        export = ModelExporter("int32").export_model(model)
        steps = deploy_measured(hardhat_node.url, tmp_path_factory.mktemp(f"drift-{name}"), export)
        runs[name] = (deployment_plan(export), TX_GAS_CAP, steps)
    return runs


@pytest.mark.parametrize("name", ["small", "wide"])
def test_every_phase_is_within_5_percent_of_the_model(measured, name):
    plan, gas_limit, steps = measured[name]
    modelled = phase_gas(plan, gas_limit)
    actual = {phase: 0 for phase in modelled}
    transactions = {phase: 0 for phase in modelled}
    for step, gas in steps:
        actual[PHASE_OF_STEP[phase_of(step)]] += gas
        transactions[PHASE_OF_STEP[phase_of(step)]] += 1
    rows = [f"{phase:<10} measured {actual[phase]:>11,}  modelled {modelled[phase]['gas']:>11,}  "
            f"{modelled[phase]['gas'] / actual[phase] - 1:+.1%}" for phase in modelled]
    print(f"\n{name}: {len(plan['layers'])} layers, {len(plan['pages'])} pages\n" + "\n".join(rows))
    assert transactions == {phase: figures["transactions"] for phase, figures in modelled.items()}
    off = [row for phase, row in zip(modelled, rows) if abs(modelled[phase]["gas"] / actual[phase] - 1) > TOLERANCE]
    assert off == [], "gas model drifted:\n" + "\n".join(off)


@pytest.mark.parametrize("name", ["small", "wide"])
def test_every_weight_page_transaction_is_within_5_percent(measured, name):
    """Like with like: each appendPages against the model of exactly its pages (per-byte cost, calldata)."""
    plan, _, steps = measured[name]
    for step, gas in steps:
        if phase_of(step) == "pages":
            first, last = map(int, step.split(":")[1].split("-"))
            modelled = pages_tx_gas(plan["pages"][first : last + 1], first)
            assert abs(modelled / gas - 1) <= TOLERANCE, f"{step}: measured {gas:,}, modelled {modelled:,}"
