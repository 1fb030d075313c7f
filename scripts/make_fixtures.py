"""Writes the shared test vectors ``test/fixtures/<case>.json`` from Keras.

Run with the project venv: ``.venv/bin/python scripts/make_fixtures.py [--only NAME ...]
[--precision int32] [--keras 3]``. Every module in ``scripts/fixture_cases/`` adds
cases (see its ``__init__``). For each case: build the model with fixed seeds,
export it, run the bit-exact emulator on the quantised inputs, and write the
deployment plan, the inputs, the expected fixed-point outputs and Keras' float
outputs. ``test/fixtures.test.js`` deploys each one and checks ``predict``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from fixture_cases import discover  # noqa: E402

from eternal.errors import EternalError  # noqa: E402
from eternal.export import ModelExporter  # noqa: E402
from eternal.fixedpoint import DEFAULT_PRECISION, PRECISIONS, dequantise, quantise_activations  # noqa: E402
from eternal.onchain import deployment_plan, plan_to_json  # noqa: E402

FIXTURE_FORMAT = "eternal-fixture/1"
SEED = 1234
# Absolute tolerance of on-chain outputs to Keras' float outputs, per weight precision.
TOLERANCE = {"int32": 1e-4, "int16": 1e-2, "int8": 0.15}


def keras_package(version: str):
    """The Keras package for ``"3"`` (keras) or ``"2"`` (tf_keras)."""
    if version == "2":
        import tf_keras

        return tf_keras
    import keras

    return keras


def seed_everything(K) -> None:
    """Fixed seeds for Python, NumPy and the backend, so every run builds the same model."""
    random.seed(SEED)
    np.random.seed(SEED)
    K.utils.set_random_seed(SEED)


def as_batches(inputs) -> list[np.ndarray]:
    """A case's inputs as one float64 batch per model input."""
    batches = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    return [np.asarray(batch, dtype=np.float64) for batch in batches]


def keras_outputs(model, batches: list[np.ndarray]) -> list[np.ndarray]:
    """Keras' float outputs, one batch per model output."""
    feed = [batch.astype("float32") for batch in batches]
    outputs = model.predict(feed if len(feed) > 1 else feed[0], verbose=0)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    return [np.asarray(out, dtype=np.float64) for out in outputs]


def emulator():
    """The emulator's ``run(export, inputs) -> outputs`` (one sample), or None if not written yet."""
    try:
        from eternal import emulate
    except ImportError:
        return None
    return getattr(emulate, "emulate_sample", None) or getattr(emulate, "run", None)


def build_fixture(case, K, precision: str) -> dict:
    """The fixture dict of one case."""
    seed_everything(K)
    model, inputs = case.build(K)
    batches = as_batches(inputs)
    export = ModelExporter(precision).export_model(model)
    plan = deployment_plan(export)
    frac = plan["activation_frac_bits"]
    graph = export["graph"]
    floats = keras_outputs(model, batches)
    run = emulator()
    tolerance = case.tolerance if case.tolerance is not None else TOLERANCE[precision]
    if isinstance(tolerance, dict):  # per precision, the default where the case names none
        tolerance = tolerance.get(precision, TOLERANCE[precision])
    samples, worst = [], 0.0
    for s in range(len(batches[0])):
        fixed = [quantise_activations(batch[s], frac) for batch in batches]
        expected = run(export, fixed) if run is not None else None
        sample = {
            "inputs": [[str(int(v)) for v in x.ravel()] for x in fixed],
            "keras": [[float(v) for v in out[s].ravel()] for out in floats],
            "expected": None,
        }
        if expected is not None:
            expected = [np.asarray(out, dtype=object) for out in expected]
            sample["expected"] = [[str(int(v)) for v in out.ravel()] for out in expected]
            for out, reference in zip(expected, floats):
                error = np.max(np.abs(dequantise(out.ravel(), frac) - reference[s].ravel()), initial=0.0)
                worst = max(worst, float(error))
        samples.append(sample)
    return {
        "format": FIXTURE_FORMAT,
        "name": case.name,
        "module": case.module,
        "model": graph["name"],
        "precision": precision,
        "activation_frac_bits": frac,
        "keras_version": export["source"]["keras_version"],
        "tolerance": tolerance,
        "emulated": run is not None,
        "emulator_max_error": worst if run is not None else None,
        "input_shapes": [graph["layers"][i]["output_shape"] for i in plan["inputs"]],
        "output_shapes": [graph["layers"][i]["output_shape"] for i in plan["outputs"]],
        "hashes": export["hashes"],
        "plan": plan_to_json(plan),
        "samples": samples,
    }


