"""The deployer on a real Hardhat node: end to end, crash and resume, and the errors users get."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from eternal.chain import model_contract  # noqa: E402
from eternal.cli import run_module  # noqa: E402
from eternal.verify import check_model, read_model  # noqa: E402

CRASH_POINTS = ["after-model", "mid-layers", "mid-upload", "before-send", "after-send"]


def small_model(seed: int):
    """Input(16) -> Dense(400, relu) -> Dense(10, softmax): 3 weight pages at int32."""
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((16,), name="x"), keras.layers.Dense(400, activation="relu"), keras.layers.Dense(10, activation="softmax")],
        name=f"small_{seed}",
    )
    return model


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("deploy")


@pytest.fixture(scope="module")
def export_file(workdir):
    """``export_file(seed)``: the path of an int32 export of ``small_model(seed)`` (and the model)."""
    from eternal.export import ModelExporter, save_export

    made = {}

    def make(seed: int):
        if seed not in made:
            model = small_model(seed)
            path = workdir / f"small_{seed}.json"
            export = ModelExporter("int32").export_model(model)
            save_export(export, path)
            made[seed] = (path, model, export)
        return made[seed]

    return make


def cli(module: str, *args, env=None, journal=None, rpc=None, subprocess_=False):
    """Runs ``python -m eternal.<module> ARGS``: in this process (fast), or as a real subprocess.

    Returns an object with ``returncode``, ``stdout`` and ``stderr``.
    """
    extra = dict(env or {})
    if journal is not None:
        extra["ETERNAL_JOURNAL_DIR"] = str(journal)
    argv = [str(a) for a in args] + (["--rpc-url", rpc] if rpc is not None else [])
    if subprocess_ or "ETERNAL_CRASH_AT" in extra:
        full_env = {k: v for k, v in os.environ.items() if k != "ETERNAL_CRASH_AT"}
        full_env.update(extra)
        return subprocess.run([sys.executable, "-m", f"eternal.{module}", *argv], capture_output=True, text=True,
                              env=full_env, timeout=300)
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run_module(module, argv)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return types.SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def one_line_error(result) -> str:
    assert result.returncode not in (0, None), result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def model_creations(w3, first_block: int, deployer: str) -> int:
    """How many EternalModel contracts ``deployer`` created since ``first_block``.

    A model is a created contract that answers ``state()``; layer implementations do not.
    (Bytecode is not compared: the artifacts may be recompiled while tests run.)
    """
    count = 0
    for number in range(first_block, w3.eth.block_number + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            if tx["to"] is None and tx["from"] == deployer:
                created = w3.eth.get_transaction_receipt(tx["hash"])["contractAddress"]
                try:
                    model_contract(w3, created).functions.state().call()
                except Exception:
                    continue
                count += 1
    return count


def test_deploy_verify_predict_end_to_end(hardhat_node, w3, workdir, export_file):
    path, model, export = export_file(1)
    result = cli("deploy", path, "--json", journal=workdir / "j", rpc=hardhat_node.url, subprocess_=True)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {"address", "model_hash", "chain_id", "transactions", "gas_used", "seconds"} <= set(out)
    assert out["model_hash"] == export["hashes"]["model"] and out["chain_id"] == 31337
    assert out["pages"] == 3 and out["transactions"] >= 6

    onchain = read_model(w3, out["address"])
    report = check_model(onchain, export)
    assert report.ok, report.failures()
    assert onchain.stream == __import__("base64").b64decode(export["weights"]["data"])

    verified = cli("verify", out["address"], path, rpc=hardhat_node.url)
    assert verified.returncode == 0, verified.stderr
    assert "verified" in verified.stdout

    x = np.random.default_rng(0).uniform(-1, 1, size=(3, 16)).astype(np.float32)
    np.save(workdir / "x.npy", x)
    predicted = cli("predict", out["address"], "--input", workdir / "x.npy", "--json", rpc=hardhat_node.url)
    assert predicted.returncode == 0, predicted.stderr
    answer = json.loads(predicted.stdout)
    expected = model.predict(x, verbose=0)
    assert np.max(np.abs(np.array(answer["outputs"]) - expected)) < 1e-4
    assert answer["argmax"] == list(np.argmax(expected, axis=1))
    assert all(20_000 < gas < 16_777_216 for gas in answer["gas"])

    # The journal entry is cleared; a second deploy of the same model says where it is.
    assert not list((workdir / "j").glob("31337-*.jsonl"))
    again = cli("deploy", path, journal=workdir / "j", rpc=hardhat_node.url)
    assert out["address"] in one_line_error(again) and again.returncode == 31


def test_verify_refuses_another_model(hardhat_node, workdir, export_file):
    path, _, _ = export_file(1)
    address = json.loads(cli("deploy", path, "--json", "--again", journal=workdir / "j2", rpc=hardhat_node.url).stdout)["address"]
    other, _, _ = export_file(2)
    result = cli("verify", address, other, rpc=hardhat_node.url)
    assert result.returncode == 40
    assert "FAIL matches MODEL" in result.stdout and "failed verification" in one_line_error(result)


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_sigkill_then_resume_gives_one_complete_model(point, hardhat_node, w3, workdir, export_file):
    seed = 10 + CRASH_POINTS.index(point)
    path, _, export = export_file(seed)
    journal = workdir / f"crash-{point}"
    first_block = w3.eth.block_number + 1
    small_batches = ["--max-pages-per-tx", 1, "--max-layers-per-tx", 1, "--quiet"]
    crashed = cli("deploy", path, *small_batches, journal=journal, rpc=hardhat_node.url, env={"ETERNAL_CRASH_AT": point})
    assert crashed.returncode == -9, (crashed.returncode, crashed.stderr)
    [entry] = list(journal.glob("31337-*.jsonl"))
    records = [json.loads(line) for line in entry.read_text().splitlines()]
    assert records[0]["type"] == "started" and "key" not in json.dumps(records).lower().replace("keys", "")

    resumed = cli("deploy", path, "--json", *small_batches, journal=journal, rpc=hardhat_node.url, subprocess_=True)
    assert resumed.returncode == 0, resumed.stderr
    out = json.loads(resumed.stdout)
    assert out["resumed"] is True
    report = check_model(read_model(w3, out["address"]), export)
    assert report.ok, report.failures()
    assert model_creations(w3, first_block, records[0]["deployer"]) == 1
    assert not entry.exists()


def test_node_restart_is_detected(workdir, export_file):
    from eternal.node import HardhatNode

    path, _, _ = export_file(20)
    journal = workdir / "restart"
    with HardhatNode() as node:
        crashed = cli("deploy", path, "--quiet", journal=journal, rpc=node.url, env={"ETERNAL_CRASH_AT": "after-model"})
        assert crashed.returncode == -9
        node.restart()
        result = cli("deploy", path, journal=journal, rpc=node.url)
        assert result.returncode == 32
        assert "--fresh" in one_line_error(result) and "restarted" in result.stderr
        fresh = cli("deploy", path, "--fresh", "--quiet", journal=journal, rpc=node.url)
        assert fresh.returncode == 0, fresh.stderr
        assert list(journal.glob("*.abandoned-*"))


def test_unreachable_node(export_file, workdir):
    path, _, _ = export_file(1)
    result = cli("deploy", path, journal=workdir / "j3", rpc="http://127.0.0.1:1")
    assert result.returncode == 20 and "Node not reachable" in one_line_error(result)


def test_missing_artifacts_say_to_compile(hardhat_node, export_file, workdir):
    path, _, _ = export_file(1)
    result = cli("deploy", path, journal=workdir / "j4", rpc=hardhat_node.url, env={"ETERNAL_ARTIFACTS": str(workdir / "none")})
    assert result.returncode == 21 and "npx hardhat compile" in one_line_error(result)


def test_invalid_key_is_refused_without_echo(hardhat_node, export_file, workdir):
    path, _, _ = export_file(1)
    result = cli("deploy", path, journal=workdir / "j5", rpc=hardhat_node.url, env={"ETERNAL_PRIVATE_KEY": "0xdeadbeef"})
    assert result.returncode == 13 and "ETERNAL_PRIVATE_KEY" in one_line_error(result)
    assert "deadbeef" not in result.stderr + result.stdout


def test_insufficient_funds_before_any_transaction(hardhat_node, w3, export_file, workdir):
    from eth_account import Account

    path, _, _ = export_file(3)
    poor = Account.create()
    result = cli("deploy", path, journal=workdir / "j6", rpc=hardhat_node.url, env={"ETERNAL_PRIVATE_KEY": poor.key.hex()})
    line = one_line_error(result)
    assert result.returncode == 33 and "needs about" in line and poor.address in line
    assert w3.eth.get_transaction_count(poor.address) == 0
    assert poor.key.hex() not in result.stderr


def test_corrupt_journal_is_kept_aside(hardhat_node, export_file, workdir):
    path, _, export = export_file(4)
    journal = workdir / "j7"
    journal.mkdir()
    bad = journal / f"31337-{export['hashes']['model']}.jsonl"
    bad.write_text("{not json\n")
    result = cli("deploy", path, journal=journal, rpc=hardhat_node.url)
    assert result.returncode == 12 and "kept as" in one_line_error(result)
    assert not bad.exists() and len(list(journal.glob("*.corrupt-*"))) == 1


def test_unsupported_layer(hardhat_node, workdir):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.LayerNormalization()])
    model.save(workdir / "unsupported.keras")
    result = cli("deploy", workdir / "unsupported.keras", journal=workdir / "j8", rpc=hardhat_node.url)
    assert result.returncode == 3 and "LayerNormalization" in one_line_error(result)


def test_predict_refuses_bad_inputs(hardhat_node, workdir, export_file):
    path, _, _ = export_file(1)
    address = json.loads(cli("deploy", path, "--json", "--again", journal=workdir / "j9", rpc=hardhat_node.url).stdout)["address"]
    np.save(workdir / "wrong.npy", np.zeros((2, 15)))
    wrong = cli("predict", address, "--input", workdir / "wrong.npy", rpc=hardhat_node.url)
    assert wrong.returncode == 24 and "fits neither one sample [16]" in one_line_error(wrong)
    bad = np.zeros(16)
    bad[3] = np.nan
    np.save(workdir / "nan.npy", bad)
    nan = cli("predict", address, "--input", workdir / "nan.npy", rpc=hardhat_node.url)
    assert nan.returncode == 24 and "NaN" in one_line_error(nan)
    nowhere = cli("predict", "0x" + "11" * 20, "--input", workdir / "wrong.npy", rpc=hardhat_node.url)
    assert nowhere.returncode == 23 and "No contract" in one_line_error(nowhere)


def test_pull_rebuilds_the_model(hardhat_node, w3, workdir, export_file):
    import keras

    path, model, _ = export_file(1)
    address = json.loads(cli("deploy", path, "--json", "--again", journal=workdir / "j10", rpc=hardhat_node.url).stdout)["address"]
    result = cli("pull", address, "-o", workdir / "pulled.keras", rpc=hardhat_node.url)
    assert result.returncode == 0, result.stderr
    pulled = keras.saving.load_model(workdir / "pulled.keras")
    x = np.random.default_rng(1).uniform(-1, 1, size=(4, 16)).astype(np.float32)
    assert np.max(np.abs(pulled.predict(x, verbose=0) - model.predict(x, verbose=0))) < 1e-5
    assert model_contract(w3, address).functions.modelHash().call().hex() == json.loads(
        cli("verify", address, "--json", rpc=hardhat_node.url).stdout
    )["model_hash"]


def test_reverted_transaction_stops_with_its_reason(hardhat_node, tmp_path):
    from eternal.chain import TransactionFailed
    from eternal.deploy import ModelDeployer

    deployer = ModelDeployer(hardhat_node.url, journal_dir=tmp_path)
    deployer._open_journal("ee" * 32)
    address = deployer.deploy_from_artifact(["EternalModel"])["EternalModel"]
    model = model_contract(deployer.w3, address)
    # appendPages in state Created: mined, reverted, and reported with the decoded custom error.
    data = model.encode_abi("appendPages", args=[[b"\x01" * 32]])
    with pytest.raises(TransactionFailed, match=r"Step pages:0-0: transaction 0x[0-9a-f]+ reverted: WrongState\(1, 0\)"):
        deployer._send_steps([("pages:0-0", address, data, 1_000_000, 32)])
    tx = deployer.journal.state.steps["pages:0-0"]
    assert tx.mined and tx.status == 0 and deployer.journal.state.mined("pages:0-0") is None


def test_deploy_a_keras_file_at_int8_and_verify_against_it(hardhat_node, w3, workdir):
    model = small_model(30)
    model.save(workdir / "small30.keras")
    result = cli("deploy", workdir / "small30.keras", "--precision", "int8", "--json", journal=workdir / "j11",
                 rpc=hardhat_node.url)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["pages"] == 1  # a quarter of the int32 bytes
    verified = cli("verify", out["address"], workdir / "small30.keras", "--json", rpc=hardhat_node.url)
    assert verified.returncode == 0, verified.stderr
    report = json.loads(verified.stdout)
    assert report["ok"] and {"matches MODEL", "layer configs", "page hashes"} <= {c["name"] for c in report["checks"]}
    mismatch = cli("verify", out["address"], workdir / "small30.keras", "--precision", "int16", rpc=hardhat_node.url)
    assert mismatch.returncode == 40


def test_verify_catches_every_kind_of_tampering(hardhat_node, w3, workdir, export_file):
    import dataclasses

    path, _, export = export_file(1)
    address = json.loads(cli("deploy", path, "--json", "--again", journal=workdir / "j12", rpc=hardhat_node.url).stdout)["address"]
    good = read_model(w3, address)
    assert check_model(good, export).ok

    def failing(onchain):
        return {name for name, ok, _ in check_model(onchain).checks if not ok}

    flipped = bytearray(good.stream)
    flipped[30000] ^= 1
    assert "page hashes" in failing(dataclasses.replace(good, stream=bytes(flipped)))
    assert {"graph hash", "graph canonical"} & failing(dataclasses.replace(good, graph_bytes=good.graph_bytes + b" "))
    committed = dict(good.committed, model="00" * 32)
    assert "model hash" in failing(dataclasses.replace(good, committed=committed))
    codes = list(good.layer_code)
    dense = next(i for i, code in enumerate(codes) if code)
    codes[dense] = codes[dense][:-1] + bytes([codes[dense][-1] ^ 1])
    assert failing(dataclasses.replace(good, layer_code=codes)) == {"layer configs"}
    assert "page count" in failing(dataclasses.replace(good, page_sizes=good.page_sizes[:-1], page_hashes=good.page_hashes[:-1]))


def test_deep_model_spans_graph_chunks_and_layer_batches(hardhat_node, w3, workdir):
    import keras

    from eternal.export import ModelExporter
    from eternal.onchain import deployment_plan

    keras.utils.set_random_seed(40)
    model = keras.Sequential([keras.Input((4,), name="x")] + [keras.layers.Dense(4, activation="relu") for _ in range(90)],
                             name="deep")
    export = ModelExporter("int16").export_model(model)
    plan = deployment_plan(export)
    assert len(plan["graph_chunks"]) >= 2
    result = cli("deploy", _save(export, workdir / "deep.json"), "--json", journal=workdir / "j13", rpc=hardhat_node.url)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert check_model(read_model(w3, out["address"]), export).ok
    # 91 layers need more than one addLayers batch at 30% of the per-transaction cap.
    assert out["transactions"] >= 2 + 2 + 1 + len(plan["graph_chunks"]) + 1 + 1


def _save(export, path):
    from eternal.export import save_export

    save_export(export, path)
    return path
