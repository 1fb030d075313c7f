"""eternal.onchain: an export as EternalModel call arguments, config compression."""

import hashlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import eth_abi
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eternal.errors import UnsupportedLayerError
from eternal.export import ModelExporter
from eternal.exportfile import weight_stream
from eternal.hashing import canonical_bytes, model_hashes
from eternal.layers import REGISTRY
from eternal.onchain import (
    CHUNK_SIZE,
    PlanError,
    compress_config,
    decompress_config,
    deployment_plan,
    export_from_plan,
    plan_to_json,
)


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


@pytest.fixture(scope="module")
def branched_export(keras):
    """Two inputs, a Flatten (identity), two Dense branches merged by Add."""
    keras.utils.set_random_seed(3)
    a = keras.Input(shape=(2, 3), name="a")
    b = keras.Input(shape=(4,), name="b")
    flat = keras.layers.Flatten(name="flat")(a)
    left = keras.layers.Dense(5, activation="relu", name="left")(flat)
    right = keras.layers.Dense(5, name="right")(b)
    out = keras.layers.Add(name="sum")([left, right])
    model = keras.Model([a, b], out, name="branched")
    return ModelExporter("int16").export_model(model)


def test_plan_has_the_export_calls(branched_export):
    plan = deployment_plan(branched_export)
    graph = branched_export["graph"]
    names = [layer["name"] for layer in graph["layers"]]
    stream = weight_stream(branched_export)
    assert [layer["name"] for layer in plan["layers"]] == names
    assert plan["inputs"] == [names.index("a"), names.index("b")]
    assert plan["outputs"] == [names.index("sum")]
    by_name = {layer["name"]: layer for layer in plan["layers"]}
    assert by_name["flat"]["contract"] is None and by_name["flat"]["config"] == b""
    assert by_name["a"]["contract"] is None and by_name["a"]["inbound"] == []
    assert by_name["left"]["contract"] == "DenseLayer"
    assert by_name["sum"]["inbound"] == [names.index("left"), names.index("right")]
    assert plan["implementations"] == sorted({"DenseLayer", "AddLayer"})
    assert b"".join(plan["graph_chunks"]) == canonical_bytes(graph)
    assert plan["graph_bytes"] == len(canonical_bytes(graph))
    assert b"".join(plan["pages"]) == stream and plan["weight_bytes"] == len(stream)
    assert {k: v.hex() for k, v in plan["hashes"].items()} == branched_export["hashes"]
    assert plan["hashes"]["model"] == hashlib.sha256(plan["hashes"]["graph"] + plan["hashes"]["weights"]).digest()
    assert plan["activation_frac_bits"] == 24 and plan["precision"] == "int16"


def test_configs_are_the_layer_abi_config_compressed(branched_export):
    plan = deployment_plan(branched_export)
    graph = branched_export["graph"]
    for entry in plan["layers"]:
        if entry["contract"] is None:
            continue
        layer = graph["layers"][entry["index"]]
        shapes = [graph["layers"][i]["output_shape"] for i in entry["inbound"]]
        raw = REGISTRY[layer["class_name"]](layer["name"]).abi_config(layer, shapes, graph)
        assert decompress_config(entry["config"]) == raw
        assert entry["config"][0] == 0xFF and len(entry["config"]) < len(raw) // 3
        # the header: activation frac bits and weight width
        assert eth_abi.decode(["uint256", "uint256"], raw[:64]) == (24, 16)


def test_big_graph_is_split_in_chunks(branched_export):
    export = dict(branched_export)
    graph = dict(export["graph"], name="n" * (2 * CHUNK_SIZE + 10))
    export["graph"] = graph
    export["hashes"] = model_hashes(graph, weight_stream(export))
    plan = deployment_plan(export)
    sizes = [len(chunk) for chunk in plan["graph_chunks"]]
    assert sizes[:2] == [CHUNK_SIZE, CHUNK_SIZE] and len(sizes) == 3
    assert b"".join(plan["graph_chunks"]) == canonical_bytes(graph)


