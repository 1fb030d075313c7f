"""The deployment journal: append-only JSONL, one file per (chain id, model hash).

Every record is one JSON line, written with one ``write`` and fsynced before the
deployer goes on, so a crash at any instant leaves every acknowledged record on
disk. The deployment state is rebuilt by replaying the records through
:func:`reduce`, a pure function (as Hardhat Ignition does with ``journal.jsonl``).

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
is done with it; another run waits up to :data:`LOCK_WAIT_SECONDS`, then refuses. The
registries are read and appended under a short lock of their own.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from eternal.errors import AccountBusyError, DeployRunningError, JournalCorruptError, JournalError

RECORD_TYPES = ("started", "sent", "mined", "dropped", "refused", "finished")
DEFAULT_DIR = Path(".eternal") / "journal"
LOCK_DIR = "locks"  # under the journal directory
LOCK_WAIT_SECONDS = 30.0  # a second run waits this long for a lock, then refuses
LOCK_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Transaction:
    """A step's transaction: its newest signed version, and the versions it replaced.

    All versions share the nonce; any of them may be mined until one is.
    """

    step: str
    nonce: int
    hash: str
    raw: str | None = None  # the signed bytes of ``hash`` (hex); None in journals written before they were kept
    earlier: tuple = ()  # ((hash, raw), ...) of the versions it replaced, newest first
    mined: bool = False
    status: int | None = None
    gas_used: int = 0
    block: int | None = None
    contract: str | None = None

    @property
    def hashes(self) -> tuple[str, ...]:
        """Every version's hash, newest first."""
        return (self.hash, *(version[0] for version in self.earlier))


@dataclass(frozen=True)
class DeploymentState:
    """What the journal says about one deployment."""

    model_hash: str | None = None
    chain_id: int | None = None
    genesis: str | None = None
    deployer: str | None = None
    steps: dict = field(default_factory=dict)  # step name -> Transaction
    finished: str | None = None

    @property
    def model_address(self) -> str | None:
        """The EternalModel's address once its creation is mined."""
        tx = self.steps.get("model")
        return tx.contract if tx and tx.mined and tx.status == 1 else None

    def mined(self, step: str) -> Transaction | None:
        """The step's transaction if it is mined and succeeded."""
        tx = self.steps.get(step)
        return tx if tx and tx.mined and tx.status == 1 else None

    def pending(self) -> list[Transaction]:
        """Transactions sent but not known to be mined, in nonce order."""
        return sorted((tx for tx in self.steps.values() if not tx.mined), key=lambda tx: tx.nonce)

    @property
    def nothing_sent(self) -> bool:
        """No transaction journaled, or only ones the node never got: nothing of it is on chain."""
        return not self.steps

    @property
    def gas_used(self) -> int:
        return sum(tx.gas_used for tx in self.steps.values() if tx.mined)


def check_record(record) -> None:
    """Raises ValueError unless ``record`` is a well-formed journal record."""
    if not isinstance(record, dict) or record.get("type") not in RECORD_TYPES:
        raise ValueError(f"unknown record {str(record)[:80]!r}")
    need = {
        "started": {"model_hash": str, "chain_id": int, "genesis": str, "deployer": str},
        "sent": {"step": str, "nonce": int, "hash": str},
        "mined": {"step": str, "hash": str, "status": int, "gas_used": int},
        "dropped": {"step": str, "hash": str},
        "refused": {"step": str, "hash": str, "reason": str},
        "finished": {"address": str},
    }[record["type"]]
    for key, kind in need.items():
        if not isinstance(record.get(key), kind) or isinstance(record.get(key), bool):
            raise ValueError(f"{record['type']} record without a valid {key!r}")
    for key in ("raw", "replaces"):
        if record["type"] == "sent" and not isinstance(record.get(key, ""), str):
            raise ValueError(f"sent record with an invalid {key!r}")


