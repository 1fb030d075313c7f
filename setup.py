"""Build hook: a wheel (or sdist) of eternal carries the compiled contracts as package data.

``pip wheel . --no-deps`` or ``python -m build`` copies each contract artifact that
deploy, predict, verify and pull read from Hardhat's ``artifacts/`` into
``eternal/artifacts/``, the same tree trimmed to the ABI, the bytecode and the link
references (no build-info, no test, bench or example contracts). Everything else is
declared in pyproject.toml. An editable install reads the checkout's ``artifacts/``
and copies nothing.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.errors import SetupError

ROOT = Path(__file__).resolve().parent
COMPILED = ROOT / "artifacts"
PACKAGED = Path("eternal") / "artifacts"  # inside the package
STAGED_IN_SDIST = ROOT / "python" / PACKAGED  # an sdist's copy, when the wheel is built from one
KEPT_FIELDS = ("_format", "contractName", "sourceName", "abi", "bytecode", "deployedBytecode",
               "linkReferences", "deployedLinkReferences")
LEFT_OUT = ("build-info/", "contracts/test/", "contracts/bench/", "contracts/examples/")
NEEDED = "contracts/EternalModel.sol/EternalModel.json"
DECLARATION = re.compile(r"^\s*(abstract\s+)?(contract|library|interface)\s+\w+", re.MULTILINE)


def trimmed_artifacts(compiled: Path) -> dict[str, dict]:
    """Relative path -> the artifact with only :data:`KEPT_FIELDS`, for every shipped contract.

    Raises:
        SetupError: the contracts are not compiled, or a source under ``contracts/`` has no
            artifact folder (added after the last compile).
    """
    if not (compiled / NEEDED).is_file():
        raise SetupError(f"No compiled contracts at {compiled / NEEDED}: run `npx hardhat compile` before building the wheel")
    sources = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "contracts").rglob("*.sol"))
    missing = [source for source in sources if not source.startswith(LEFT_OUT) and _declares_contract(ROOT / source)
               and not (compiled / source).is_dir()]
    if missing:
        raise SetupError(f"Not compiled: {', '.join(missing)}: run `npx hardhat compile` before building the wheel")
    shipped = {}
    for path in sorted(compiled.rglob("*.json")):
        relative = path.relative_to(compiled).as_posix()
        if relative.startswith(LEFT_OUT) or relative.endswith(".dbg.json"):
            continue
        artifact = json.loads(path.read_text())
        if "abi" in artifact:
            shipped[relative] = {field: artifact[field] for field in KEPT_FIELDS if field in artifact}
    return shipped


def _declares_contract(source: Path) -> bool:
    """Whether a Solidity file declares a contract, library or interface (others get no artifact)."""
    return DECLARATION.search(source.read_text()) is not None


def stage_artifacts(target: Path) -> int:
    """Writes the trimmed artifacts under ``target`` (emptied first); returns how many."""
    shipped = trimmed_artifacts(COMPILED)
    shutil.rmtree(target, ignore_errors=True)
    for relative, artifact in shipped.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(artifact, separators=(",", ":")))
    return len(shipped)


class BuildWithArtifacts(build_py):
    """``build_py`` that also stages the contract artifacts into the built package."""

    def run(self):
        super().run()
        if self.editable_mode:
            return  # an editable install runs from the checkout and reads its artifacts/
        target = Path(self.build_lib) / PACKAGED
        if COMPILED.is_dir() or not STAGED_IN_SDIST.is_dir():
            print(f"eternal: staged {stage_artifacts(target)} contract artifacts into {PACKAGED}")
            return
        shutil.copytree(STAGED_IN_SDIST, target, dirs_exist_ok=True)  # built from an sdist that carries them


class SdistWithArtifacts(sdist):
    """``sdist`` whose tree carries the staged artifacts, so a wheel built from it has them too."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        stage_artifacts(Path(base_dir) / "python" / PACKAGED)


if __name__ == "__main__":  # as setuptools runs it; the tests import trimmed_artifacts
    setup(cmdclass={"build_py": BuildWithArtifacts, "sdist": SdistWithArtifacts})
