"""On-chain inference by ``eth_call``: float inputs in, float outputs out.

``python -m eternal.predict ADDRESS --input FILE.npy [--input FILE2.npy] [--rpc-url URL] [--json]``

FILE holds one sample (the model input's shape) or a batch along the first axis;
a model with several inputs takes one ``--input`` per input, in graph order.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from eternal.chain import connect, default_rpc_url, open_model, revert_reason
from eternal.errors import PredictInputError, TransactionFailed
from eternal.fixedpoint import ACTIVATION_FRAC_BITS
from eternal.layers.dense import INPUT_SUM_LIMIT


def input_signature(graph: dict) -> tuple[list[list[int]], list[str]]:
    """Each model input's shape (one sample) and name, in graph order."""
    layers = graph["layers"]
    return [list(layers[i]["output_shape"]) for i in graph["inputs"]], [layers[i]["name"] for i in graph["inputs"]]


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


def input_limit(frac_bits: int = ACTIVATION_FRAC_BITS) -> float:
    """The largest |value| an input may hold: 2^(95 - F), 2^71 at F = 24.

    The on-chain Dense and convolution kernels are exact only while a sum of |inputs|
    in fixed point stays below 2^95 (their widest SWAR slots), and refuse past it; one
    value that large fails the first such layer whatever the others are.
    """
    return float(INPUT_SUM_LIMIT >> frac_bits)


def as_batches(arrays: list[np.ndarray], shapes: list[list[int]], names: list[str],
               frac_bits: int = ACTIVATION_FRAC_BITS) -> list[np.ndarray]:
    """Each input as a batch ``(n, *shape)``; every input must have the same ``n``, at least 1.

    Raises:
        PredictInputError: wrong count or shape, no sample, complex, non-finite or
            out-of-range values (:func:`input_limit`).
    """
    if len(arrays) != len(shapes):
        raise PredictInputError(f"The model takes {len(shapes)} input(s) ({', '.join(names)}); got {len(arrays)} --input file(s)")
    batches = []
    for array, shape, name in zip(arrays, shapes, names):
        array = np.asarray(array)
        if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
            raise PredictInputError(f"Input '{name}': expected real numbers, got dtype {array.dtype}")
        if list(array.shape) == shape:
            array = array[None]
        elif list(array.shape[1:]) != shape:
            raise PredictInputError(
                f"Input '{name}': shape {list(array.shape)} fits neither one sample {shape} nor a batch [n, {', '.join(map(str, shape))}]"
            )
        array = array.astype(np.float64)
        if not np.all(np.isfinite(array)):
            raise PredictInputError(f"Input '{name}': holds NaN or infinite values")
        if len(array) == 0:
            raise PredictInputError(f"Input '{name}': the batch holds no sample")
        largest, limit = float(np.max(np.abs(array))), input_limit(frac_bits)
        if largest >= limit:
            raise PredictInputError(
                f"Input '{name}': |values| must stay below 2^{int(np.log2(limit))} (about {limit:.3g}); got {largest:.3g}. "
                f"Activations are fixed point with {frac_bits} fractional bits, and the on-chain Dense and convolution "
                "kernels are exact only below that"
            )
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
    batches = as_batches(inputs, signature["input_shapes"], signature["input_names"], frac)
    outputs, argmax, gas = [], [], []
    for n in range(len(batches[0])):
        fixed = [to_fixed(batch[n], frac) for batch in batches]
        call = model.functions.predict(fixed)
        try:
            raw = call.call()
            gas.append(call.estimate_gas() if with_gas else None)
        except Exception as exc:
            reason = revert_reason(exc)
            if reason.startswith("DenseInputTooLarge"):
                reason = (f"a Dense layer's inputs sum past 2^{95 - frac} in absolute value ({reason}), where its exact "
                          "kernel stops; scale the inputs down (README: accepted inputs)")
            raise TransactionFailed(f"predict on sample {n} failed: {reason}") from None
        sample = [from_fixed(values, frac, shape) for values, shape in zip(raw, signature["output_shapes"])]
        outputs.append(sample)
        argmax.append(int(np.argmax(sample[0])))
    return {"outputs": outputs, "argmax": argmax, "gas": gas}


NPY_MAGIC = b"\x93NUMPY"  # the first bytes of every .npy file (numpy.lib.format)


def load_inputs(paths: list[str]) -> list[np.ndarray]:
    """The arrays of ``.npy`` files, refusing anything else with one line (never unpickled)."""
    arrays = []
    for path in paths:
        try:
            with open(path, "rb") as file:
                if file.read(len(NPY_MAGIC)) != NPY_MAGIC:
                    raise PredictInputError(f"Input file {path} is not a .npy array (no NumPy header); write one with numpy.save")
            arrays.append(np.load(Path(path), allow_pickle=False))
        except FileNotFoundError:
            raise PredictInputError(f"Input file not found: {path}") from None
        except IsADirectoryError:
            raise PredictInputError(f"Input file {path} is a directory") from None
        except (OSError, ValueError) as exc:
            raise PredictInputError(f"Input file {path} is not a .npy array ({exc})") from None
    return arrays


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("address", help="the EternalModel address")
    parser.add_argument("--input", action="append", required=True, help=".npy file: one sample or a batch (repeat per model input)")
    parser.add_argument("--rpc-url", default=default_rpc_url())
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
    from eternal.cli import run_module  # the entry shim only; commands never import the CLI

    sys.exit(run_module("predict"))