def reduce(state: DeploymentState, record: dict) -> DeploymentState:
    """The state after one record (pure: returns a new state)."""
    kind = record["type"]
    if kind == "started":
        if state.model_hash is not None:
            raise ValueError("second 'started' record")
        return replace(
            state,
            model_hash=record["model_hash"],
            chain_id=record["chain_id"],
            genesis=record["genesis"],
            deployer=record["deployer"],
        )
    if state.model_hash is None:
        raise ValueError(f"{kind!r} record before 'started'")
    steps = dict(state.steps)
    step, prior = record.get("step"), state.steps.get(record.get("step"))
    if kind == "sent":
        earlier = ()
        if "replaces" in record:  # a higher fee at the same nonce: the earlier versions stay candidates
            if prior is None or prior.mined or prior.hash != record["replaces"] or prior.nonce != record["nonce"]:
                raise ValueError(f"'sent' record for {step!r} replaces {record['replaces']}, not its pending version")
            earlier = ((prior.hash, prior.raw), *prior.earlier)
        elif prior is not None and (not prior.mined or prior.status == 1):
            # Only a reverted step is sent anew: a second transaction for a live step could mine twice.
            raise ValueError(f"'sent' record for {step!r} whose transaction {prior.hash} is not settled")
        steps[step] = Transaction(step, record["nonce"], record["hash"], record.get("raw"), earlier)
        return replace(state, steps=steps)
    if kind in ("mined", "dropped", "refused"):
        versions = () if prior is None or prior.mined else prior.hashes
        if record["hash"] not in (versions[:1] if kind == "refused" else versions):
            raise ValueError(f"{kind!r} record for {step!r} {record['hash']} that is not its pending transaction")
        if kind == "refused" and prior.earlier:  # the version it replaced is the step's again
            (hash_, raw), *rest = prior.earlier
            steps[step] = replace(prior, hash=hash_, raw=raw, earlier=tuple(rest))
            return replace(state, steps=steps)
        if kind != "mined":
            del steps[step]
            return replace(state, steps=steps)
        steps[record["step"]] = replace(
            prior,
            hash=record["hash"],
            raw=None,
            earlier=(),
            mined=True,
            status=record["status"],
            gas_used=record["gas_used"],
            block=record.get("block"),
            contract=record.get("contract"),
        )
        return replace(state, steps=steps)
    return replace(state, finished=record["address"])


def replay(records) -> DeploymentState:
    """The state after all ``records``, from an empty one."""
    state = DeploymentState()
    for record in records:
        check_record(record)
        state = reduce(state, record)
    return state


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


class FileLock:
    """An exclusive OS lock (``flock``) on a small file that names its holder's pid.

    The kernel releases it when the holder closes the file or dies (SIGKILL included), so a
    crashed run never leaves it held. The file stays: deleting a lock file someone waits on
    would let a third process lock a new file of the same name. Only processes of one
    machine are kept apart.

    Args:
        path: the lock file (created with its folder).
        error: raised when the lock stays busy past the wait.
        holder: who holds it when busy, for the messages ("Another deploy of model …").
    """

    def __init__(self, path, error: type[Exception], holder: str):
        self.path = Path(path)
        self.error = error
        self.holder = holder
        self._file = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self, wait: float | None = None, say: Callable[[str], None] | None = None) -> FileLock:
        """Takes the lock, waiting up to ``wait`` seconds (default :data:`LOCK_WAIT_SECONDS`).

        ``say`` is told once when the lock is busy. Raises ``error`` if it is still busy then.
        """
        wait = LOCK_WAIT_SECONDS if wait is None else wait
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), "r+b", buffering=0)
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pid = self._holder_pid(handle)
                if time.monotonic() >= deadline:
                    handle.close()
                    raise self.error(
                        f"{self.holder} is running ({pid}); waited {wait:.0f} s. Wait for it to finish or stop it, then rerun"
                    ) from None
                if say and not told:
                    say(f"{self.holder} is running ({pid}); waiting up to {wait:.0f} s for it to finish")
                    told = True
                time.sleep(LOCK_POLL_SECONDS)
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n".encode())
        self._file = handle
        return self

    @staticmethod
    def _holder_pid(handle) -> str:
        handle.seek(0)
        text = handle.read(32).decode(errors="replace").strip()
        return f"pid {text}" if text.isdigit() else "pid unknown"

    def release(self) -> None:
        if self._file is not None:
            self._file.truncate(0)  # no stale pid for the next waiter to show
            self._file.close()  # closing releases the lock
            self._file = None

    def __enter__(self) -> FileLock:
        return self if self.held else self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def account_lock(directory, chain_id: int, address: str) -> FileLock:
    """The lock of one deploying account on one chain: two runs would take the same nonces."""
    return FileLock(Path(directory) / LOCK_DIR / f"{chain_id}-{address}.lock", AccountBusyError,
                    f"Another deploy from account {address} on chain id {chain_id} (journal directory {directory})")


@contextlib.contextmanager
def _briefly_locked(path: Path, create: bool):
    """Holds an exclusive ``flock`` on ``path`` for one read or append (yields False if it is missing)."""
    try:
        handle = open(os.open(path, os.O_RDWR | (os.O_CREAT if create else 0), 0o600), "r+b", buffering=0)
    except FileNotFoundError:
        yield False
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield True


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
        with _briefly_locked(self.path, create=False) as found:
            entries = read_lines(self.path) if found else []
            if not all(isinstance(entry, dict) for entry in entries):
                raise _corrupt(self.path, "an entry is not an object")
        return entries

    def add(self, entry: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _briefly_locked(self.path, create=True):
            append_line(self.path, entry)

    def find(self, **match) -> dict | None:
        """The newest entry with all the given fields equal."""
        for entry in reversed(self.entries()):
            if all(entry.get(k) == v for k, v in match.items()):
                return entry
        return None
