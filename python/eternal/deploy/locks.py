"""OS locks that keep deploy runs apart: one per journal, one per account and chain.

``flock`` locks on small files under ``<journal dir>/locks/``; the kernel releases them
when their holder exits, however it exits. A run that finds one taken waits up to
:data:`LOCK_WAIT_SECONDS`, saying so, then refuses with one line naming the holder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

from eternal.errors import AccountBusyError

LOCK_DIR = "locks"  # under the journal directory
LOCK_WAIT_SECONDS = 30.0  # a second run waits this long for a lock, then refuses
LOCK_POLL_SECONDS = 0.2


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
def briefly_locked(path: Path, create: bool):
    """Holds an exclusive ``flock`` on ``path`` for one read or append (yields False if it is missing)."""
    try:
        handle = open(os.open(path, os.O_RDWR | (os.O_CREAT if create else 0), 0o600), "r+b", buffering=0)
    except FileNotFoundError:
        yield False
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield True