def test_refuses_an_export_whose_hashes_do_not_match(branched_export):
    export = dict(branched_export, hashes=dict(branched_export["hashes"], weights="00" * 32))
    with pytest.raises(PlanError, match="hashes do not match"):
        deployment_plan(export)


def test_refuses_a_layer_without_contract_that_is_not_an_identity(branched_export, monkeypatch):
    monkeypatch.setattr(REGISTRY["Dense"], "contract", None)
    with pytest.raises(UnsupportedLayerError, match=r"Layer 'left' \(Dense\): has no on-chain implementation"):
        deployment_plan(branched_export)


def test_plan_to_json_is_hex(branched_export):
    plan = plan_to_json(deployment_plan(branched_export))
    assert plan["hashes"]["model"] == "0x" + branched_export["hashes"]["model"]
    assert all(page.startswith("0x") for page in plan["pages"])
    assert plan["layers"][0]["config"] == "0x"


words = st.lists(
    st.one_of(st.integers(0, 300), st.integers(-(2**255), 2**255 - 1), st.sampled_from([0, -1, -(2**31), 2**255 - 1])),
    min_size=2,
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(words, st.integers(0, 96))
def test_config_compression_round_trips(values, first):
    raw = eth_abi.encode(["int256"] * len(values), [first] + values[1:])
    stored = compress_config(raw)
    assert stored[0] == 0xFF
    assert decompress_config(stored) == raw


def test_config_compression_leaves_other_bytes_alone():
    assert compress_config(b"") == b""
    assert compress_config(b"\x01\x00\x00") == b"\x01\x00\x00"
    assert decompress_config(b"\x01\x00\x00") == b"\x01\x00\x00"


def test_config_compression_runs():
    raw = bytes(31) + b"\x18" + b"\xff" * 40 + b"\xff\x01"
    stored = compress_config(raw)
    negated = bytes(b ^ 0xFF for b in stored[:4]) + stored[4:]
    # 31 zeros; 0x18 literal; 41 x 0xff as a run of 32 and a run of 9; 0x01 literal
    assert negated == bytes([0, 30, 0x18, 0, 0x80 | 31, 0, 0x80 | 8, 0x01])
    assert decompress_config(stored) == raw


# The fixture generator (scripts/make_fixtures.py) --------------------------------------------

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def make_fixtures():
    import importlib.util
    import sys

    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    spec = importlib.util.spec_from_file_location("make_fixtures", os.path.join(ROOT, "scripts", "make_fixtures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fixture_holds_plan_inputs_and_emulator_outputs(make_fixtures, keras):
    from fixture_cases import Case

    from eternal.emulate import emulate_sample
    from eternal.export import ModelExporter as Exporter
    from eternal.fixedpoint import quantise_activations

    def build(K):
        x = K.Input(shape=(2, 2), name="x")
        y = K.layers.Dense(3, activation="tanh", name="d")(K.layers.Flatten(name="f")(x))
        return K.Model(x, y, name="tiny"), np.linspace(-1, 1, 8).reshape(2, 2, 2)

    first = make_fixtures.build_fixture(Case("tiny", "test", build), keras, "int16")
    second = make_fixtures.build_fixture(Case("tiny", "test", build), keras, "int16")
    assert first == second  # fixed seeds: the same bytes every run
    assert first["format"] == "eternal-fixture/1" and first["emulated"] and first["tolerance"] == 1e-2
    assert [layer["contract"] for layer in first["plan"]["layers"]] == [None, None, "DenseLayer"]
    assert first["output_shapes"] == [[3]] and len(first["samples"]) == 2
    assert first["emulator_max_error"] <= first["tolerance"]
    # expected outputs are the emulator's, on the export the plan was made from
    sample = first["samples"][1]
    fixed = quantise_activations(np.linspace(-1, 1, 8)[4:].reshape(2, 2), 24)
    assert [int(v) for v in sample["inputs"][0]] == [int(v) for v in fixed.ravel()]
    make_fixtures.seed_everything(keras)
    model, _ = build(keras)
    expected = emulate_sample(Exporter("int16").export_model(model), [fixed])
    assert sample["expected"] == [[str(int(v)) for v in out.ravel()] for out in expected]
    assert len(sample["keras"][0]) == 3
    assert first["plan"]["hashes"]["model"] == "0x" + first["hashes"]["model"]


def test_committed_fixture_is_up_to_date(make_fixtures, keras):
    """test/fixtures/dense_relu.json equals what the generator writes today (else: regenerate)."""
    import json

    from fixture_cases import discover

    path = os.path.join(ROOT, "test", "fixtures", "dense_relu.json")
    if not os.path.exists(path):
        pytest.skip("no committed fixture dense_relu.json")
    fresh = make_fixtures.build_fixture(discover()["dense_relu"], keras, "int32")
    with open(path) as handle:
        committed = json.load(handle)
    assert committed["plan"] == fresh["plan"], "stale fixture: run scripts/make_fixtures.py"
    assert [s["expected"] for s in committed["samples"]] == [s["expected"] for s in fresh["samples"]]


def test_fixture_check_tolerates_only_keras_float_drift(make_fixtures):
    fixture = {"plan": {"layers": [1, 2]}, "samples": [{"expected": [[5, -3]], "keras": [[1.5, 1909381.75]]}],
               "emulator_max_error": 2e-7}
    drifted = {"plan": {"layers": [1, 2]}, "samples": [{"expected": [[5, -3]], "keras": [[1.5000002, 1909382.125]]}],
               "emulator_max_error": 0.375}
    assert make_fixtures.same_fixture(fixture, drifted)
    for changed in ({**drifted, "samples": [{"expected": [[5, -2]], "keras": [[1.5, 1909381.75]]}]},
                    {**drifted, "samples": [{"expected": [[5, -3]], "keras": [[21.6, 1909381.75]]}]},  # > 1e-5 x 1.9e6
                    {**drifted, "plan": {"layers": [1]}}):
        assert not make_fixtures.same_fixture(fixture, changed)


def test_generated_dense_kernels_are_up_to_date():
    """contracts/layers/generated/DenseKernels.sol is exactly what scripts/gen_dense_kernels.py generates."""
    import subprocess
    import sys

    script = os.path.join(ROOT, "scripts", "gen_dense_kernels.py")
    done = subprocess.run([sys.executable, script, "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_export_from_plan_inverts_the_plan(branched_export):
    export = export_from_plan(plan_to_json(deployment_plan(branched_export)))
    assert export["graph"] == branched_export["graph"]
    assert export["weights"]["data"] == branched_export["weights"]["data"]
    assert export["hashes"] == branched_export["hashes"]
    tampered = plan_to_json(deployment_plan(branched_export))
    tampered["pages"][0] = tampered["pages"][0][:-2] + ("00" if tampered["pages"][0][-2:] != "00" else "01")
    with pytest.raises(PlanError, match="do not match its hashes"):
        export_from_plan(tampered)


def _fixture_files():
    import glob
    import json

    files = []
    for path in sorted(glob.glob(os.path.join(ROOT, "test", "fixtures", "*.json"))):
        with open(path) as handle:
            if json.load(handle).get("format") == "eternal-fixture/1":
                files.append(path)
    return files


@pytest.mark.parametrize("path", _fixture_files(), ids=os.path.basename)
def test_shared_fixture_matches_the_emulator(path):
    """Every shared fixture (also run on chain by test/fixtures.test.js) is what the emulator computes."""
    import json

    from eternal.emulate import Emulator
    from eternal.fixedpoint import from_fixed

    with open(path) as handle:
        fixture = json.load(handle)
    emulator = Emulator(export_from_plan(fixture["plan"]))
    for sample in fixture["samples"]:
        if sample["expected"] is None:
            continue
        inputs = [np.array([int(v) for v in values], dtype=object) for values in sample["inputs"]]
        outputs = emulator.run(inputs)
        assert [[str(int(v)) for v in out.ravel()] for out in outputs] == sample["expected"]
        for out, reference in zip(outputs, sample["keras"]):
            error = np.max(np.abs(from_fixed(out.ravel(), fixture["activation_frac_bits"]) - np.array(reference)), initial=0.0)
            assert error <= fixture["tolerance"]
