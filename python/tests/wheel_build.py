"""Building the wheel from this checkout, compiling the contracts afresh, and comparing the two."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGED = "eternal/artifacts/"  # the artifacts' folder inside the wheel
COMPARED = ("abi", "bytecode", "deployedBytecode", "linkReferences", "deployedLinkReferences")


def build_setup():
    """The repo's setup.py as a module (its build hook's :func:`trimmed_artifacts`)."""
    spec = importlib.util.spec_from_file_location("eternal_build_setup", REPO / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_wheel(workdir: Path) -> Path:
    """``pip wheel --no-deps`` of a copy of the project's sources (the repo's own ``build/`` is
    neither used nor touched), with the checkout's compiled ``artifacts/``; returns the wheel."""
    project = workdir / "project"
    project.mkdir()
    for name in ("pyproject.toml", "setup.py"):
        shutil.copy(REPO / name, project / name)
    ignored = shutil.ignore_patterns("__pycache__", "*.egg-info", "artifacts")
    shutil.copytree(REPO / "python" / "eternal", project / "python" / "eternal", ignore=ignored)
    shutil.copytree(REPO / "contracts", project / "contracts")
    (project / "artifacts").symlink_to(REPO / "artifacts")
    out = workdir / "dist"
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(project)],
                            capture_output=True, text=True)
    assert result.returncode == 0, f"pip wheel failed:\n{result.stdout}\n{result.stderr}"
    [wheel] = out.glob("eternal-*.whl")
    return wheel


def shipped_artifacts(wheel: Path) -> dict[str, dict]:
    """Relative path (as under Hardhat's ``artifacts/``) -> artifact, of every one the wheel carries."""
    with zipfile.ZipFile(wheel) as archive:
        return {name[len(PACKAGED):]: json.loads(archive.read(name)) for name in archive.namelist()
                if name.startswith(PACKAGED) and name.endswith(".json")}


class FreshCompile:
    """``hardhat compile`` of ``contracts/`` with the repo's config into ``workdir`` (its own
    artifacts and cache: the repo's are neither read nor written), run in the background
    from :meth:`start` until :meth:`artifacts` waits for it; :meth:`stop` ends it by its PID."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.log = workdir / "compile.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "FreshCompile":
        config = self.workdir / "hardhat.config.js"
        config.write_text(
            f"const repo = {json.dumps(str(REPO))};\n"
            "const base = require(repo + '/hardhat.config.js');\n"
            "module.exports = { ...base, paths: { root: repo, sources: repo + '/contracts',\n"
            "  artifacts: __dirname + '/artifacts', cache: __dirname + '/cache' } };\n"
        )
        hardhat = REPO / "node_modules" / ".bin" / "hardhat"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([str(hardhat), "--config", str(config), "compile", "--quiet"], cwd=REPO,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def artifacts(self, timeout: float = 900) -> Path:
        """The fresh artifacts folder, once the compile has finished."""
        code = self.process.wait(timeout=timeout)
        assert code == 0, f"fresh hardhat compile failed:\n{self.log.read_text()[-3000:]}"
        return self.workdir / "artifacts"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def artifact_differences(shipped: dict[str, dict], fresh: dict[str, dict]) -> list[str]:
    """One line per shipped artifact that differs from the fresh compile's, naming the contract
    and the fields (and sizes) that differ; also contracts one side has and the other lacks."""
    lines = []
    for path in sorted(set(shipped) | set(fresh)):
        contract = path.rsplit("/", 1)[-1].removesuffix(".json")
        if path not in shipped:
            lines.append(f"{contract} ({path}): compiled fresh, not in the wheel (not staged: rebuild the wheel)")
            continue
        if path not in fresh:
            lines.append(f"{contract} ({path}): in the wheel, not in a fresh compile (its source is gone)")
            continue
        for field in COMPARED:
            old, new = shipped[path].get(field), fresh[path].get(field)
            if old != new:
                lines.append(f"{contract} ({path}): {field} differs: {_difference(old, new)} "
                             "(stale artifact: run `npx hardhat compile` and rebuild the wheel)")
    return lines


def _difference(old, new) -> str:
    if isinstance(old, list) and isinstance(new, list):  # an ABI: which entries
        before, after = {_entry(item) for item in old}, {_entry(item) for item in new}
        return f"only shipped {sorted(before - after) or 'none'}, only fresh {sorted(after - before) or 'none'}"
    if isinstance(old, str) and isinstance(new, str) and len(old) == len(new):
        first = next(k for k, (a, b) in enumerate(zip(old, new)) if a != b)
        return f"same size ({_size(old)}), first different byte at {(first - 2) // 2:,}"
    return f"{_size(old)} shipped, {_size(new)} fresh"


def _entry(item: dict) -> str:
    types = ",".join(str(arg.get("type")) for arg in item.get("inputs", []))
    outputs = ",".join(str(arg.get("type")) for arg in item.get("outputs", []))
    return f"{item.get('type')} {item.get('name', '')}({types}){' -> ' + outputs if outputs else ''}"


def _size(value) -> str:
    if isinstance(value, str) and value.startswith("0x"):
        return f"{(len(value) - 2) // 2:,} bytes"
    return "absent" if value is None else "a different value"
