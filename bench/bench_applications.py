"""keras.applications models through the exporter and the emulator (issue 13), one table.

Each model is built with ``weights=None`` (no download), at a small input (32x32; Xception's
smallest, 71x71), 10 classes, exported at int32, and one seeded input (uniform in [-1, 1], or
[0, 255] for the models that rescale their own input) goes through Keras and the bit-exact
emulator. Run: ``PYTHONPATH=python .venv/bin/python bench/bench_applications.py [NAME ...]``
(the emulator is pure Python: Xception takes a few minutes).
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

MODELS = {
    "MobileNet": (32, 32, 3), "MobileNetV2": (32, 32, 3), "MobileNetV3Small": (32, 32, 3),
    "MobileNetV3Large": (32, 32, 3), "EfficientNetB0": (32, 32, 3), "NASNetMobile": (32, 32, 3),
    "ResNet50": (32, 32, 3), "ResNet50V2": (32, 32, 3), "DenseNet121": (32, 32, 3), "Xception": (71, 71, 3),
}
RAW_PIXELS = ("MobileNetV3", "EfficientNet")  # their first layers rescale [0, 255] themselves


def run(name: str) -> str:
    import keras

    from eternal.emulate import compare_with_keras
    from eternal.errors import EternalError
    from eternal.export import ModelExporter

    shape = MODELS[name]
    keras.utils.set_random_seed(0)
    model = getattr(keras.applications, name)(weights=None, input_shape=shape, classes=10)
    rng = np.random.default_rng(0)
    low, high = (0.0, 255.0) if name.startswith(RAW_PIXELS) else (-1.0, 1.0)
    x = rng.uniform(low, high, (1, *shape)).astype("float32")
    start = time.time()
    try:
        export = ModelExporter().export_model(model)
    except EternalError as exc:
        return f"| {name} | {shape[0]}x{shape[1]} | refused: {str(exc)[:160]} | | | |"
    exported = time.time() - start
    start = time.time()
    result = compare_with_keras(export, model, x)
    return (f"| {name} | {shape[0]}x{shape[1]} | {len(export['graph']['layers'])} layers, "
            f"{export['stats']['params']:,} params ({exported:.0f} s) | {time.time() - start:.0f} s | "
            f"{result['max_abs_diff']:.1e} | {'yes' if result['argmax_agreement'] == 1.0 else 'no'} |")


def main(names: list[str]) -> None:
    print("| model | input | export | emulator | max abs(emulator - Keras) | argmax = Keras |")
    print("|---|---|---|---:|---:|---|")
    for name in names or list(MODELS):
        print(run(name), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
