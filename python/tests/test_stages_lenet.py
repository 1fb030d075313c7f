"""EternalAI's Fashion-MNIST LeNet (~43M gas a sample) predicts on a default osaka Hardhat node,
whose calls stop at 16,777,216 gas: its convolutions run in slices, the rest in stages, and the
outputs are the emulator's bit for bit. Also on anvil (30M block gas limit): after sample 0
has learnt the plan layer by layer, two stages.

The Hardhat node is this module's own: Hardhat keeps gigabytes of memory after calls this big
(~11 GB for one LeNet sample), which the session's node would carry to every later test."""

from __future__ import annotations

import numpy as np
import pytest

from small_models import lenet

from eternal import predict as predict_module
from eternal.stage_calls import HARDHAT_CALL_BUDGET as CAP  # half Hardhat's 16,777,216


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


def deploy_and_predict(node, export, tmp_path, images) -> dict:
    from eternal.chain import connect
    from eternal.deploy import ModelDeployer

    address = ModelDeployer(node.url, journal_dir=str(tmp_path), quiet=True).deploy_model(export).address
    return predict_module.predict(connect(node.url), address, [images])


def test_lenet_predicts_on_hardhat_in_slices_and_stages_as_the_emulator_does(own_hardhat_node, export, tmp_path):
    from eternal.emulate import Emulator

    result = deploy_and_predict(own_hardhat_node, export, tmp_path, IMAGES[:1])
    assert np.array_equal(result["outputs"][0][0], Emulator(export).run_batch([IMAGES[:1]]).floats[0][0])
    assert result["call_gas_cap"] == CAP
    stages = result["stages"][0]
    sliced = {stage["layer"] for stage in stages if "slice" in stage}
    assert sliced == {1, 3}  # the two convolutions: ~21M and ~17.6M gas each
    assert all(stage["gas"] <= CAP for stage in stages) and result["gas"][0] == sum(s["gas"] for s in stages)
    assert result["gas"][0] > 40_000_000


def test_lenet_runs_in_two_stages_under_anvils_30m(anvil_node, export, tmp_path):
    from eternal.emulate import Emulator

    result = deploy_and_predict(anvil_node, export, tmp_path, IMAGES)
    emulated = Emulator(export).run_batch([IMAGES]).floats[0]
    assert all(np.array_equal(sample[0], emulated[n]) for n, sample in enumerate(result["outputs"]))
    assert result["call_gas_cap"] == 30_000_000
    first, second = result["stages"]
    assert len(first) == 6  # sample 0 learns the plan: each layer on its own
    assert [sorted(stage) for stage in second] == [["gas", "layers"]] * 2  # the plan: two stages
    assert sum(stage["gas"] for stage in second) == result["gas"][1] > 40_000_000
