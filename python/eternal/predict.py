"""On-chain inference by ``eth_call``: float inputs in, float outputs out.

``python -m eternal.predict ADDRESS --input FILE.npy [--input FILE2.npy] [--rpc-url URL] [--json]``

FILE holds one sample (the model input's shape) or a batch along the first axis;
a model with several inputs takes one ``--input`` per input, in graph order.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from eternal.chain import DEFAULT_RPC_URL, TransactionFailed, connect, open_model, revert_reason
from eternal.errors import ModelInputError


class PredictInputError(ModelInputError):
    """Inputs that do not fit the model."""

    exit_code = 24


def model_signature(model) -> dict:
    """Input/output shapes and the activation fraction bits, from the graph stored on chain."""
    graph = json.loads(bytes(model.functions.graph().call()).decode("utf-8"))
    layers = graph["layers"]
    return {
        "frac_bits": int(graph["activation_frac_bits"]),
        "input_shapes": [list(layers[i]["output_shape"]) for i in graph["inputs"]],
        "output_shapes": [list(layers[i]["output_shape"]) for i, _ in graph["outputs"]],
        "input_names": [layers[i]["name"] for i in graph["inputs"]],
    }


def as_batches(arrays: list[np.ndarray], shapes: list[list[int]], names: list[str]) -> list[np.ndarray]:
    """Each input as a batch ``(n, *shape)``; every input must have the same ``n``.

    Raises:
        PredictInputError: wrong count, shape or non-finite values.
    """
    if len(arrays) != len(shapes):
        raise PredictInputError(f"The model takes {len(shapes)} input(s) ({', '.join(names)}); got {len(arrays)} --input file(s)")
    batches = []
    for array, shape, name in zip(arrays, shapes, names):
        array = np.asarray(array)
        if not np.issubdtype(array.dtype, np.number):
            raise PredictInputError(f"Input '{name}': expected numbers, got dtype {array.dtype}")
        if list(array.shape) == shape:
            array = array[None]
        elif list(array.shape[1:]) != shape:
            raise PredictInputError(
                f"Input '{name}': shape {list(array.shape)} fits neither one sample {shape} nor a batch [n, {', '.join(map(str, shape))}]"
            )
        array = array.astype(np.float64)
        if not np.all(np.isfinite(array)):
            raise PredictInputError(f"Input '{name}': holds NaN or infinite values")
        batches.append(array)
    counts = {len(b) for b in batches}
    if len(counts) != 1:
        raise PredictInputError(f"Inputs hold different numbers of samples: {sorted(counts)}")
    return batches


def predict(w3, address: str, inputs: list[np.ndarray], with_gas: bool = True) -> dict:
    """Runs ``predict`` by eth_call on every sample.

    Returns:
        ``{"outputs": [per sample: [per output: float array]], "argmax": [...], "gas": [...]}``.
    """
    from eternal.fixedpoint import from_fixed, to_fixed

    model = open_model(w3, address)
    signature = model_signature(model)
    frac = signature["frac_bits"]
    batches = as_batches(inputs, signature["input_shapes"], signature["input_names"])
    outputs, argmax, gas = [], [], []
    for n in range(len(batches[0])):
        fixed = [to_fixed(batch[n], frac) for batch in batches]
        call = model.functions.predict(fixed)
        try:
            raw = call.call()
            gas.append(call.estimate_gas() if with_gas else None)
        except Exception as exc:
            raise TransactionFailed(f"predict on sample {n} failed: {revert_reason(exc)}") from None
        sample = [from_fixed(values, frac, shape) for values, shape in zip(raw, signature["output_shapes"])]
        outputs.append(sample)
        argmax.append(int(np.argmax(sample[0])))
    return {"outputs": outputs, "argmax": argmax, "gas": gas}


def load_inputs(paths: list[str]) -> list[np.ndarray]:
    arrays = []
    for path in paths:
        try:
            arrays.append(np.load(Path(path), allow_pickle=False))
        except FileNotFoundError:
            raise PredictInputError(f"Input file not found: {path}") from None
        except (OSError, ValueError) as exc:
            raise PredictInputError(f"Input file {path} is not a .npy array ({exc})") from None
    return arrays


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eternal.predict", description="Run an Eternal model on chain (eth_call).")
    add_arguments(parser)
    from eternal.cli import guard

    return guard(run, parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("address", help="the EternalModel address")
    parser.add_argument("--input", action="append", required=True, help=".npy file: one sample or a batch (repeat per model input)")
    parser.add_argument("--rpc-url", default=os.environ.get("ETERNAL_RPC_URL", DEFAULT_RPC_URL))
    parser.add_argument("--json", action="store_true", help='print {"outputs", "argmax", "gas"}')


def run(args) -> int:
    result = predict(connect(args.rpc_url), args.address, load_inputs(args.input))
    single = all(len(sample) == 1 for sample in result["outputs"])
    outputs = [
        (sample[0].ravel().tolist() if single else [o.ravel().tolist() for o in sample]) for sample in result["outputs"]
    ]
    if args.json:
        print(json.dumps({"outputs": outputs, "argmax": result["argmax"], "gas": result["gas"]}))
    else:
        for n, (values, top, gas) in enumerate(zip(outputs, result["argmax"], result["gas"])):
            shown = np.array2string(np.asarray(values), precision=6, max_line_width=120) if single else str(values)
            print(f"sample {n}: argmax {top}  gas {gas:,}  outputs {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
