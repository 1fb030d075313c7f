"""The `eternal` entry point: subcommands, plan without a chain, export delegation, one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from cli_run import run_cli

from eternal.cli import main

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ETERNAL = shutil.which("eternal", path=os.path.dirname(sys.executable)) or "eternal"


def run(*args, env=None, subprocess_=False):
    """``eternal ARGS``: through the installed entry point, or ``cli.main`` in this process (fast)."""
    if subprocess_:
        return subprocess.run([ETERNAL, *map(str, args)], capture_output=True, text=True, timeout=300,
                              env={**os.environ, **(env or {})})
    return run_cli(main, *args, env=env)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    import keras

    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(20, activation="relu"),
                              keras.layers.Dense(4, activation="softmax")], name="cli_small")
    path = tmp_path_factory.mktemp("cli") / "small.keras"
    model.save(path)
    return path


def test_help_lists_every_command():
    result = run("--help", subprocess_=True)
    assert result.returncode == 0
    for command in ("export", "plan", "deploy", "predict", "verify", "pull", "node"):
        assert command in result.stdout


def test_plan_sends_nothing_and_compares_precisions(model_file):
    result = run("plan", model_file, "--json", "--gas-price", "10", env={"ETERNAL_RPC_URL": "http://127.0.0.1:1"})
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    rows = {row["precision"]: row for row in plan["precisions"]}
    assert list(rows) == ["int8", "int16", "int32"]
    assert rows["int8"]["weight_bytes"] < rows["int16"]["weight_bytes"] < rows["int32"]["weight_bytes"]
    assert rows["int8"]["gas"] < rows["int32"]["gas"]
    assert rows["int8"]["max_abs_error"] > rows["int32"]["max_abs_error"] >= 0
    for row in rows.values():
        assert row["transactions"] == sum(phase["transactions"] for phase in row["phases"].values())
        assert row["cost_eth"] == pytest.approx(row["gas"] * 10e-9)


def test_export_is_delegated(model_file, tmp_path):
    out = tmp_path / "small.json"
    result = run("export", model_file, "--precision", "int16", "-o", out, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["hashes"] == json.loads(result.stdout)["hashes"]


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["deploy", "missing.keras", "--rpc-url", "http://127.0.0.1:1"], 20, "Node not reachable"),
        (["verify", "not-an-address", "--rpc-url", "http://127.0.0.1:1"], 20, "Node not reachable"),
        (["plan", "missing.keras"], 2, "not found"),
    ],
)
def test_errors_are_one_line(args, code, words):
    result = run(*args, subprocess_=True)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and words in result.stderr


def test_bad_address_is_one_line(hardhat_node):
    result = run("verify", "not-an-address", "--rpc-url", hardhat_node.url)
    assert result.returncode == 23 and "Not an address" in result.stderr and "Traceback" not in result.stderr


def test_tensorflow_start_up_lines_are_hidden(model_file):
    result = run("export", model_file, "--json", subprocess_=True, env={"ETERNAL_DEBUG": ""})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("invocation, usage", [
    ([ETERNAL, "export", "--help"], "usage: eternal export"),
    ([sys.executable, "-m", "eternal.export", "--help"], "usage: python -m eternal.export"),
    ([ETERNAL, "node", "--help"], "usage: eternal node"),
    ([sys.executable, "-m", "eternal.node", "--help"], "usage: python -m eternal.node"),
    ([sys.executable, "-m", "eternal.deploy", "--help"], "usage: python -m eternal.deploy"),
])
def test_usage_names_the_command_as_invoked(invocation, usage):
    result = subprocess.run(invocation, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(usage)


def test_unreachable_node_hint_fits_what_was_passed():
    default = run("verify", "0x" + "11" * 20, subprocess_=True, env={"ETERNAL_RPC_URL": ""})
    given = run("verify", "0x" + "11" * 20, "--rpc-url", "http://127.0.0.1:1", subprocess_=True)
    assert default.returncode == given.returncode == 20
    assert "pass --rpc-url" in default.stderr
    assert "pass --rpc-url" not in given.stderr and "http://127.0.0.1:1" in given.stderr


def test_plan_never_cuts_a_number_on_a_narrow_output(model_file):
    plan = json.loads(run("plan", model_file, "--json").stdout)
    table = run("plan", model_file, subprocess_=True, env={"COLUMNS": "40"})
    assert table.returncode == 0, table.stderr
    assert "…" not in table.stdout
    for row in plan["precisions"]:
        assert f"{row['gas']:,}" in table.stdout
        for phase in row["phases"].values():
            assert f"{phase['transactions']} / {phase['gas']:,}" in table.stdout


def test_plan_refuses_an_input_of_the_wrong_shape_like_predict(model_file, tmp_path):
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((3, 5)))
    result = run("plan", model_file, "--input", wrong)
    assert result.returncode == 24, result.stderr
    assert "fits neither one sample [12]" in result.stderr


def test_a_command_imports_only_its_own_module():
    code = ("import sys; from eternal import cli; cli.build_parser(chosen='export'); "
            "print('web3' in sys.modules, 'eternal.deploy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["False", "False"], result.stderr
