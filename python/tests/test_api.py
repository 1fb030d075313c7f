"""The Python API's shape: light to import, functions that keep their names beside the
command modules, an address from ``deploy_model``, and one-line errors."""

from __future__ import annotations

import importlib
import json
import pickle
import subprocess
import sys

import numpy as np
import pytest

from eternal.deploy.result import DeployResult
from eternal.errors import PredictInputError, VerifyError


def test_import_eternal_loads_neither_web3_nor_tensorflow():
    code = ("import sys, json, eternal; print(json.dumps(sorted(m for m in ('web3', 'tensorflow', 'keras', 'numpy', "
            "'eternal.api') if m in sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert json.loads(loaded) == []


def test_the_api_names_are_functions_even_after_their_command_modules_load():
    import eternal
    import eternal.pull  # noqa: F401  (the command modules of the same names)
    import eternal.verify  # noqa: F401
    from eternal import ModelDeployer, ModelExporter, predict, pull, verify
    from eternal.api import predict as api_predict

    assert predict is api_predict and callable(verify) and callable(pull)
    assert [f.__module__ for f in (predict, verify, pull)] == ["eternal.api"] * 3
    assert ModelExporter.__module__ == "eternal.export" and ModelDeployer.__module__ == "eternal.deploy.deployer"
    assert importlib.import_module("eternal.predict").predict is not predict  # the module stays reachable
    assert {"predict", "verify", "pull", "ModelDeployer"} <= set(dir(eternal))
    with pytest.raises(AttributeError, match="no attribute 'deploy_model'"):
        eternal.deploy_model


def test_a_deploy_result_is_its_address_with_the_facts_as_attributes():
    result = DeployResult("0x" + "ab" * 20, "feed", 31337, 9, 1_234_567, 2.5, False, 4096, 1, 3, {}, {"model": 1})
    assert result == "0x" + "ab" * 20 and isinstance(result, str) and result.address == result
    assert json.dumps(result) == json.dumps(result.address)
    assert result.record()["gas_used"] == 1_234_567 and "already_deployed" not in result.record()
    copied = pickle.loads(pickle.dumps(result))
    assert copied == result and copied.record() == result.record()
    assert DeployResult.from_record(result.record()).already_deployed


def test_predict_verify_and_pull_on_a_node(anvil_node, tmp_path, export_file):
    from eternal import ModelDeployer, ModelExporter, predict, pull, verify

    _, model, export = export_file(5)
    address = ModelDeployer(anvil_node.url, journal_dir=str(tmp_path)).deploy_model(export)
    one = np.linspace(-1, 1, 16)
    batch = np.stack([one, -one, one / 2])
    outputs = predict(anvil_node.url, address, batch)
    assert outputs.shape == (3, 10)
    np.testing.assert_allclose(outputs, model.predict(batch, verbose=0), atol=1e-4)
    assert np.array_equal(predict(anvil_node.url, address, one), outputs[:1])  # one sample: a batch of one
    with pytest.raises(PredictInputError, match="fits neither one sample"):
        predict(anvil_node.url, address, np.zeros(15))
    assert verify(anvil_node.url, address, model).ok  # a Keras model, exported at the chain's precision
    other = ModelExporter().export_model(export_file(6)[1])
    with pytest.raises(VerifyError, match=f"Model at {address} failed verification: .*hash"):
        verify(anvil_node.url, address, other)
    rebuilt = pull(anvil_node.url, address)
    np.testing.assert_allclose(rebuilt.predict(batch, verbose=0), outputs, atol=1e-5)
