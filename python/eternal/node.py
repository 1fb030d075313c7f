"""A local node for tests, benchmarks and the demo: start, wait, stop by PID.

Two engines with one interface: :class:`HardhatNode` (``hardhat node``) and
:class:`AnvilNode` (Foundry's ``anvil``, from npm ``@foundry-rs/anvil``), both on
127.0.0.1 with chain id 31337 and the same dev accounts.

``python -m eternal.node [--port 8545] [--engine anvil|hardhat]`` runs one in the
foreground until Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from eternal.checkout import ARTIFACTS, HARDHAT, REPO, in_checkout, require_checkout
from eternal.errors import NodeError

DEV_MNEMONIC = "test test test test test test test test test test test junk"  # Hardhat's and anvil's default
DEV_CHAIN_ID = 31337


def free_port(low: int = 8600, high: int = 8699) -> int:
    """A TCP port in ``[low, high]`` that nothing listens on right now."""
    start = low + os.getpid() % (high - low + 1)
    for k in range(high - low + 1):
        port = low + (start - low + k) % (high - low + 1)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise NodeError(f"No free TCP port in {low}-{high} for a local node")


def rpc(url: str, method: str, params=None, timeout: float = 5.0):
    """One JSON-RPC call, without web3 (used to probe a node that may be down)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        raise NodeError(f"{url}: {method} failed: {answer['error'].get('message')}")
    return answer["result"]


