"""Epilogue fusion (eternal.fusion): which layers the plan fuses into a convolution, what its
config carries, and that fused and unfused deployments give the emulator's integers and verify."""

from __future__ import annotations

import pytest

from eternal.fusion import FUSIONS
from eternal.onchain import decompress_config, deployment_plan
from small_models import fixture_export, gas_under_plans

POST_BYTES = 10 * 32  # SpatialBase.Post: two weight tensors (3 words each) and four words of ReLU


@pytest.fixture(scope="module")
def conv_bn_relu():
    """The ``conv_bn_relu`` fixture's export (int32), rebuilt from its case, and the fixture."""
    return fixture_export("conv_bn_relu")


def test_only_a_sole_readers_batchnormalization_and_plain_relu_fuse(conv_bn_relu):
    export, _ = conv_bn_relu
    fused, unfused = deployment_plan(export), deployment_plan(export, fusions=())
    by_name = {layer["name"]: layer for layer in fused["layers"]}
    index = {layer["name"]: n for n, layer in enumerate(fused["layers"])}
    into = {name: layer.get("fused_into") for name, layer in by_name.items() if "fused_into" in layer}
    # bn + relu6 into conv; dw_bn + Activation('relu') into dw; pw_bn into pw, not the ReLU after it
    # (pw_bn has two readers); conv2's ReLU has a negative slope.
    assert into == {"bn": index["conv"], "relu6": index["conv"], "dw_bn": index["dw"], "act": index["dw"],
                    "pw_bn": index["pw"]}
    assert all(by_name[name]["contract"] is None and by_name[name]["config"] == b"" for name in into)
    assert all("fused_into" not in layer for layer in unfused["layers"])
    for name in ("conv", "dw", "pw"):
        whole, base = decompress_config(by_name[name]["config"]), decompress_config(unfused["layers"][index[name]]["config"])
        assert whole[:len(base)] == base and len(whole) == len(base) + POST_BYTES, name
    relu_word = decompress_config(by_name["pw"]["config"])[-4 * 32:-3 * 32]
    assert int.from_bytes(relu_word, "big") == 0  # pw: the BatchNormalization only
    for name in ("thresh", "conv2", "leaky6", "add"):
        assert by_name[name] == unfused["layers"][index[name]], name


def test_fused_and_unfused_deployments_give_the_emulators_integers_and_verify(conv_bn_relu, anvil_node, tmp_path):
    export, fixture = conv_bn_relu
    gas = gas_under_plans(anvil_node.url, export, fixture, {"fused": FUSIONS, "unfused": ()}, tmp_path)
    assert gas["fused"] < gas["unfused"], gas


def test_a_job_runs_past_fused_layers_with_small_steps(conv_bn_relu, anvil_node, tmp_path):
    """Steps of 300,000 gas and 6,000 bytes slice the convolutions; the fused layers after them
    (no contract) read nothing, so the stage over them carries no tensor."""
    from eternal.deploy import ModelDeployer
    from eternal.emulate import emulate_sample
    from eternal.jobs.driver import JobDriver

    export, fixture = conv_bn_relu
    address = ModelDeployer(anvil_node.url, journal_dir=str(tmp_path / "deploy"), quiet=True).deploy_model(export).address
    sample = [int(v) for v in fixture["samples"][0]["inputs"][0]]
    driver = JobDriver(anvil_node.url, journal_dir=str(tmp_path / "jobs"), max_step_gas=300_000, max_step_bytes=6_000)
    result = driver.run(address, [sample])
    assert result.outputs == [[int(v) for v in emulate_sample(export, [sample])[0]]]
    assert any(step["step"].startswith("slice:") for step in result.steps)


def test_a_deployment_begun_unfused_is_not_finished_fused(conv_bn_relu, anvil_node, tmp_path, monkeypatch):
    """A deployment that stopped after some layers, planned without fusion (an earlier version),
    is refused on resume, in one line, rather than finished into another model."""
    import eternal.onchain
    from eternal.deploy import ModelDeployer
    from eternal.errors import UnresumableError

    export, _ = conv_bn_relu
    add_layers = ModelDeployer.deploy_layer

    def crash_after_three(self, model, plan, implementations, first):
        add_layers(self, model, dict(plan, layers=plan["layers"][:3]), implementations, first)
        raise RuntimeError("crashed after three layers")

    with monkeypatch.context() as patch:
        patch.setattr(eternal.onchain, "deployment_plan", lambda e: deployment_plan(e, fusions=()))
        patch.setattr(ModelDeployer, "deploy_layer", crash_after_three)
        with pytest.raises(RuntimeError, match="three layers"):
            ModelDeployer(anvil_node.url, journal_dir=str(tmp_path), quiet=True).deploy_model(export)
    with pytest.raises(UnresumableError, match="layer 1 'conv' on chain is not the one this version plans"):
        ModelDeployer(anvil_node.url, journal_dir=str(tmp_path), quiet=True).deploy_model(export)
