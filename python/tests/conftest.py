"""Shared fixtures: one real Hardhat node for the whole session (ports 8600-8699)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def hardhat_node():
    """A Hardhat node on a free port, started once, stopped by its PID at the end."""
    from eternal.node import HardhatNode, compile_contracts

    compile_contracts()
    with HardhatNode() as node:
        yield node


@pytest.fixture(scope="session")
def w3(hardhat_node):
    """A web3 connection to the session node."""
    from web3 import Web3

    return Web3(Web3.HTTPProvider(hardhat_node.url, request_kwargs={"timeout": 120}))
