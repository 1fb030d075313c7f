"""EternalAI's Fashion-MNIST LeNet (~12M gas a sample) predicts on a default osaka Hardhat node,
whose calls stop at 16,777,216 gas (and are planned to half of it), in stages; held to 1.5M
gas a call its second convolution runs in slices; the outputs are the emulator's bit for bit. On anvil (30M
block gas limit) it fits one call; held to 4M there, sample 0 learns the plan layer by layer
and the next runs it in stages.

The Hardhat node is this module's own: Hardhat keeps gigabytes of memory after big calls,
which the session's node would carry to every later test."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from small_models import lenet

from eternal.stage_calls import HARDHAT_CALL_BUDGET

predict_module = importlib.import_module("eternal.predict")  # the module: eternal.predict is the API function

CAP = 16_777_216


@pytest.fixture(scope="module")
def export():
    from eternal.export import ModelExporter

    return ModelExporter("int32").export_model(lenet(1))


@pytest.fixture(scope="module")
def own_hardhat_node():
    from eternal.node import HardhatNode, compile_contracts

    compile_contracts()
    with HardhatNode() as node:
        yield node


IMAGES = np.random.default_rng(0).uniform(0, 1, (2, 28, 28, 1))


def deploy_and_predict(node, export, tmp_path, images, *caps) -> list[dict]:
    """Deploys, then predicts ``images`` under the node's cap and under each of ``caps``."""
    from eternal.chain import connect
    from eternal.deploy import ModelDeployer

    address = ModelDeployer(node.url, journal_dir=str(tmp_path), quiet=True).deploy_model(export).address
    return [predict_module.predict(connect(node.url), address, [images], call_gas_cap=cap) for cap in (None, *caps)]


def test_lenet_predicts_on_hardhat_in_slices_and_stages_as_the_emulator_does(own_hardhat_node, export, tmp_path):
    from eternal.emulate import Emulator

    default, small = deploy_and_predict(own_hardhat_node, export, tmp_path, IMAGES[:1], 1_500_000)
    emulated = Emulator(export).run_batch([IMAGES[:1]]).floats[0][0]
    for result, cap, budget in ((default, CAP, HARDHAT_CALL_BUDGET), (small, 1_500_000, 1_500_000)):
        assert np.array_equal(result["outputs"][0][0], emulated), cap
        assert result["call_gas_cap"] == cap
        stages = result["stages"][0]
        assert all(stage["gas"] <= budget for stage in stages), cap  # the default: half the cap (memory)
        assert result["gas"][0] == sum(s["gas"] for s in stages) > budget, cap  # more than one call could hold
    sliced = {stage["layer"] for stage in small["stages"][0] if "slice" in stage}
    assert 3 in sliced  # conv2: ~6.8M gas


def test_lenet_fits_one_call_under_anvils_30m_and_runs_in_stages_under_4m(anvil_node, export, tmp_path):
    from eternal.emulate import Emulator

    whole, staged = deploy_and_predict(anvil_node, export, tmp_path, IMAGES, 4_000_000)
    emulated = Emulator(export).run_batch([IMAGES]).floats[0]
    for result in (whole, staged):
        assert all(np.array_equal(sample[0], emulated[n]) for n, sample in enumerate(result["outputs"]))
    assert whole["call_gas_cap"] == 30_000_000
    assert [len(stages) for stages in whole["stages"]] == [1, 1] and whole["gas"][1] < 30_000_000
    first, second = staged["stages"]
    assert len(first) > len(second) > 1  # sample 0 learns the plan layer by layer; sample 1 runs it
    assert all(stage["gas"] <= 4_000_000 for stage in first + second)
    assert sum(stage["gas"] for stage in second) == staged["gas"][1] > 4_000_000
