"""Crash and resume on a real Hardhat node: the journal settled against the chain, nothing sent twice."""

from __future__ import annotations

import json

import pytest

from crash_runner import RESUME_POINTS
from cli_run import one_line_error
from deploy_cli import cli, model_creations

from eternal.verify import check_model, read_model

CRASH_POINTS = list(RESUME_POINTS)


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_sigkill_then_resume_gives_one_complete_model(point, hardhat_node, w3, workdir, export_file):
    seed = 10 + CRASH_POINTS.index(point)
    path, _, export = export_file(seed)
    journal = workdir / f"crash-{point}"
    first_block = w3.eth.block_number + 1
    small_batches = ["--max-pages-per-tx", 1, "--max-layers-per-tx", 1, "--quiet"]
    crashed = cli("deploy", path, *small_batches, journal=journal, rpc=hardhat_node.url, crash_at=point)
    assert crashed.returncode == -9, (crashed.returncode, crashed.stderr)
    [entry] = list(journal.glob("31337-*.jsonl"))
    records = [json.loads(line) for line in entry.read_text().splitlines()]
    assert records[0]["type"] == "started" and "key" not in json.dumps(records).lower().replace("keys", "")

    resumed = cli("deploy", path, "--json", *small_batches, journal=journal, rpc=hardhat_node.url, subprocess_=True)
    assert resumed.returncode == 0, resumed.stderr
    out = json.loads(resumed.stdout)
    assert out["resumed"] is True
    report = check_model(read_model(w3, out["address"]), export)
    assert report.ok, report.failures()
    assert model_creations(w3, first_block, records[0]["deployer"]) == 1
    assert not entry.exists()


def test_node_restart_is_detected(workdir, export_file):
    from eternal.node import HardhatNode

    path, _, _ = export_file(20)
    journal = workdir / "restart"
    with HardhatNode() as node:
        crashed = cli("deploy", path, "--quiet", journal=journal, rpc=node.url, crash_at="after-model")
        assert crashed.returncode == -9
        node.restart()
        result = cli("deploy", path, journal=journal, rpc=node.url)
        assert result.returncode == 32
        assert "--fresh" in one_line_error(result) and "restarted" in result.stderr
        fresh = cli("deploy", path, "--fresh", "--quiet", journal=journal, rpc=node.url)
        assert fresh.returncode == 0, fresh.stderr
        assert list(journal.glob("*.abandoned-*"))


def test_corrupt_journal_is_kept_aside(hardhat_node, export_file, workdir):
    path, _, export = export_file(4)
    journal = workdir / "j7"
    journal.mkdir()
    bad = journal / f"31337-{export['hashes']['model']}.jsonl"
    bad.write_text("{not json\n")
    result = cli("deploy", path, journal=journal, rpc=hardhat_node.url)
    assert result.returncode == 12 and "kept as" in one_line_error(result)
    assert not bad.exists() and len(list(journal.glob("*.corrupt-*"))) == 1


def test_a_model_this_export_cannot_finish_is_named_with_what_to_do(hardhat_node, w3, workdir, export_file):
    from eth_account import Account

    from eternal.deploy.keys import DEV_KEY

    path_a, _, _ = export_file(7)
    path_b, _, export_b = export_file(8)
    journal = workdir / "unresumable"
    model_a = json.loads(cli("deploy", path_a, "--json", journal=journal, rpc=hardhat_node.url).stdout)["address"]
    # Model B's journal, whose creation step names model A's contract (a journal copied by hand, say).
    tx = "0x" + "11" * 32
    records = [{"type": "started", "model_hash": export_b["hashes"]["model"], "chain_id": 31337,
                "genesis": w3.eth.get_block(0)["hash"].to_0x_hex(), "deployer": Account.from_key(DEV_KEY).address},
               {"type": "sent", "step": "model", "nonce": 0, "hash": tx},
               {"type": "mined", "step": "model", "hash": tx, "status": 1, "gas_used": 1, "block": 1, "contract": model_a}]
    entry = journal / f"31337-{export_b['hashes']['model']}.jsonl"
    entry.write_text("".join(json.dumps(record) + "\n" for record in records))
    result = cli("deploy", path_b, journal=journal, rpc=hardhat_node.url)
    line = one_line_error(result)
    assert result.returncode == 37 and model_a in line and "--fresh" in line and "cannot be finished" in line
    fresh = cli("deploy", path_b, "--fresh", "--json", journal=journal, rpc=hardhat_node.url)
    assert fresh.returncode == 0, fresh.stderr
    assert check_model(read_model(w3, json.loads(fresh.stdout)["address"]), export_b).ok
