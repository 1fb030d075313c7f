"""The README's Python API example runs as written: the first ```python block under its
"## Python API" heading, on a node (its URL put in place of the local node's)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "## Python API"
LOCAL_NODE = "http://127.0.0.1:8545"


def readme_example() -> str:
    """The code of the first ```python block in the README's "## Python API" section."""
    text = README.read_text()
    if f"\n{HEADING}\n" not in text:
        pytest.fail(f"README.md has no '{HEADING}' section")
    section = text.split(f"\n{HEADING}\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"^```python\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    if found is None:
        pytest.fail(f"README.md's '{HEADING}' section has no ```python block")
    return found.group(1)


def test_the_readme_python_example_runs(anvil_node, tmp_path, monkeypatch, capsys):
    code = readme_example()
    assert code.count(LOCAL_NODE) == 1 and len(code.strip().splitlines()) <= 15, code
    monkeypatch.chdir(tmp_path)  # the deployer's journal goes to ./.eternal
    namespace: dict = {"__name__": "readme_example"}
    exec(compile(code.replace(LOCAL_NODE, anvil_node.url), str(README), "exec"), namespace)

    model, address, x = namespace["model"], namespace["address"], namespace["x"]
    assert address == address.address and address.chain_id == 31337 and address.gas_used > 0
    on_chain = namespace["predict"](anvil_node.url, address, x)
    keras_outputs = model.predict(x, verbose=0)
    assert on_chain.shape == keras_outputs.shape
    np.testing.assert_allclose(on_chain, keras_outputs, atol=1e-4)
    assert np.array_equal(np.argmax(on_chain, axis=1), np.argmax(keras_outputs, axis=1))
    assert str(on_chain[0][0])[:6] in capsys.readouterr().out  # it printed the chain's outputs
    report = namespace["verify"](anvil_node.url, address, namespace["export"])
    assert report.ok and len(report.checks) > 3
    np.testing.assert_allclose(namespace["rebuilt"].predict(x, verbose=0), keras_outputs, atol=1e-4)
