"""Fits ``eternal.stage_gas``: the model's own share of a staged call, from real calls.

``PYTHONPATH=python .venv/bin/python bench/fit_stage_gas.py [--models N]``

Deploys the committed int32 fixtures (``test/fixtures/*.json``, from their plans), the small CNN
of the tests and LeNet on one anvil (osaka), predicts each in one call, then staged under
caps that force stages, slices and windows; records every call's shape (``stage_gas.CallShape``),
calldata and layers' ``gasUsed``, asks the node for its gas as a transaction (``eth_simulateV1``)
and fits the figures of ``own_share`` by least squares to what is left (the transaction's gas
less 21,000, the calldata, the layers and the walk). Prints the figures to put in
``python/eternal/stage_gas.py``, and the worst errors of the current and the fitted ones.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "python" / "tests"))

FEATURES = ["CONSTANT", "PER_ELEMENT_UNPACKED", "PER_TENSOR_HANDED", "PER_ELEMENT_PACKED", "PER_TENSOR_RETURNED",
            "PER_TENSOR_PASSED_ON", "PER_RUNNING_LAYER", "PER_SOURCE", "PER_RETURN_BYTE", "MEMORY_DIVISOR",
            "PER_LAYER_TO_END", "STAGE_BASE", "STAGE_PER_MODEL_LAYER", "WINDOW_CONSTANT", "PER_WINDOW",
            "PER_WINDOW_ELEMENT", "WINDOW_MEMORY_DIVISOR", "WINDOW_OUTPUT_DIVISOR", "PACKED_MEMORY_DIVISOR",
            "CROSS_MEMORY_DIVISOR"]
DIVISORS = {"MEMORY_DIVISOR", "WINDOW_MEMORY_DIVISOR", "WINDOW_OUTPUT_DIVISOR", "PACKED_MEMORY_DIVISOR",
            "CROSS_MEMORY_DIVISOR"}  # fitted as 1/x


def features(shape, model_layers: int) -> list[float]:
    """The terms of ``stage_gas.own_share`` for one call, in FEATURES order (divisors as 1/x terms)."""
    w = 1.0 if shape.windows else 0.0
    return [1.0, shape.handed_elements, shape.handed_tensors, shape.packed_elements, shape.returned_tensors,
            shape.passed_on, shape.running_layers, shape.sources, shape.return_bytes, shape.handed_elements ** 2,
            shape.end, float(shape.stage), float(shape.stage) * model_layers, w, shape.windows,
            w * shape.handed_elements, w * shape.handed_elements ** 2, w * shape.packed_elements ** 2,
            (1 - w) * shape.packed_elements ** 2, (1 - w) * shape.handed_elements * shape.packed_elements]


def models(limit: int | None) -> list[tuple[str, dict, np.ndarray]]:
    """(name, export, float inputs of 2 samples) of every model fitted on."""
    from small_models import lenet, small_cnn

    from eternal.export import ModelExporter
    from eternal.fixedpoint import from_fixed
    from eternal.onchain import export_from_plan

    found = []
    for path in sorted((REPO / "test" / "fixtures").glob("*.json")):
        fixture = json.loads(path.read_text())
        if "plan" not in fixture or fixture.get("precision") != "int32" or len(fixture["input_shapes"]) != 1:
            continue
        shape = fixture["input_shapes"][0]
        batch = np.stack([np.asarray(from_fixed([int(v) for v in s["inputs"][0]], 24), dtype=np.float64).reshape(shape)
                          for s in fixture["samples"][:2]])
        found.append((path.stem, export_from_plan(fixture["plan"]), batch))
    rng = np.random.default_rng(3)
    found.append(("small_cnn", ModelExporter("int32").export_model(small_cnn(3)), rng.uniform(-1, 1, (2, 8, 8, 1))))
    found.append(("lenet", ModelExporter("int32").export_model(lenet(1)), rng.uniform(0, 1, (2, 28, 28, 1))))
    return found[:limit] if limit else found


def record(w3, address, batch, caps) -> list[tuple]:
    """(shape, model layers, calldata, layers' gas, walk gas) of every call of staged predicts
    under ``caps``."""
    predict_module = importlib.import_module("eternal.predict")  # the module: eternal.predict is the API function
    from eternal import stage_calls

    calls, shapes = [], []
    real_share, real_gas = stage_calls.own_share, stage_calls.StageCalls.transaction_gas

    def share(shape, walk, layers):
        shapes.append((shape, walk, layers))
        return real_share(shape, walk, layers)

    def gas(self, step, data, used, packed, returned, return_bytes):
        answer = real_gas(self, step, data, used, packed, returned, return_bytes)
        if used > 0:  # a call made (overhead() asks with 0 for one it plans)
            shape, walk, layers = shapes[-1]
            calls.append((shape, layers, data, used, walk))
        return answer

    stage_calls.own_share, stage_calls.StageCalls.transaction_gas = share, gas
    from eternal.errors import EternalError

    try:
        for cap in caps:
            try:
                predict_module.predict(w3, address, [batch], call_gas_cap=cap)
            except EternalError as exc:  # a cap one element does not fit under: no calls from it
                print(f"  cap {cap:,}: {exc}", file=sys.stderr)
    finally:
        stage_calls.own_share, stage_calls.StageCalls.transaction_gas = real_share, real_gas
    return calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, help="only the first N models")
    args = parser.parse_args()
    predict_module = importlib.import_module("eternal.predict")  # the module: eternal.predict is the API function
    from eternal import stage_gas
    from eternal.chain import connect
    from eternal.deploy import ModelDeployer
    from eternal.deploy.gas import calldata_gas
    from eternal.node import AnvilNode

    rows, targets, names, current, totals, shapes = [], [], [], [], [], []
    with AnvilNode(gas_limit=10**9) as node, tempfile.TemporaryDirectory() as journal:
        w3 = connect(node.url)
        deployer = ModelDeployer(node.url, journal_dir=journal, quiet=True)
        for name, export, batch in models(args.models):
            address = deployer.deploy_model(export).address
            profile = predict_module.predict(w3, address, [batch[:1]])["profile"]
            biggest = max(layer["gas"] for layer in profile["layers"])
            # Slices (below the biggest layer), and stages without slices (as python/tests/test_stages.py forces them).
            room = min(2 * profile["model_gas"] + 100_000, (profile["gas"] - biggest + profile["model_gas"]) // 2)
            caps = sorted({int(f * biggest) for f in (0.35, 0.7)} | {biggest + room, biggest + 2 * profile["model_gas"] + 100_000})
            caps = [cap for cap in caps if 40_000 <= cap < profile["gas"]]
            for shape, layers, data, used, walk in record(w3, address, batch, caps):
                simulated = w3.provider.make_request("eth_simulateV1", [
                    {"blockStateCalls": [{"calls": [{"to": address, "data": "0x" + data.hex()}]}]}, "latest"])
                tx = int(simulated["result"][0]["calls"][0]["gasUsed"], 16)
                rows.append(features(shape, layers))
                shapes.append(shape)
                targets.append(tx - stage_gas.TX_BASE_GAS - calldata_gas(data) - used - walk)
                totals.append(tx)
                current.append(stage_gas.own_share(shape, walk, layers) - walk)
                names.append(name)
            print(f"{name:40s} {len(names):5d} calls so far", file=sys.stderr)
    a, b = np.array(rows), np.array(targets, dtype=np.float64)
    used = a.any(axis=0)
    fitted = np.zeros(a.shape[1])
    fitted[used] = np.linalg.lstsq(a[:, used], b, rcond=None)[0]
    predicted = a @ fitted
    print(f"{len(b)} calls of {len(set(names))} models")
    for label, guess in (("current", np.array(current)), ("fitted", predicted)):
        error = np.abs(guess - b)
        worst = int(np.argmax(error))
        share = error / np.array(totals)
        over = int(np.sum(error > np.maximum(0.01 * np.array(totals), 1_500)))
        print(f"{label}: largest error {error.max():,.0f} gas ({names[worst]}), mean {error.mean():,.0f}; "
              f"largest share of the call's gas {share.max():.2%}; {over} calls off by more than 1% and 1,500 gas")
    error = np.abs(predicted - b)
    for k in np.argsort(-error / np.maximum(0.01 * np.array(totals), 1_500))[:8]:
        print(f"  {names[k]}: off {predicted[k] - b[k]:+,.0f} of {totals[k]:,} ({shapes[k]})")
    print("\nfigures for python/eternal/stage_gas.py:")
    for feature, value in zip(FEATURES, fitted):
        if feature in DIVISORS:
            print(f"{feature} = {round(1 / value) if value else 0}")
        else:
            print(f"{feature} = {value:.2f}" if feature == "PER_RETURN_BYTE" else f"{feature} = {round(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
