"""Benchmark: exporting a 1.3M-parameter Dense model (target: under 2 s after Keras is imported).

Run: .venv/bin/python bench/bench_export.py
"""

import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

started = time.perf_counter()
import keras  # noqa: E402
import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from eternal.export import ModelExporter  # noqa: E402
from eternal.exportfile import load_export, save_export  # noqa: E402

import_seconds = time.perf_counter() - started


def model_1_3m():
    inputs = keras.Input(shape=(1024,), name="x")
    x = keras.layers.Dense(1024, activation="relu", name="d1")(inputs)
    outputs = keras.layers.Dense(256, name="d2")(x)
    return keras.Model(inputs, outputs, name="mlp_1_3m")


def main():
    model = model_1_3m()
    params = model.count_params()
    table = Table(title=f"export of a {params:,}-parameter Dense model (Keras import {import_seconds:.1f} s, not counted)")
    for column in ("precision", "export s", "save s", "load+verify s", "file bytes", "weight bytes", "JSON floats bytes"):
        table.add_column(column, justify="right")
    floats_bytes = len(json.dumps([w.ravel().tolist() for w in model.get_weights()]))
    with tempfile.TemporaryDirectory() as folder:
        for precision in ("int32", "int16", "int8"):
            t0 = time.perf_counter()
            export = ModelExporter(precision).export_model(model)
            t1 = time.perf_counter()
            path = Path(folder) / f"{precision}.json"
            save_export(export, path)
            t2 = time.perf_counter()
            load_export(path)
            t3 = time.perf_counter()
            table.add_row(
                precision,
                f"{t1 - t0:.2f}",
                f"{t2 - t1:.2f}",
                f"{t3 - t2:.2f}",
                f"{path.stat().st_size:,}",
                f"{export['stats']['weight_bytes']:,}",
                f"{floats_bytes:,}",
            )
    Console(width=130).print(table)
    print(f"target: export under 2 s at int32 (numpy {np.__version__}, keras {keras.__version__})")


if __name__ == "__main__":
    main()
