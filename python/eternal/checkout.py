"""Where the compiled contracts and the JavaScript tools are: a checkout of the repo, or a wheel.

In a checkout (the repo, with its Hardhat config), ``npx hardhat compile`` writes the
artifacts to ``artifacts/`` and ``node_modules/`` holds Hardhat and anvil. An installed
wheel has neither: it carries a trimmed copy of the artifacts (ABI and bytecode only)
as package data in ``eternal/artifacts/``, staged by ``setup.py`` when the wheel is built,
and it talks to any node the user names. ``ETERNAL_ARTIFACTS`` overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

from eternal.errors import NodeError

REPO = Path(os.environ.get("ETERNAL_REPO", Path(__file__).resolve().parents[2]))
HARDHAT = REPO / "node_modules" / ".bin" / "hardhat"
ARTIFACTS = REPO / "artifacts"
PACKAGED_ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
"""The artifacts a wheel carries (absent in a checkout, whose ``artifacts/`` serves)."""


def in_checkout() -> bool:
    """True when this code runs from a checkout of the repo (its Hardhat project), not a wheel."""
    return (REPO / "hardhat.config.js").is_file() and (REPO / "contracts").is_dir()


def artifacts_dir() -> Path:
    """The Hardhat artifacts to read: ``ETERNAL_ARTIFACTS`` when set, else the checkout's
    ``artifacts/``, else the ones packaged in the wheel."""
    chosen = os.environ.get("ETERNAL_ARTIFACTS")
    if chosen:
        return Path(chosen)
    return ARTIFACTS if in_checkout() else PACKAGED_ARTIFACTS


def compile_hint() -> str:
    """What to do when an artifact is missing, for a checkout or an installed wheel."""
    if os.environ.get("ETERNAL_ARTIFACTS") or in_checkout():
        return "run `npx hardhat compile`"
    return "this installation of eternal lacks its packaged contracts: reinstall it from a wheel built after `npx hardhat compile`"


def require_checkout(feature: str) -> Path:
    """The checkout's root, for a feature that needs the repo's npm tools (Hardhat, anvil).

    Raises:
        NodeError: running from an installed wheel; the message says what to use instead.
    """
    if not in_checkout():
        raise NodeError(
            f"{feature} needs a checkout of the Eternal repo (its npm Hardhat); this eternal is an installed "
            "package: run any EVM node (e.g. `eternal node --engine anvil` with Foundry's anvil on PATH) "
            "and pass its URL with --rpc-url"
        )
    return REPO