def fixture_path(directory: Path, name: str, precision: str) -> Path:
    """``<name>.json`` at the default precision, ``<name>_<precision>.json`` otherwise."""
    suffix = "" if precision == DEFAULT_PRECISION else f"_{precision}"
    return directory / f"{name}{suffix}.json"


KERAS_FLOAT_FIELDS = {"keras"}  # Keras' own float outputs
DERIVED_FIELDS = {"emulator_max_error"}  # max |expected - keras|: follows from the two fields compared
KERAS_FLOAT_TOLERANCE = 1e-5  # of the fixture's largest |keras| value (at least 1): a few float32 ulps of its sums


def _floats(value, field: str | None = None):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _floats(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from _floats(item, field)
    elif field in KERAS_FLOAT_FIELDS and isinstance(value, (int, float)):
        yield float(value)


def same_fixture(committed, fresh) -> bool:
    """Whether a committed fixture equals a fresh build: exactly, except Keras' reference
    floats, which TensorFlow sums in a CPU-dependent order (AVX-512, oneDNN): those may
    differ by :data:`KERAS_FLOAT_TOLERANCE` of the largest one, far inside every
    fixture's own tolerance."""
    scale = max([1.0, *(abs(x) for x in _floats(committed))])
    return _same(committed, fresh, None, KERAS_FLOAT_TOLERANCE * scale)


def _same(committed, fresh, field: str | None, tolerance: float) -> bool:
    if isinstance(committed, dict) and isinstance(fresh, dict):
        return committed.keys() == fresh.keys() and all(
            _same(committed[k], fresh[k], k, tolerance) for k in committed if k not in DERIVED_FIELDS)
    if isinstance(committed, list) and isinstance(fresh, list):
        return len(committed) == len(fresh) and all(_same(a, b, field, tolerance) for a, b in zip(committed, fresh))
    if field in KERAS_FLOAT_FIELDS and isinstance(committed, float) and isinstance(fresh, float):
        return abs(committed - fresh) <= tolerance
    return committed == fresh


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write test/fixtures/<case>.json from Keras.")
    parser.add_argument("--only", action="append", metavar="NAME", help="only this case (repeatable)")
    parser.add_argument("--precision", choices=sorted(PRECISIONS), default=DEFAULT_PRECISION)
    parser.add_argument("--keras", choices=("2", "3"), default="3", help="Keras 3 (keras) or Keras 2 (tf_keras)")
    parser.add_argument("--out", default=str(ROOT / "test" / "fixtures"), help="output directory")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a fixture file differs from a fresh build")
    args = parser.parse_args(argv)

    cases = discover()
    if args.list:
        for name, case in sorted(cases.items()):
            print(f"{name:40s} {case.module}")
        return 0
    names = args.only or sorted(cases)
    unknown = [name for name in names if name not in cases]
    if unknown:
        print(f"error: unknown case(s) {', '.join(unknown)}. Known: {', '.join(sorted(cases))}", file=sys.stderr)
        return 2
    if emulator() is None:
        print("warning: eternal.emulate is not available: fixtures get no expected outputs", file=sys.stderr)
    K = keras_package(args.keras)
    directory = Path(args.out)
    directory.mkdir(parents=True, exist_ok=True)
    failures = 0
    for name in names:
        started = time.perf_counter()
        try:
            fixture = build_fixture(cases[name], K, args.precision)
        except (EternalError, NotImplementedError) as exc:
            failures += 1
            print(f"{name:40s} FAILED: {exc}", file=sys.stderr)
            continue
        path = fixture_path(directory, name, args.precision)
        if args.check:
            if not path.exists():
                print(f"{name:40s} not committed at {args.precision}")
                continue
            stale = not same_fixture(json.loads(path.read_text()), json.loads(json.dumps(fixture)))
            failures += stale
            print(f"{name:40s} {'STALE (regenerate)' if stale else 'up to date'}")
            continue
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(fixture, indent=1) + "\n")
        os.replace(temporary, path)
        error = fixture["emulator_max_error"]
        note = "no emulator" if error is None else f"max |emulator - keras| {error:.3g}"
        flag = "  OVER TOLERANCE" if error is not None and error > fixture["tolerance"] else ""
        print(f"{name:40s} {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {note}{flag}  ({time.perf_counter() - started:.1f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
