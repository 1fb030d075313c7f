"""The journal's OS locks and the registries' short locks, between real processes: no chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from eternal.deploy import locks as locks_module
from eternal.deploy.journal import Journal, Registry
from eternal.deploy.locks import FileLock, account_lock
from eternal.errors import AccountBusyError, DeployRunningError

HASH = "cd" * 32
ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def holder(lock_path: str, seconds: float) -> subprocess.Popen:
    """A process that takes the lock at ``lock_path``, says so on stdout, and keeps it ``seconds``."""
    code = textwrap.dedent(f"""
        import sys, time
        from eternal.deploy.locks import FileLock
        from eternal.errors import DeployRunningError
        lock = FileLock({lock_path!r}, DeployRunningError, "test").acquire(wait=0)
        print("locked", flush=True)
        time.sleep({seconds})
    """)
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_busy_journal_lock_refuses_with_the_holders_pid(tmp_path):
    journal = Journal(tmp_path, 31337, HASH)
    mine = journal.lock().acquire()
    told = []
    started = time.monotonic()
    with pytest.raises(DeployRunningError) as refused:
        journal.lock().acquire(wait=0.5, say=told.append)
    assert 0.5 <= time.monotonic() - started < 5
    message = str(refused.value)
    assert f"pid {os.getpid()}" in message and HASH in message and "\n" not in message
    assert len(told) == 1 and "waiting up to" in told[0]
    mine.release()
    journal.lock().acquire(wait=0).release()  # free again


def test_the_account_lock_is_per_chain_and_address(tmp_path):
    with account_lock(tmp_path, 31337, ADDRESS):
        with pytest.raises(AccountBusyError, match=f"account {ADDRESS} on chain id 31337"):
            account_lock(tmp_path, 31337, ADDRESS).acquire(wait=0)
        account_lock(tmp_path, 1, ADDRESS).acquire(wait=0).release()
        account_lock(tmp_path, 31337, "0x" + "11" * 20).acquire(wait=0).release()


def test_a_waiter_gets_the_lock_when_the_holder_lets_go(tmp_path):
    first = account_lock(tmp_path, 31337, ADDRESS).acquire()
    threading.Timer(0.5, first.release).start()
    told = []
    second = account_lock(tmp_path, 31337, ADDRESS).acquire(wait=10, say=told.append)
    assert second.held and len(told) == 1
    second.release()


def test_a_killed_holder_leaves_the_lock_free(tmp_path):
    path = tmp_path / "locks" / "x.lock"
    process = holder(str(path), 60)
    try:
        with pytest.raises(DeployRunningError, match=f"pid {process.pid}"):
            FileLock(path, DeployRunningError, "Another deploy").acquire(wait=0.3)
    finally:
        process.kill()
        process.wait()
    FileLock(path, DeployRunningError, "Another deploy").acquire(wait=0).release()
    assert path.exists()  # the file stays; only the kernel's lock went


def test_the_lock_waits_no_longer_than_the_module_setting(tmp_path, monkeypatch):
    monkeypatch.setattr(locks_module, "LOCK_WAIT_SECONDS", 0.2)
    held = Journal(tmp_path, 31337, HASH).lock().acquire()
    started = time.monotonic()
    with pytest.raises(DeployRunningError):
        Journal(tmp_path, 31337, HASH).lock().acquire()
    assert time.monotonic() - started < 2
    held.release()


def test_registry_appends_from_many_processes_all_arrive(tmp_path):
    """Readers cut a torn last line; under the registry's lock that is never a live append.

    (Without the lock this machine loses no line either, single small appends being atomic
    in practice: the test guards the locked path against errors and deadlocks.)
    """
    path = tmp_path / "deployed.jsonl"
    code = textwrap.dedent(f"""
        import sys
        from eternal.deploy.journal import Registry
        registry = Registry({str(path)!r})
        for n in range(50):
            registry.add({{"writer": int(sys.argv[1]), "n": n, "pad": "x" * (n * 37 % 500)}})
            registry.entries()
    """)
    writers = [subprocess.Popen([sys.executable, "-c", code, str(k)]) for k in range(4)]
    assert all(w.wait(timeout=120) == 0 for w in writers)
    entries = Registry(path).entries()
    assert sorted((e["writer"], e["n"]) for e in entries) == [(k, n) for k in range(4) for n in range(50)]
    assert all(json.loads(line) for line in path.read_text().splitlines())
