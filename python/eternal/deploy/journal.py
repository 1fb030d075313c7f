"""The deployment journal: append-only JSONL, one file per (chain id, model hash).

Every record is one JSON line, written with one ``write`` and fsynced before the
deployer goes on, so a crash at any instant leaves every acknowledged record on
disk. The deployment state is rebuilt by replaying the records through
:func:`eternal.deploy.records.reduce`, a pure function (as Hardhat Ignition does with ``journal.jsonl``).

Records (``type`` field):

- ``started``: ``model_hash``, ``chain_id``, ``genesis`` (block 0 hash: tells a
  restarted node apart), ``deployer`` (address only; keys never reach the journal).
- ``sent``: ``step``, ``nonce``, ``hash``, ``raw`` (the signed bytes, hex: a rerun sends
  these again, never a new signature), and ``replaces`` for a version at the same nonce
  with a higher fee (the hash it replaces): written after signing, before sending.
- ``mined``: ``step``, ``hash`` (whichever version was mined), ``status``, ``gas_used``,
  ``block``, ``contract``.
- ``dropped``: ``step``, ``hash``: another transaction of the account took the step's
  nonce, so none of its versions can be mined; the step is done again from the chain.
- ``refused``: ``step``, ``hash``, ``reason``: the node answered this version with an
  error meaning it will never take it (funds, fee, gas): the version it replaced is the
  step's again, or with none the step is done again (nothing of it reached the chain).
- ``finished``: ``address``: the model is finalised; the entry is then cleared.

A finished deployment is cleared from the journal directory and remembered in
``deployed.jsonl`` with its result (so a rerun prints it again); implementation contracts
shared by models on one chain are remembered in ``implementations.jsonl``.

One process at a time: a deployer holds an OS lock (``flock``) per journal and one per
deploying account and chain, in ``<dir>/locks/``, from before it reads the journal until it
is done with it; another run waits up to ``locks.LOCK_WAIT_SECONDS``, then refuses. The
registries are read and appended under a short lock of their own (:mod:`eternal.deploy.locks`).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from eternal.deploy.locks import LOCK_DIR, FileLock, briefly_locked
from eternal.deploy.records import DeploymentState, Transaction, check_record, reduce, replay  # noqa: F401 (importers)
from eternal.errors import DeployRunningError, JournalCorruptError, JournalError

DEFAULT_DIR = Path(".eternal") / "journal"


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def append_line(path: Path, record: dict) -> None:
    """Appends one record as one line and fsyncs it."""
    line = (json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_lines(path: Path) -> list[dict]:
    """The records of a JSONL file; a torn last line (crash mid-write) is cut off.

    Raises:
        JournalCorruptError: a complete line is not a record (the file is moved aside).
    """
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        # Never acknowledged, so nothing was sent on its account: drop the fragment.
        cut = data.rfind(b"\n") + 1
        with open(path, "r+b") as handle:
            handle.truncate(cut)
            os.fsync(handle.fileno())
        data = data[:cut]
    records = []
    for number, line in enumerate(data.splitlines(), 1):
        try:
            records.append(json.loads(line))
        except ValueError:
            raise _corrupt(path, f"line {number} is not JSON") from None
    return records


def _corrupt(path: Path, why: str) -> JournalCorruptError:
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
    os.replace(path, aside)
    return JournalCorruptError(f"Journal {path} is corrupt ({why}); kept as {aside}. Rerun to start a fresh deployment")


class Journal:
    """The journal of one deployment: ``<dir>/<chain id>-<model hash>.jsonl``."""

    def __init__(self, directory, chain_id: int, model_hash: str):
        self.directory = Path(directory)
        self.chain_id = chain_id
        self.model_hash = model_hash
        self.path = self.directory / f"{chain_id}-{model_hash}.jsonl"
        self.state = DeploymentState()

    def exists(self) -> bool:
        return self.path.exists()

    def lock(self) -> FileLock:
        """This journal's lock: take it before reading, moving or writing the journal."""
        return FileLock(self.directory / LOCK_DIR / f"{self.chain_id}-{self.model_hash}.lock", DeployRunningError,
                        f"Another deploy of model {self.model_hash} on chain id {self.chain_id} "
                        f"(journal {self.path})")

    def load(self) -> DeploymentState:
        """Replays the file into :attr:`state`.

        Raises:
            JournalCorruptError: unreadable records, or records of another model or chain.
        """
        records = read_lines(self.path)
        try:
            state = replay(records)
        except ValueError as exc:
            raise _corrupt(self.path, str(exc)) from None
        if state.model_hash is None:
            raise _corrupt(self.path, "no 'started' record")
        if state.model_hash != self.model_hash:
            raise _corrupt(self.path, f"it is for model {state.model_hash}, not {self.model_hash}")
        if state.chain_id != self.chain_id:
            raise JournalError(
                f"Journal {self.path} is for chain id {state.chain_id}, but the node is chain id {self.chain_id}"
            )
        self.state = state
        return state

    def start(self, genesis: str, deployer: str) -> DeploymentState:
        """Creates the file with its ``started`` record, atomically (temp file + rename)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        record = {"type": "started", "model_hash": self.model_hash, "chain_id": self.chain_id,
                  "genesis": genesis, "deployer": deployer, "time": time.time()}
        temporary = self.path.with_name(self.path.name + f".tmp-{os.getpid()}")
        append_line(temporary, record)
        os.replace(temporary, self.path)
        _fsync_directory(self.directory)
        self.state = replay([record])
        return self.state

    def append(self, record: dict) -> DeploymentState:
        """Checks, fsyncs and applies one record."""
        check_record(record)
        state = reduce(self.state, record)
        append_line(self.path, record)
        self.state = state
        return state

    def sent(self, step: str, nonce: int, tx_hash: str, raw: str | None = None, replaces: str | None = None) -> None:
        record = {"type": "sent", "step": step, "nonce": nonce, "hash": tx_hash, "raw": raw, "replaces": replaces}
        self.append({key: value for key, value in record.items() if value is not None})

    def mined(self, step: str, tx_hash: str, status: int, gas_used: int, block: int | None, contract: str | None) -> None:
        self.append({"type": "mined", "step": step, "hash": tx_hash, "status": status, "gas_used": gas_used,
                     "block": block, "contract": contract})

    def dropped(self, step: str, tx_hash: str) -> None:
        self.append({"type": "dropped", "step": step, "hash": tx_hash})

    def refused(self, step: str, tx_hash: str, reason: str) -> None:
        self.append({"type": "refused", "step": step, "hash": tx_hash, "reason": reason})

    def abandon(self) -> Path | None:
        """Moves the file aside (kept, never deleted) so the next run starts afresh."""
        if not self.path.exists():
            return None
        aside = self.path.with_name(f"{self.path.name}.abandoned-{time.strftime('%Y%m%dT%H%M%S')}")
        os.replace(self.path, aside)
        return aside

    def finish(self, address: str, result: dict | None = None) -> None:
        """Records the finalised model, remembers it (and ``result``) in ``deployed.jsonl`` and clears the entry."""
        self.append({"type": "finished", "address": address})
        entry = {"chain_id": self.chain_id, "genesis": self.state.genesis, "model_hash": self.model_hash, "address": address}
        Registry(self.directory / "deployed.jsonl").add(entry if result is None else {**entry, "result": result})
        self.path.unlink()
        _fsync_directory(self.directory)


class Registry:
    """An append-only list of facts about a chain (finished models, shared implementations)."""

    def __init__(self, path):
        self.path = Path(path)

    def entries(self) -> list[dict]:
        # Locked: reading cuts a torn last line, which must not be another process's append.
        with briefly_locked(self.path, create=False) as found:
            entries = read_lines(self.path) if found else []
            if not all(isinstance(entry, dict) for entry in entries):
                raise _corrupt(self.path, "an entry is not an object")
        return entries

    def add(self, entry: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with briefly_locked(self.path, create=True):
            append_line(self.path, entry)

    def find(self, **match) -> dict | None:
        """The newest entry with all the given fields equal."""
        for entry in reversed(self.entries()):
            if all(entry.get(k) == v for k, v in match.items()):
                return entry
        return None
