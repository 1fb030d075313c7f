"""The web page (web/, docs/WEB.md) in headless Chromium against the digits CNN on a Hardhat node.

``web/e2e.js`` drives Debian's Chromium through playwright-core (no browser download): it
picks a test image, draws a digit on the grid, runs a picked image again with a call gas
cap that forces stages, and opens three wrong models. Everything the page shows must equal
Python's ``predict`` on the same pixels, bit for bit. The screenshot goes to
``out/web-screenshot.png``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from eternal.fixedpoint import to_fixed

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOT = ROOT / "out" / "web-screenshot.png"
SAMPLE = 3  # the test image of a 3 in web/samples.json
DRAWN = [(1, 2), (1, 3), (1, 4), (1, 5), (2, 5), (3, 4), (4, 4), (5, 3), (6, 3)]  # a 7, cell by cell
STAGED_GAS = 400_000  # under the whole model's ~694,000: predictPacked fails, runStage stages run


@pytest.fixture(scope="module")
def digits_model(hardhat_node, w3, tmp_path_factory):
    """The demo's digits CNN (int32) deployed: ``(address, export)``."""
    from eternal.demo import trained_cnn
    from eternal.deploy import ModelDeployer
    from eternal.export import ModelExporter

    export = ModelExporter("int32").export_model(trained_cnn())
    deployer = ModelDeployer(hardhat_node.url, journal_dir=tmp_path_factory.mktemp("web") / "journal", quiet=True)
    return deployer.deploy_model(export).address, export


@pytest.fixture(scope="module")
def page_url():
    """``web/serve.js`` on a free port (no demo summary), stopped by its PID at the end."""
    server = subprocess.Popen(["node", str(ROOT / "web" / "serve.js"), "--port", "0", "--summary", os.devnull],
                              stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith("Eternal web page: "), f"web/serve.js printed {line!r}"
        yield line.split(": ", 1)[1].strip()
    finally:
        server.terminate()
        server.wait(timeout=10)


def unfinished_model(w3) -> str:
    """A bare EternalModel: constructed by its creation code only (state Created). Sends a transaction."""
    from eternal.chain import artifact

    contract = w3.eth.contract(abi=artifact("EternalModel")["abi"], bytecode=artifact("EternalModel")["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(contract.constructor().transact({"from": w3.eth.accounts[0]}))
    return receipt.contractAddress


@pytest.fixture(scope="module")
def shown(hardhat_node, w3, digits_model, page_url):
    """What the page showed (web/e2e.js's JSON)."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"No Chromium at {CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM")
    from eternal.chain import open_model

    address = digits_model[0]
    layer = open_model(w3, address).functions.layers().call()[1]  # a contract, not a model
    node = {"rpc": hardhat_node.url}
    config = {
        "page": page_url, **node, "address": address, "sample": SAMPLE, "drawn": DRAWN, "stagedGas": STAGED_GAS,
        "screenshot": str(SCREENSHOT),
        "errors": {"no code": {**node, "address": "0x000000000000000000000000000000000000dEaD"},
                   "not a model": {**node, "address": layer},
                   "not finalised": {**node, "address": unfinished_model(w3)},
                   "node down": {"rpc": "http://127.0.0.1:9", "address": address}},
    }
    SCREENSHOT.parent.mkdir(exist_ok=True)
    run = subprocess.run(["node", str(ROOT / "web" / "e2e.js"), json.dumps(config)], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "CHROMIUM": CHROMIUM})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def python_predict(w3, address: str, pixels: list[int]) -> dict:
    from eternal.predict import predict

    return predict(w3, address, [np.array(pixels, dtype=np.float64).reshape(1, 8, 8, 1)])


def assert_shows(chart: dict, expected: dict) -> None:
    """The chart holds Python's outputs bit for bit, and highlights Python's argmax."""
    outputs = expected["outputs"][0][0]
    assert chart["fixed"] == [str(v) for v in to_fixed(outputs, 24)]
    assert chart["values"] == outputs.tolist()
    assert [float(text) for text in chart["shown"]] == pytest.approx(outputs.tolist(), abs=5e-7)
    assert chart["argmax"] == expected["argmax"][0]
    assert chart["highlighted"] == [expected["argmax"][0]]


def test_the_page_shows_the_models_facts_from_the_chain(shown, digits_model):
    address, export = digits_model
    assert shown["facts"]["hash"] == export["hashes"]["model"]
    assert shown["facts"]["layers"] == str(len(export["graph"]["layers"]))
    assert shown["facts"]["params"] == f"{export['stats']['params']:,}"
    assert shown["facts"]["precision"].startswith("int32")
    assert shown["facts"]["finalised"] == "yes"
    assert not shown.get("pageErrors")


def test_a_picked_test_image_predicts_as_python(shown, w3, digits_model):
    sample = json.loads((ROOT / "web" / "samples.json").read_text())[SAMPLE]
    pixels = [v for row in sample["pixels"] for v in row]
    assert shown["sample"]["pixels"] == pixels
    expected = python_predict(w3, digits_model[0], pixels)
    assert_shows(shown["sample"], expected)
    assert expected["argmax"][0] == sample["label"]
    assert "predictPacked" in shown["sample"]["run"]


def test_a_drawn_digit_predicts_as_python(shown, w3, digits_model):
    pixels = [16 if (n // 8, n % 8) in DRAWN else 0 for n in range(64)]
    assert shown["drawn"]["pixels"] == pixels
    assert_shows(shown["drawn"], python_predict(w3, digits_model[0], pixels))


def test_under_a_small_call_gas_cap_the_page_runs_stages_with_the_same_outputs(shown):
    assert shown["staged"]["fixed"] == shown["sample"]["fixed"]
    assert shown["staged"]["run"].count("runStage(") >= 2, shown["staged"]["run"]
    assert SCREENSHOT.stat().st_size > 10_000


@pytest.mark.parametrize("case, message", [
    ("no code", "Not an Eternal model: no contract at"),
    ("not a model", "Not an Eternal model: the contract at"),
    ("not finalised", "is not finalised (state Created)"),
    ("node down", "Node unreachable: nothing answers at http://127.0.0.1:9"),
])
def test_wrong_models_and_nodes_get_a_plain_error(shown, case, message):
    assert message in shown["errors"][case]["error"]
    assert shown["errors"][case]["predictDisabled"]
