"""The signing key is written nowhere: not in the journal folder, the export, the output, or any error.

A fresh key (not a dev account) from ``ETERNAL_PRIVATE_KEY`` deploys a model, fails for want
of funds, loses its node in the middle of a deployment, is pointed at a bad RPC URL, and
resumes; after each step every trace it left is searched for the key's hex in any case,
with or without ``0x``, and for its raw bytes.
"""

from __future__ import annotations

import json
import traceback

import pytest
from eth_account import Account

from deploy_cli import cli
from rpc_faults import Faults, FaultyRpcProxy

from eternal import rpc
from eternal.deploy.deployer import ModelDeployer
from eternal.deploy.keys import DEV_KEY
from eternal.verify import check_model, read_model

DEV = Account.from_key(DEV_KEY).address


class KeyWatch:
    """Everything a run left behind, searched for one key."""

    def __init__(self, account):
        self.hex = bytes(account.key).hex().lower()  # 64 digits; lower-cased haystacks catch any case and 0x
        self.raw = bytes(account.key)
        self.searched = 0

    def assert_absent_from_text(self, text: str, where: str) -> None:
        self.searched += 1
        assert self.hex not in text.lower(), f"the private key appears in {where}"

    def assert_absent_from_tree(self, *roots) -> None:
        for root in roots:
            files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
            for path in files:
                data = path.read_bytes()
                self.searched += 1
                assert self.raw not in data, f"the private key's bytes appear in {path}"
                self.assert_absent_from_text(data.decode("latin-1"), str(path))

    def assert_absent_from_run(self, result, what: str) -> None:
        self.assert_absent_from_text(result.stdout, f"stdout of {what}")
        self.assert_absent_from_text(result.stderr, f"stderr of {what}")

    def assert_absent_from_exception(self, exc: BaseException, what: str) -> None:
        # The whole chain (causes and contexts), messages, args and tracebacks' source lines.
        self.assert_absent_from_text("".join(traceback.format_exception(exc)), f"the traceback of {what}")
        seen = exc
        while seen is not None:
            self.assert_absent_from_text(repr(seen) + repr(seen.args), f"{type(seen).__name__} of {what}")
            seen = seen.__cause__ or seen.__context__


@pytest.fixture
def funded(w3):
    """A new account holding 100 ETH, sent by the dev account."""
    account = Account.create()
    tx = w3.eth.send_transaction({"from": DEV, "to": account.address, "value": 100 * 10**18})
    assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
    return account


def test_the_key_is_never_written_or_echoed(hardhat_node, w3, workdir, export_file, funded, monkeypatch):
    watch = KeyWatch(funded)
    key_env = {"ETERNAL_PRIVATE_KEY": "0x" + funded.key.hex().removeprefix("0x").upper()}  # any spelling is accepted
    journal = workdir / "no-key-leaks"
    path, _, export = export_file(60)

    # 1. An unfunded key: refused before any transaction.
    poor = Account.create()
    poor_watch = KeyWatch(poor)
    refused = cli("deploy", path, journal=journal, rpc=hardhat_node.url, env={"ETERNAL_PRIVATE_KEY": poor.key.hex()})
    assert refused.returncode == 33, refused.stderr
    poor_watch.assert_absent_from_run(refused, "an unfunded deploy")

    # 2. The node goes away after the model contract is mined: the run fails mid-way.
    monkeypatch.setattr(rpc, "BACKOFF_SECONDS", 0.01)  # fail in a moment, not after the real back-off
    monkeypatch.setattr(rpc, "BACKOFF_MAX_SECONDS", 0.02)
    monkeypatch.setenv("ETERNAL_PRIVATE_KEY", key_env["ETERNAL_PRIVATE_KEY"])
    with FaultyRpcProxy(hardhat_node.url, Faults(), seed=1) as proxy:
        def node_gone(step, receipt):
            proxy.faults.drop = 1.0  # every later request: connection closed, nothing forwarded

        deployer = ModelDeployer(proxy.url, journal_dir=journal, quiet=False, on_mined=node_gone)
        with pytest.raises(Exception) as lost:
            deployer.deploy_model(export)
    watch.assert_absent_from_exception(lost.value, "a deploy that lost its node")
    assert list(journal.glob("31337-*.jsonl")), "the interrupted deployment left its journal"
    monkeypatch.delenv("ETERNAL_PRIVATE_KEY")

    # 3. A rerun pointed at a bad RPC URL, in a real process, with debugging output on.
    for env in (key_env, {**key_env, "ETERNAL_DEBUG": "1"}):
        bad = cli("deploy", path, journal=journal, rpc="http://127.0.0.1:1", env=env, subprocess_=True)
        assert bad.returncode == 20, bad.stderr
        watch.assert_absent_from_run(bad, "a deploy with a bad RPC URL")

    # 4. The rerun with the right URL resumes and finishes.
    resumed = cli("deploy", path, "--json", journal=journal, rpc=hardhat_node.url, env=key_env, subprocess_=True)
    assert resumed.returncode == 0, resumed.stderr
    out = json.loads(resumed.stdout)
    assert out["resumed"] is True and check_model(read_model(w3, out["address"]), export).ok
    watch.assert_absent_from_run(resumed, "the resumed deploy")
    assert w3.eth.get_transaction_count(funded.address) >= 3  # the fresh key did send the deployment

    # 5. A full deploy of another copy in this process, its output captured.
    again = cli("deploy", path, "--again", journal=journal, rpc=hardhat_node.url, env=key_env)
    assert again.returncode == 0, again.stderr
    watch.assert_absent_from_run(again, "a second deploy")

    watch.assert_absent_from_tree(journal, path)
    poor_watch.assert_absent_from_tree(journal, path)
    assert (journal / "deployed.jsonl").exists() and (journal / "locks").is_dir()
    assert watch.searched > 10
