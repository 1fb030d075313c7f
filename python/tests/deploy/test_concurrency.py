"""Deploys running at the same time on a real Hardhat node: one journal, one account, one model each.

Two runs of one model from one journal folder end with one model on chain; two models
from one key at once never take the same nonces; a run that cannot get a lock in time
says so in one line and leaves the other's journal as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from eth_account import Account

from cli_run import one_line_error
from deploy_cli import cli, model_creations

from eternal.deploy import locks as locks_module
from eternal.deploy.journal import Journal
from eternal.deploy.locks import account_lock
from eternal.deploy.keys import DEV_KEY
from eternal.verify import check_model, read_model

DEV = Account.from_key(DEV_KEY).address
BUSY_CODES = (34, 35)  # DeployRunningError, AccountBusyError
TRIALS = 5


def start_deploy(path, journal, rpc, *extra) -> subprocess.Popen:
    """``eternal deploy PATH`` in a new process: the address on stdout, progress (and any wait) on stderr."""
    env = {**os.environ, "ETERNAL_JOURNAL_DIR": str(journal)}
    return subprocess.Popen([sys.executable, "-m", "eternal.deploy", str(path), "--rpc-url", rpc, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(process: subprocess.Popen):
    stdout, stderr = process.communicate(timeout=300)
    return process.returncode, stdout, stderr


def assert_clean_refusal(code: int, stderr: str) -> None:
    """A run that lost the race: a lock code and one ``error:`` line, nothing else."""
    assert code in BUSY_CODES, stderr
    assert "Traceback" not in stderr
    [line] = [line for line in stderr.strip().splitlines() if line.startswith("error:")]
    assert "is running (pid " in line and "Wait for it to finish or stop it" in line


def test_two_runs_of_one_model_leave_one_model(hardhat_node, w3, workdir, export_file):
    journal = workdir / "race-one-model"
    outcomes, waited = [], 0
    for trial in range(TRIALS):
        path, _, export = export_file(40 + trial)
        first_block = w3.eth.block_number + 1
        runs = [start_deploy(path, journal, hardhat_node.url) for _ in range(2)]
        results = [finish(run) for run in runs]
        addresses = set()
        for code, stdout, stderr in results:
            if code == 0:
                addresses.add(stdout.strip())
            else:
                assert_clean_refusal(code, stderr)
        assert len(addresses) == 1, results
        if [code for code, _, _ in results] == [0, 0]:  # one found the other's model done: it waited, or came after
            assert sum("already deployed" in stderr for _, _, stderr in results) == 1, results
        assert model_creations(w3, first_block, DEV) == 1
        report = check_model(read_model(w3, addresses.pop()), export)
        assert report.ok, report.failures()
        assert not list(journal.glob("31337-*.jsonl")) and not list(journal.glob("*.corrupt-*"))
        outcomes.append(sorted(code for code, _, _ in results))
        waited += sum("waiting up to" in stderr for _, _, stderr in results)
    print(f"\n{TRIALS} trials, exit codes per trial: {outcomes}; runs that waited for the other: {waited}")


def test_two_models_from_one_key_at_once_both_deploy(hardhat_node, w3, workdir, export_file):
    journal = workdir / "race-two-models"
    (path_a, _, export_a), (path_b, _, export_b) = export_file(50), export_file(51)
    first_block = w3.eth.block_number + 1
    runs = [start_deploy(path_a, journal, hardhat_node.url), start_deploy(path_b, journal, hardhat_node.url)]
    results = [finish(run) for run in runs]
    deployed = 0
    for (code, stdout, stderr), export in zip(results, (export_a, export_b)):
        if code != 0:
            assert_clean_refusal(code, stderr)
            continue
        report = check_model(read_model(w3, stdout.strip()), export)  # this model, at the printed address
        assert report.ok, report.failures()
        deployed += 1
    assert deployed == 2, results  # the second waits for the first: 30 s is ample for these models
    print(f"\ntwo models at once: exit codes {[code for code, _, _ in results]}, "
          f"runs that waited: {sum('waiting up to' in stderr for _, _, stderr in results)}")
    assert model_creations(w3, first_block, DEV) == 2
    nonces = [tx["nonce"] for number in range(first_block, w3.eth.block_number + 1)
              for tx in w3.eth.get_block(number, full_transactions=True)["transactions"] if tx["from"] == DEV]
    assert nonces == list(range(nonces[0], nonces[0] + len(nonces)))  # no gap, no transaction refused


def test_a_held_account_lock_refuses_in_one_line(hardhat_node, w3, workdir, export_file, monkeypatch):
    monkeypatch.setattr(locks_module, "LOCK_WAIT_SECONDS", 0.5)
    path, _, _ = export_file(52)
    journal = workdir / "held-account"
    blocks = w3.eth.block_number
    with account_lock(journal, 31337, DEV):
        result = cli("deploy", path, journal=journal, rpc=hardhat_node.url)
    assert result.returncode == 35
    line = one_line_error(result)
    assert f"account {DEV} on chain id 31337" in line and f"pid {os.getpid()}" in line
    assert w3.eth.block_number == blocks and not list(journal.glob("31337-*.jsonl"))


@pytest.mark.parametrize("content", ["started", "corrupt"])
def test_a_held_journal_is_never_moved_even_with_fresh(hardhat_node, w3, workdir, export_file, monkeypatch, content):
    """``--fresh`` and the corrupt-journal path both move a journal aside: never one another run holds."""
    monkeypatch.setattr(locks_module, "LOCK_WAIT_SECONDS", 0.5)
    path, _, export = export_file(53)
    journal = workdir / f"held-journal-{content}"
    live = Journal(journal, 31337, export["hashes"]["model"])
    journal.mkdir()
    text = "{not json\n" if content == "corrupt" else json.dumps(
        {"type": "started", "model_hash": live.model_hash, "chain_id": 31337, "genesis": "0x00", "deployer": DEV}) + "\n"
    live.path.write_text(text)
    with live.lock():
        for extra in ([], ["--fresh"]):
            result = cli("deploy", path, *extra, journal=journal, rpc=hardhat_node.url)
            assert result.returncode == 34, result.stderr
            assert f"model {live.model_hash}" in one_line_error(result)
            assert live.path.read_text() == text
            assert sorted(p.name for p in journal.iterdir()) == sorted(["locks", live.path.name])


def test_a_waiting_run_goes_on_when_the_lock_is_let_go(hardhat_node, w3, workdir, export_file):
    import threading

    path, _, export = export_file(54)
    journal = workdir / "waited"
    held = account_lock(journal, 31337, DEV).acquire()
    threading.Timer(1.0, held.release).start()
    result = cli("deploy", path, journal=journal, rpc=hardhat_node.url)
    assert result.returncode == 0, result.stderr
    assert "is running (pid" in result.stderr and "waiting up to 30 s" in result.stderr
    assert check_model(read_model(w3, result.stdout.strip()), export).ok
