"""Shared fixtures: one real Hardhat node for the whole session (ports 8600-8699), an anvil
node for the tests that ask for one, and small
Keras models with their export files for the chain tests."""

from __future__ import annotations

import os

import pytest

from small_models import small_model

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def hardhat_node():
    """A Hardhat node on a free port, started once, stopped by its PID at the end."""
    from eternal.node import HardhatNode, compile_contracts

    compile_contracts()
    with HardhatNode() as node:
        yield node


@pytest.fixture(scope="session")
def anvil_node():
    """An anvil node (osaka, Hardhat's dev accounts) on a free port, stopped by its PID at the end."""
    from eternal.node import AnvilNode, compile_contracts

    compile_contracts()
    with AnvilNode() as node:
        yield node


@pytest.fixture(scope="session")
def w3(hardhat_node):
    """A web3 connection to the session node."""
    from web3 import Web3

    return Web3(Web3.HTTPProvider(hardhat_node.url, request_kwargs={"timeout": 120}))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("deploy")


@pytest.fixture(scope="module")
def export_file(workdir):
    """``export_file(seed)``: the path of an int32 export of ``small_model(seed)`` (and the model)."""
    from eternal.export import ModelExporter, save_export

    made = {}

    def make(seed: int):
        if seed not in made:
            model = small_model(seed)
            path = workdir / f"small_{seed}.json"
            export = ModelExporter("int32").export_model(model)
            save_export(export, path)
            made[seed] = (path, model, export)
        return made[seed]

    return make
