"""What a deployment would cost, per precision, before paying: nothing is sent.

``python -m eternal.plan MODEL [--gas-price GWEI] [--input FILE.npy] [--json]``

For each precision (int8/16/32): transactions and gas per phase, total gas and
cost, the fixed-point emulator's largest error against Keras on sample inputs, and
the gas of one ``predict`` per layer, measured on a private anvil started here
(:mod:`eternal.predict_gas`), with whether it fits one transaction or call or how
many stages it needs.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys

import numpy as np
from rich.console import Console

from eternal.chain import TX_GAS_CAP
from eternal.errors import EternalError
from eternal.fixedpoint import PRECISIONS, to_fixed
from eternal.layers import model_input_id_count

PHASES = ("contracts", "layers", "construct", "upload", "finalize")


def sample_inputs(graph: dict, count: int = 8, seed: int = 0) -> list[np.ndarray]:
    """Deterministic sample inputs for each model input: uniform in [0, 1), or valid ids for an Embedding."""
    rng = np.random.default_rng(seed)
    batches = []
    for index in graph["inputs"]:
        shape = graph["layers"][index]["output_shape"]
        ids = model_input_id_count(graph, index)
        if ids is not None:
            batches.append(rng.integers(0, ids, size=(count, *shape)).astype(np.float64))
        else:
            batches.append(rng.uniform(0.0, 1.0, size=(count, *shape)))
    return batches


def plan_model(source, precisions=("int8", "int16", "int32"), gas_price_gwei: float = 1.0,
               inputs: list[np.ndarray] | None = None, gas_limit: int = TX_GAS_CAP, predict_gas: bool = True) -> dict:
    """The plan of every precision for a Keras model (file or object) or an export file.

    With ``predict_gas``, each precision's ``predict`` is measured on sample 0 on a private
    anvil (the only transactions made, and only there): ``predict_gas``, ``predict_layers``,
    ``predict_model_gas``, ``predict_stages`` (:func:`eternal.predict_gas.simulate_stages` per cap),
    or ``predict_note`` saying why not.
    """
    from eternal.deploy.gas import phase_gas
    from eternal.export import ModelExporter
    from eternal.predict import as_batches, input_signature
    from eternal.exportfile import load_export
    from eternal.onchain import deployment_plan

    keras_model, fixed_export = None, None
    if isinstance(source, (str, os.PathLike)) and str(source).endswith(".json"):
        fixed_export = load_export(source)
        precisions = [fixed_export["graph"]["precision"]]
    elif isinstance(source, (str, os.PathLike)):
        from eternal.keras_io import load_model_file

        keras_model = load_model_file(source)
    else:
        keras_model = source
    rows, exports, samples = [], [], []
    for precision in precisions:
        export = fixed_export or ModelExporter(precision).export_model(keras_model)
        if inputs is not None:  # the same check as `predict`: a wrong shape is refused, not shown as n/a
            inputs = as_batches(inputs, *input_signature(export["graph"]), export["graph"]["activation_frac_bits"])
        phases = phase_gas(deployment_plan(export), gas_limit)
        total_gas = sum(phase["gas"] for phase in phases.values())
        row = {
            "precision": precision,
            "params": export["stats"]["params"],
            "weight_bytes": export["stats"]["weight_bytes"],
            "pages": export["stats"]["pages"],
            "phases": phases,
            "transactions": sum(phase["transactions"] for phase in phases.values()),
            "gas": total_gas,
            "cost_eth": total_gas * gas_price_gwei * 1e-9,
            "max_abs_error": None,
            "argmax_agreement": None,
            "error_note": None,
            "predict_gas": None,
            "predict_note": None if predict_gas else "not measured (--no-predict-gas)",
        }
        frac = export["graph"]["activation_frac_bits"]
        exports.append(export)
        samples.append([to_fixed(batch[0], frac) for batch in (inputs or sample_inputs(export["graph"]))])
        if keras_model is None:
            row["error_note"] = "no Keras model to compare with (export file given)"
        else:
            from eternal.emulate import compare_with_keras

            batches = inputs if inputs is not None else sample_inputs(export["graph"])
            try:
                comparison = compare_with_keras(export, keras_model, batches)
                row["max_abs_error"] = comparison["max_abs_diff"]
                row["argmax_agreement"] = comparison["argmax_agreement"]
            except (EternalError, NotImplementedError) as exc:
                row["error_note"] = f"emulator: {exc}"
        rows.append(row)
    if predict_gas:
        _measure_predict(rows, exports, samples)
    return {"gas_price_gwei": gas_price_gwei, "gas_limit": gas_limit, "precisions": rows}


def _measure_predict(rows: list[dict], exports: list[dict], samples: list) -> None:
    from eternal.predict_gas import measure_exports

    try:
        profiles = measure_exports(exports, samples)
    except EternalError as exc:  # no anvil, or the model does not run: the rest of the plan stands
        for row in rows:
            row["predict_note"] = f"predict gas not measured: {exc}"
        return
    for row, profile in zip(rows, profiles):
        row.update(predict_gas=profile["gas"], predict_model_gas=profile["model_gas"],
                   predict_layers=[{key: layer[key] for key in ("name", "class_name", "gas")} for layer in profile["layers"]],
                   predict_stages=profile["stages"])


def _print_whole(console: "Console", table) -> None:
    """Prints a table at the width its cells need, wider than the terminal if it must:
    a number is never cut or wrapped (a pipe or a narrow terminal gets whole lines)."""
    for column in table.columns:
        column.no_wrap = True
    needed = console.measure(table, options=console.options.update_width(10_000)).maximum
    if needed > console.width:  # Console.print caps its width at the console's own
        console = Console(width=needed, force_terminal=console.is_terminal)
    console.print(table, crop=False)


def print_table(result: dict) -> None:
    from rich.table import Table

    rows = result["precisions"]
    console = Console()
    show = functools.partial(_print_whole, console)
    phases = Table(title=f"Transactions / gas per phase ({result['gas_limit']:,} gas per transaction at most)")
    phases.add_column("phase")
    for row in rows:
        phases.add_column(row["precision"], justify="right")
    for phase in PHASES:
        phases.add_row(phase, *[f"{row['phases'][phase]['transactions']} / {row['phases'][phase]['gas']:,}" for row in rows])
    show(phases)
    summary = Table(title=f"Totals at {result['gas_price_gwei']} gwei, and the fixed-point error vs Keras")
    for name in ("precision", "params", "pages", "txs", "gas", "cost ETH", "max |err|", "argmax agree"):
        summary.add_column(name, justify="left" if name == "precision" else "right")
    for row in rows:
        error = f"{row['max_abs_error']:.3g}" if row["max_abs_error"] is not None else "n/a"
        agree = f"{row['argmax_agreement']:.0%}" if row["argmax_agreement"] is not None else "n/a"
        summary.add_row(row["precision"], f"{row['params']:,}", str(row["pages"]), str(row["transactions"]),
                        f"{row['gas']:,}", f"{row['cost_eth']:.6f}", error, agree)
    show(summary)
    measured = [row for row in rows if row["predict_gas"] is not None]
    if measured:
        show(predict_table(measured))
    for row in rows:
        for note in (row["error_note"], row["predict_note"]):
            if note:
                console.print(f"{row['precision']}: {note}", soft_wrap=True)
    console.print("Deployment gas is modelled from costs measured on a Hardhat node (bench/bench_deploy.py); "
                  "predict gas is measured on a private anvil started for this plan; nothing was sent to your chain.",
                  soft_wrap=True)


def predict_table(rows: list[dict]):
    """Gas of one predict per layer and in total per precision, and where it runs."""
    from rich.table import Table

    from eternal.predict_gas import CAP_LABELS, stages_summary

    table = Table(title="Gas of one predict (sample 0, measured on a private anvil)")
    table.add_column("layer")
    for row in rows:
        table.add_column(row["precision"], justify="right")
    for n, layer in enumerate(rows[0]["predict_layers"]):
        if any(row["predict_layers"][n]["gas"] for row in rows):
            table.add_row(f"{layer['name']} ({layer['class_name']})", *[f"{row['predict_layers'][n]['gas']:,}" for row in rows])
    table.add_row("model (graph walk, calls, calldata)", *[f"{row['predict_model_gas']:,}" for row in rows])
    table.add_row("predict", *[f"{row['predict_gas']:,}" for row in rows], end_section=True)
    for name, label in CAP_LABELS.items():
        cap = rows[0]["predict_stages"][name]["cap"]
        table.add_row(f"{label} ({cap:,})", *[stages_summary(row["predict_stages"][name]) for row in rows])
    return table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .keras/.h5 model (or an export file: its own precision only)")
    parser.add_argument("--gas-price", type=float, default=1.0, help="gas price in gwei for the cost column (default 1)")
    parser.add_argument("--precision", action="append", choices=sorted(PRECISIONS), help="only these (repeatable)")
    parser.add_argument("--input", help=".npy batch of sample inputs for the error column (default: random samples)")
    parser.add_argument("--no-predict-gas", action="store_true",
                        help="skip measuring one predict on a private anvil (no anvil installed, or to save ~1 s)")
    parser.add_argument("--json", action="store_true", help="print one JSON object to stdout")


def run(args) -> int:
    inputs = None
    if args.input:
        from eternal.predict import load_inputs

        inputs = load_inputs([args.input])
    result = plan_model(args.model, tuple(args.precision or ("int8", "int16", "int32")), args.gas_price, inputs,
                        predict_gas=not args.no_predict_gas)
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    from eternal.cli import run_module  # the entry shim only; commands never import the CLI

    sys.exit(run_module("plan"))
