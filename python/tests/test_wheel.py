"""The wheel on its own: it carries contracts equal to a fresh compile of ``contracts/``, and,
installed in a fresh venv outside the repo, with no checkout, npm or ``ETERNAL_ARTIFACTS``,
its ``eternal`` command exports, plans, deploys, predicts, verifies and pulls against a node.

The venv gets the wheel alone (``--no-deps``); its dependencies are the test venv's installed
ones, seen through a ``.pth`` line (installing TensorFlow anew costs minutes). The test proves
that ``eternal`` itself comes from the wheel: its ``__file__`` is in the new venv and no path of
the repo's sources is on ``sys.path``. ``ETERNAL_WHEEL_FULL_INSTALL=1`` installs the wheel with
its dependencies resolved from the package index instead (pip's cache makes reruns quicker).
The fresh compile runs in the background from the first test on, beside the others.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import numpy as np
import pytest
from small_models import small_model
from wheel_build import REPO, FreshCompile, artifact_differences, build_setup, build_wheel, shipped_artifacts


@pytest.fixture(scope="module", autouse=True)
def fresh_compile(tmp_path_factory):
    """The fresh compile, started first: it runs while the wheel is built and installed."""
    compiling = FreshCompile(tmp_path_factory.mktemp("fresh")).start()
    yield compiling
    compiling.stop()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_a_stale_artifact_is_named_with_what_differs(wheel):
    shipped = shipped_artifacts(wheel)
    fresh = json.loads(json.dumps(shipped))
    dense = "contracts/layers/DenseLayer.sol/DenseLayer.json"
    fresh[dense]["bytecode"] = fresh[dense]["bytecode"][:-4] + "0000"
    fresh[dense]["abi"] = fresh[dense]["abi"][1:]
    del fresh["contracts/EternalModel.sol/EternalModel.json"]
    lines = artifact_differences(shipped, fresh)
    assert len(lines) == 3, lines
    assert any(line.startswith("DenseLayer (") and "bytecode differs: same size" in line for line in lines)
    assert any(line.startswith("DenseLayer (") and "abi differs: only shipped [" in line for line in lines)
    assert any(line.startswith("EternalModel (") and "not in a fresh compile" in line for line in lines)


def _venv(wheel: Path, root: Path, env: dict[str, str]) -> Path:
    """A fresh venv in ``root`` with the wheel installed; returns its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, capture_output=True, env=env)
    python = root / "bin" / "python"
    full = os.environ.get("ETERNAL_WHEEL_FULL_INSTALL") == "1"
    install = [str(python), "-m", "pip", "install", "--quiet", str(wheel)] + ([] if full else ["--no-deps"])
    result = subprocess.run(install, capture_output=True, text=True, env=env)
    assert result.returncode == 0, f"pip install of the wheel failed:\n{result.stderr}"
    if not full:
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True, env=env).stdout.strip()
        # Only the dependencies: a .pth line adds the folder, not the .pth files in it (the
        # test venv's editable install of the repo's python/ is one of those).
        Path(site, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return root / "bin"


def _without_checkout(bin_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("ETERNAL_ARTIFACTS", "ETERNAL_REPO", "PYTHONPATH", "VIRTUAL_ENV")}
    anvil = sorted((REPO / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil"))
    # anvil on PATH, as a Foundry user has it (plan measures predict gas on a private one).
    env["PATH"] = os.pathsep.join([str(bin_dir), *(str(path.parent) for path in anvil[:1]), env.get("PATH", "")])
    return env


@pytest.mark.wheel_e2e
def test_the_wheel_installed_outside_the_repo_deploys_predicts_verifies_and_pulls(wheel, anvil_node, tmp_path):
    started = time.monotonic()
    bin_dir = tmp_path / "venv" / "bin"
    env = _without_checkout(bin_dir)
    _venv(wheel, tmp_path / "venv", env)
    installed = time.monotonic() - started
    work = tmp_path / "work"
    work.mkdir()

    def eternal(*args: str, code: int = 0) -> subprocess.CompletedProcess:
        result = subprocess.run([str(bin_dir / "eternal"), *args], cwd=work, env=env, capture_output=True, text=True)
        assert result.returncode == code, f"eternal {' '.join(args)} -> {result.returncode}:\n{result.stderr}"
        return result

    probe = subprocess.run(
        [str(bin_dir / "python"), "-c", "import eternal, json, sys; from eternal.checkout import artifacts_dir; "
         "print(json.dumps({'file': eternal.__file__, 'path': sys.path, 'artifacts': str(artifacts_dir())}))"],
        cwd=work, env=env, capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    venv = str(tmp_path / "venv")
    assert found["file"].startswith(venv) and found["artifacts"].startswith(venv), found
    dependencies = sysconfig.get_paths()["purelib"]  # the test venv's, which has no eternal/ folder
    assert not (Path(dependencies) / "eternal").exists()
    in_repo = [path for path in found["path"] if path != dependencies and (work / path).resolve().is_relative_to(REPO)]
    assert not in_repo, f"paths of the repo on the wheel venv's sys.path: {in_repo}"
    assert not work.resolve().is_relative_to(REPO)

    model = small_model(3)
    model.save(work / "model.keras")
    samples = np.random.default_rng(3).uniform(-1, 1, (4, 16)).astype("float32")
    np.save(work / "x.npy", samples)

    eternal("export", "model.keras", "-o", "model.json")
    plan = json.loads(eternal("plan", "model.keras", "--precision", "int32", "--json").stdout)
    [row] = plan["precisions"]
    assert row["gas"] > 0 and row["predict_gas"] > 0, row
    url = anvil_node.url
    deployed = json.loads(eternal("deploy", "model.json", "--rpc-url", url, "--journal-dir", "journal", "--json").stdout)
    address = deployed["address"]
    predicted = json.loads(eternal("predict", address, "--input", "x.npy", "--rpc-url", url, "--json").stdout)
    np.testing.assert_allclose(predicted["outputs"], model.predict(samples, verbose=0), atol=1e-3)
    from eternal import predict

    assert np.array_equal(np.asarray(predicted["outputs"]), predict(url, address, samples))  # the checkout's code
    verified = json.loads(eternal("verify", address, "model.json", "--rpc-url", url, "--json").stdout)
    assert verified["ok"] and verified["model_hash"] == deployed["model_hash"]
    eternal("pull", address, "-o", "pulled.keras", "--rpc-url", url)
    import keras

    pulled = keras.models.load_model(work / "pulled.keras")
    np.testing.assert_allclose(pulled.predict(samples, verbose=0), model.predict(samples, verbose=0), atol=1e-3)
    refused = eternal("node", "--port", "8699", code=10)  # Hardhat comes with a checkout only
    assert "needs a checkout" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    print(f"\nwheel e2e: venv + install {installed:.1f} s, commands {time.monotonic() - started - installed:.1f} s")


def test_the_wheel_ships_artifacts_equal_to_a_fresh_compile(wheel, fresh_compile):
    shipped = shipped_artifacts(wheel)
    assert "contracts/EternalModel.sol/EternalModel.json" in shipped
    assert not any(path.startswith(("build-info/", "contracts/test/", "contracts/bench/")) for path in shipped)
    fresh = build_setup().trimmed_artifacts(fresh_compile.artifacts())
    differences = artifact_differences(shipped, fresh)
    assert not differences, "the wheel's contracts are not a fresh compile's:\n" + "\n".join(differences)
