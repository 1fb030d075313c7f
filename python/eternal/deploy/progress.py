"""Progress: the upload's bar on stderr (rich), and the seconds each phase took."""

from __future__ import annotations

import time


class PhaseClock:
    """Seconds per phase of one run: :meth:`lap` closes the phase that just ended."""

    def __init__(self):
        self.started = self._at = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = round(self.seconds.get(phase, 0.0) + now - self._at, 3)
        self._at = now

    def total(self) -> float:
        return round(time.perf_counter() - self.started, 3)


class UploadBar:
    """A progress bar over ``total_bytes`` in ``transactions`` transactions; silent when ``quiet``.

    Use as a context manager; call :meth:`mined` for each mined upload transaction.
    """

    def __init__(self, total_bytes: int, transactions: int, quiet: bool):
        self.transactions = transactions
        self.done = 0
        self.gas = 0
        self._progress = None
        if quiet or transactions == 0:
            return
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn(),
                                  console=Console(stderr=True), transient=False)
        self._task = self._progress.add_task(f"upload 0/{transactions} txs", total=total_bytes)

    def __enter__(self) -> UploadBar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()

    def mined(self, size: int, gas_used: int) -> None:
        """One more upload transaction mined: ``size`` payload bytes for ``gas_used`` gas."""
        self.done += 1
        self.gas += gas_used
        if self._progress is not None:
            self._progress.update(self._task, advance=size,
                                  description=f"upload {self.done}/{self.transactions} txs, {self.gas:,} gas")