def compile_contracts(force: bool = False) -> None:
    """Runs ``hardhat compile`` when the artifacts are missing (or always with ``force``); an
    installed wheel carries its compiled contracts and compiles nothing (unless forced: it cannot)."""
    if not force and (not in_checkout() or (ARTIFACTS / "contracts" / "EternalModel.sol" / "EternalModel.json").exists()):
        return
    require_checkout("Compiling the contracts")
    result = subprocess.run([str(HARDHAT), "compile", "--quiet"], cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        raise NodeError(f"`npx hardhat compile` failed: {(result.stderr or result.stdout).strip().splitlines()[-1:]}")


PR_SET_PDEATHSIG = 1  # prctl option: a signal the kernel sends when the parent exits


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux for SIGTERM when our parent dies, so a
    foreground ``eternal node`` killed by any signal (SIGKILL too) leaves no node."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class LocalNode:
    """A node child process on 127.0.0.1, stopped by its PID; subclasses name the command.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    engine = "node"

    def __init__(self, port: int | None = None, hardfork: str | None = None, log_path: str | None = None,
                 tied_to_parent: bool = False):
        self.port = port or free_port()
        self.tied_to_parent = tied_to_parent  # the node dies with this process, even by SIGKILL (Linux)
        self.url = f"http://127.0.0.1:{self.port}"
        self.hardfork = hardfork
        self.log_path = log_path or os.path.join(tempfile.gettempdir(), f"eternal-{self.engine}-{self.port}.log")
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def name(self) -> str:
        return self.engine.capitalize()

    def command(self) -> list[str]:
        """The argv that runs the node (raises NodeError when it is not installed)."""
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def start(self, timeout: float = 60.0) -> "LocalNode":
        """Starts the node and returns once it answers ``eth_chainId``."""
        command = self.command()
        if _answers(self.url):
            raise NodeError(f"Port {self.port} already has a node answering; pick another port")
        log = open(self.log_path, "wb")
        # A session of its own, so stop() can signal the node and the children npm may spawn.
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.environment(),
            start_new_session=True,
            preexec_fn=_die_with_parent if self.tied_to_parent else None,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = Path(self.log_path).read_text(errors="replace").strip().splitlines()[-3:]
                self.process = None
                raise NodeError(f"{self.name} node on port {self.port} exited at start: {' | '.join(tail)}")
            if _answers(self.url):
                return self
            time.sleep(0.1)
        self.stop()
        raise NodeError(f"{self.name} node on port {self.port} did not answer eth_chainId within {timeout:.0f} s")

    def stop(self, timeout: float = 10.0) -> None:
        """Stops the node (its process group, by the PID we started) and waits for it."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
        except ProcessLookupError:
            pass

    def restart(self) -> "LocalNode":
        """Stops and starts the node on the same port: a fresh chain (all contracts gone)."""
        self.stop()
        deadline = time.monotonic() + 10
        while _answers(self.url) and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.start()

    def __enter__(self) -> "LocalNode":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class HardhatNode(LocalNode):
    """``hardhat node``; the hardfork is the config's (osaka) unless ``hardfork`` is given."""

    engine = "hardhat"

    def command(self) -> list[str]:
        require_checkout("A Hardhat node")
        if not HARDHAT.exists():
            raise NodeError(f"Hardhat not installed: {HARDHAT} missing (run `npm install`)")
        return [str(HARDHAT), "node", "--hostname", "127.0.0.1", "--port", str(self.port)]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.hardfork:
            env["ETERNAL_HARDFORK"] = self.hardfork
        return env


def anvil_binary() -> Path:
    """The native ``anvil`` that npm ``@foundry-rs/anvil`` installs in its platform package
    (from an installed wheel: the ``anvil`` on PATH).

    Raises:
        NodeError: the package is not installed (or has no build for this platform).
    """
    if not in_checkout():  # an installed package: Foundry's own anvil, if the user has one
        on_path = shutil.which("anvil")
        if on_path is None:
            raise NodeError("anvil not found: this eternal is an installed package (no npm @foundry-rs/anvil); "
                            "put Foundry's `anvil` on PATH")
        return Path(on_path)
    found = sorted((REPO / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil"))
    if not found:  # the package's own launcher (node) finds the binary the same way
        launcher = REPO / "node_modules" / ".bin" / "anvil"
        if launcher.exists():
            return launcher
        raise NodeError("anvil not installed: no node_modules/@foundry-rs/anvil-*/bin/anvil (run `npm install`)")
    return found[0]


class AnvilNode(LocalNode):
    """Foundry's ``anvil``: osaka by default, Hardhat's chain id and dev accounts.

    The block gas limit and code size limit stay anvil's (osaka's rules) unless
    ``gas_limit`` or ``code_size_limit`` is given. anvil holds an ``eth_call`` to the
    block gas limit, not to the 16,777,216 transaction cap. Past states beyond those anvil
    keeps in memory are dropped, not written to ``~/.foundry/anvil/tmp``: anvil leaves
    that folder behind when it is stopped, and a fixture run filled it with 15 GB.
    """

    engine = "anvil"

    def __init__(self, port: int | None = None, hardfork: str | None = "osaka", log_path: str | None = None,
                 tied_to_parent: bool = False, gas_limit: int | None = None, code_size_limit: int | None = None):
        super().__init__(port, hardfork or "osaka", log_path, tied_to_parent)
        self.gas_limit = gas_limit
        self.code_size_limit = code_size_limit

    def command(self) -> list[str]:
        argv = [str(anvil_binary()), "--host", "127.0.0.1", "--port", str(self.port), "--hardfork", self.hardfork,
                "--chain-id", str(DEV_CHAIN_ID), "--mnemonic", DEV_MNEMONIC, "--max-persisted-states", "0"]
        if self.gas_limit is not None:
            argv += ["--gas-limit", str(self.gas_limit)]
        if self.code_size_limit is not None:
            argv += ["--code-size-limit", str(self.code_size_limit)]
        return argv


ENGINES = {"hardhat": HardhatNode, "anvil": AnvilNode}
"""``--engine`` name -> its node class."""


def _answers(url: str) -> bool:
    try:
        rpc(url, "eth_chainId", timeout=1.0)
        return True
    except (OSError, urllib.error.URLError, ValueError, NodeError):
        return False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8545)
    parser.add_argument("--engine", choices=sorted(ENGINES), default="hardhat",
                        help="hardhat (default) or anvil (npm @foundry-rs/anvil: fast, big eth_calls)")
    parser.add_argument("--hardfork", help="e.g. prague (default: osaka)")


class _StopSignal(Exception):
    """SIGTERM or SIGHUP reached the foreground node command."""


def _raise_stop(signum, frame) -> None:
    raise _StopSignal(signal.Signals(signum).name)


def run(args) -> int:
    """Runs a node in the foreground until Ctrl-C, SIGTERM or SIGHUP; each stops the
    node child too (by its PID, with its process group). A SIGKILL, which cannot be
    caught, stops it through the kernel (``PR_SET_PDEATHSIG``)."""
    compile_contracts()
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        with ENGINES[args.engine](args.port, args.hardfork, tied_to_parent=True) as node:
            print(f"{node.name} node at {node.url} (pid {node.pid}, log {node.log_path}); Ctrl-C stops it", flush=True)
            try:
                while node.process and node.process.poll() is None:
                    time.sleep(0.5)
            except (KeyboardInterrupt, _StopSignal):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    from eternal.cli import run_module  # the entry shim only; commands never import the CLI

    sys.exit(run_module("node"))
