"""Issue 12's benchmark report: ``bench/RESULTS.md`` and its plots, all from one run on one node.

``PYTHONPATH=python .venv/bin/python bench/results.py [--models digits_cnn,lenet,...] [--out bench]``
(or ``make bench-results``).

Starts one anvil (``--hardfork osaka``, block gas limit 10^10, so a whole model is one call),
then on it:

1. ``bench/layer_results.js`` (``hardhat run --network anvil``): gas per MAC of our Dense,
   Conv2D, pointwise and depthwise layers at int32/int16/int8 and of the plain-Solidity
   baselines (``contracts/bench/``), the elementwise layers' gas per value and fixed cost,
   the activations' gas per value;
2. each bench model (``bench/models.py``, and the digits CNN of ``make demo``) exported at
   int32, deployed, its output checked against the emulator, and one ``predict`` traced
   (:func:`eternal.predict_gas.profile_predict`): the gas per layer.

Writes ``RESULTS.md`` and ``results/*.png`` under ``--out`` (``results_report.py``), and the
raw figures as ``results/results.json``. Stops the node by its PID whatever happens.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import models

REPO = Path(__file__).resolve().parents[1]
HARDHAT = REPO / "node_modules" / ".bin" / "hardhat"
GAS_LIMIT = 10**10
MODELS = ["digits_cnn", "lenet", "mlp", "resnet8", "mobilenetv2"]
MAC_CLASSES = ("Dense", "Conv2D", "DepthwiseConv2D")


def bench_node():
    """The one node: ``AnvilNode(gas_limit=10^10)``, also without anvil's 2 MB request limit (the
    plain Dense baseline takes its 256x256 int256 weights as 2 MB of calldata)."""
    from eternal.node import AnvilNode

    class BenchNode(AnvilNode):
        def command(self) -> list[str]:
            return super().command() + ["--no-request-size-limit"]

    return BenchNode(gas_limit=GAS_LIMIT)


def layer_results(url: str, workdir: Path) -> dict:
    """Runs bench/layer_results.js against the node at ``url``; its JSON."""
    out = workdir / "layers.json"
    env = dict(os.environ, ETERNAL_BENCH_RPC=url, ETERNAL_BENCH_OUT=str(out))
    done = subprocess.run([str(HARDHAT), "run", "--network", "anvil", "bench/layer_results.js"], cwd=REPO, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench/layer_results.js failed (exit {done.returncode}); see its output above")
    return json.loads(out.read_text())


def build_model(name: str):
    """``(keras model, one input batch of 1)``: a bench model, or the digits CNN trained as in
    ``make demo`` with its first test image."""
    import keras

    if name == "digits_cnn":
        from eternal import examples

        model, _ = examples.train(keras, examples.build_cnn)
        return model, examples.digits_data()[2][:1]
    return models.build(name, keras), models.sample(name, 1)


def inside_macs(layer) -> int:
    """MACs a layer computes, counting only conv taps inside the input (as the plain baselines
    and our kernels skip the padding), 0 for layers without MACs."""
    kind = type(layer).__name__
    if kind == "Dense":
        return int(np.prod(layer.kernel.shape))
    if kind not in ("Conv2D", "DepthwiseConv2D"):
        return 0
    kh, kw, cin, cout = layer.kernel.shape
    (_, height, width, _), (_, out_h, out_w, _) = layer.input.shape, layer.output.shape
    sh, sw = layer.strides

    def taps(size: int, out: int, window: int, stride: int) -> int:  # Keras 'same': the end pads more
        top = max((out - 1) * stride + window - size, 0) // 2 if layer.padding == "same" else 0
        return sum(sum(0 <= o * stride - top + d < size for d in range(window)) for o in range(out))

    return taps(height, out_h, kh, sh) * taps(width, out_w, kw, sw) * cin * cout


def baseline_type(layer) -> str:
    """The plain baseline (a MAC case of layer_results.js) that stands for a Keras layer."""
    kind = type(layer).__name__
    if kind == "Dense":
        return "Dense"
    if kind == "DepthwiseConv2D":
        return "DepthwiseConv2D 3x3"
    return "Conv2D 1x1 (pointwise)" if tuple(layer.kernel_size) == (1, 1) else "Conv2D 3x3, 16 filters"


PRECISION_MODELS = ["resnet8", "mobilenetv2"]
"""The models with a gas/MAC target, also run at int16 and int8 (section 2's precision table)."""


def deployed_run(name: str, precision: str, url: str, workdir: Path) -> dict:
    """Exports one model at one precision, deploys it and runs the sample: the model, the chain's
    `predict`, whether it equals the emulator bit for bit and its argmax Keras's, and the profile
    of one `predict`. Sends transactions (to the bench's own node)."""
    from eternal.chain import connect
    from eternal.deploy import ModelDeployer
    from eternal.emulate import emulate
    from eternal.export import ModelExporter
    from eternal.fixedpoint import to_fixed
    from eternal.predict import predict
    from eternal.predict_gas import profile_predict

    model, x = build_model(name)
    export = ModelExporter(precision).export_model(model)
    deployed = ModelDeployer(url, journal_dir=str(workdir / f"journal-{name}-{precision}"), quiet=True).deploy_model(export)
    w3 = connect(url)
    chain = predict(w3, deployed.address, [x])
    out = np.asarray(chain["outputs"][0][0])
    emulated = emulate(export, [x]).floats[0]
    profile = profile_predict(w3, deployed.address, [to_fixed(x[0], export["graph"]["activation_frac_bits"])])
    return {"model": model, "chain": chain, "profile": profile,
            "exact": bool(np.array_equal(out.reshape(emulated.shape), emulated)),
            "argmax": bool(np.argmax(out) == np.argmax(np.asarray(model(x, training=False))))}


def precision_row(name: str, precision: str, run: dict) -> dict:
    """A row of the precision table from a run (`deployed_run`, or `run_model`'s at int32)."""
    row = {"name": name, "precision": precision, "gas": run["gas"], "macs": run["macs"], "exact": run["exact"],
           "argmax": run["argmax"]}
    print(f"{name} {precision}: {row['gas']:,} gas, {row['gas'] / row['macs']:.2f} gas/MAC, "
          f"chain == emulator: {row['exact']}, argmax == Keras: {row['argmax']}", flush=True)
    return row


def run_precision(name: str, precision: str, url: str, workdir: Path) -> dict:
    """One model at one precision: gas of one `predict` (as `run_model`), chain == emulator, and
    whether its argmax is Keras's on the sample. Sends transactions (to the bench's own node)."""
    run = deployed_run(name, precision, url, workdir)
    return precision_row(name, precision, dict(run, gas=run["profile"]["gas"], macs=models.macs(run["model"])))


def run_model(name: str, url: str, workdir: Path) -> dict:
    """Exports, deploys and profiles one model on the node (int32); its figures, layer by layer.
    Sends transactions (to the bench's own node)."""
    started = time.perf_counter()
    run = deployed_run(name, "int32", url, workdir)
    model, chain, profile, exact = run["model"], run["chain"], run["profile"], run["exact"]
    keras_layers = {layer.name: layer for layer in model.layers}
    layers = []
    for entry in profile["layers"]:
        layer = keras_layers.get(entry["name"])
        row = {"name": entry["name"], "class_name": entry["class_name"], "gas": entry["gas"], "macs": 0,
               "outputs": int(np.prod(layer.output.shape[1:])) if layer is not None else 0}
        if layer is not None and entry["class_name"] in MAC_CLASSES:
            row.update(macs=inside_macs(layer), baseline=baseline_type(layer),
                       activation=layer.get_config().get("activation", "linear"))
        layers.append(row)
    print(f"{name}: {profile['gas']:,} gas, {models.macs(model):,} MACs, chain == emulator: {exact} "
          f"({time.perf_counter() - started:.0f} s)", flush=True)
    return {"name": name, "params": int(model.count_params()), "macs": models.macs(model), "gas": profile["gas"],
            "call_gas": chain["gas"][0], "model_gas": profile["model_gas"], "exact": exact, "argmax": run["argmax"],
            "layers": layers}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, of: {', '.join(MODELS)}")
    parser.add_argument("--out", default=str(REPO / "bench"), help="folder for RESULTS.md and results/ (default: bench)")
    args = parser.parse_args(argv)
    names = [name for name in args.models.split(",") if name]
    unknown = [name for name in names if name not in MODELS]
    if unknown:
        print(f"Unknown model(s) {', '.join(unknown)}. Known: {', '.join(MODELS)}", file=sys.stderr)
        return 2

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import results_report
    from eternal.errors import EternalError
    from eternal.node import compile_contracts

    started = time.perf_counter()
    compile_contracts(force=True)
    workdir = Path(tempfile.mkdtemp(prefix="eternal-bench-results-"))
    try:
        with bench_node() as node:
            layers = layer_results(node.url, workdir)
            runs = [run_model(name, node.url, workdir) for name in names]
            precisions = [row for run in runs if run["name"] in PRECISION_MODELS
                          for row in [precision_row(run["name"], "int32", run)]
                          + [run_precision(run["name"], precision, node.url, workdir) for precision in ("int16", "int8")]]
    except EternalError as exc:
        print(f"bench/results.py: {exc}", file=sys.stderr)
        return 1
    results = {"date": datetime.date.today().isoformat(), "node": f"{layers['client']}, --hardfork osaka, "
               f"--gas-limit {GAS_LIMIT:.0e}, --no-request-size-limit", "seconds": round(time.perf_counter() - started), "layers": layers,
               "models": runs, "precisions": precisions}
    results_report.write(results, Path(args.out))
    print(f"wrote {Path(args.out) / 'RESULTS.md'} ({results['seconds']} s)")
    return 0 if all(run["exact"] for run in runs + precisions) else 1


if __name__ == "__main__":
    sys.exit(main())
