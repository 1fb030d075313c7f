"""On-chain inference by ``eth_call``: float inputs in, float outputs out.

``python -m eternal.predict ADDRESS --input FILE.npy [--input FILE2.npy] [--rpc-url URL] [--json]``

FILE holds one sample (the model input's shape) or a batch along the first axis;
a model with several inputs takes one ``--input`` per input, in graph order.
A batch goes to the node several samples per request and several requests at once
(:mod:`eternal.predict_batch`), with a progress bar on stderr when stderr is a
terminal; Ctrl-C still prints the samples finished so far (``"complete": false``
with ``--json``) and exits 130.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from eternal.chain import connect, default_rpc_url, open_model
from eternal.errors import INTERRUPTED_EXIT_CODE, PredictInputError
from eternal.fixedpoint import ACTIVATION_FRAC_BITS, from_fixed, to_fixed
from eternal.layers.dense import INPUT_SUM_LIMIT
from eternal.predict_batch import CONCURRENT_REQUESTS, run_concurrently, samples_per_request
from eternal.stages import StagedPredictor, staged_predictor
from eternal.tensorpack import pack


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
        "graph": graph,
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


class PredictInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch; ``result`` holds the samples finished before it, in input
    order (the longest run from sample 0), shaped as :func:`predict`'s result."""

    def __init__(self, result: dict, samples: int):
        super().__init__(f"interrupted after {len(result['outputs'])} of {samples} samples")
        self.result = result
        self.samples = samples


@contextmanager
def progress_bar(console, count: int):
    """``advance(samples)`` for a rich progress bar of ``count`` samples on ``console``; a
    no-op without a console or for one sample."""
    if console is None or count < 2:
        yield lambda samples: None
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    with Progress(TextColumn("predict"), BarColumn(), MofNCompleteColumn(), TextColumn("samples"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console, redirect_stdout=False,
                  redirect_stderr=False) as progress:
        task = progress.add_task("predict", total=count)
        yield lambda samples: progress.advance(task, samples)


def predict(w3, address: str, inputs: list[np.ndarray], console=None, workers: int = CONCURRENT_REQUESTS,
            per_request: int | None = None, call_gas_cap: int | None = None) -> dict:
    """Runs the model by eth_call on every sample, ``workers`` requests at once, in as many
    stages as the node's call gas cap needs (:mod:`eternal.stages`).

    Args:
        console: a rich console for a progress bar (batches of more than one sample), or None.
        per_request: samples per JSON-RPC request (default: as many as the node runs in
            about half a second, from the first sample's time).
        call_gas_cap: the gas each call carries (default: the node's, :func:`call_gas_cap`).

    Returns:
        ``{"outputs": [per sample: [per output: float array]], "argmax", "gas", "stages",
        "call_gas_cap", "profile"}``, in input order; ``gas`` is what the sample's calls use
        as transactions, ``stages`` each call's step and gas, ``profile`` sample 0's gas
        per layer (:func:`eternal.predict_gas.stage_profile`).

    Raises:
        PredictInputError: inputs that do not fit the model (:func:`as_batches`).
        TransactionFailed: a sample reverted (the first in input order).
        CallGasCapError: one element of a layer needs more gas than the cap.
        PredictInterrupted: Ctrl-C; it carries the samples finished before it.
    """
    model = open_model(w3, address)
    signature = model_signature(model)
    batches = as_batches(inputs, signature["input_shapes"], signature["input_names"], signature["frac_bits"])
    predictor = staged_predictor(w3, model, signature["graph"], call_gas_cap)
    frac, shapes, count = signature["frac_bits"], signature["output_shapes"], len(batches[0])

    def packed(n: int) -> list[bytes]:
        return [pack(to_fixed(batch[n], frac)) for batch in batches]

    def result(run) -> tuple:
        outputs = [from_fixed(values, frac, shape) for values, shape in zip(run.outputs(predictor.topology), shapes)]
        return outputs, run.gas, [{**step.describe(), "gas": gas} for step, gas in run.steps]

    def calls(samples: range) -> list[tuple]:
        return [result(run) for run in predictor.run(list(samples), [packed(n) for n in samples])]

    results: list = [None] * count
    try:
        with progress_bar(console, count) as advance:
            first = predictor.first(packed(0))  # alone first: it learns the plan and times one sample
            results[0] = result(first)
            advance(1)
            size = per_request or samples_per_request(first.seconds)
            requests = [range(start, min(start + size, count)) for start in range(1, count, size)]
            for k, done in run_concurrently(lambda k: calls(requests[k]), len(requests), workers):
                results[requests[k].start:requests[k].stop] = done
                advance(len(done))
    except KeyboardInterrupt:
        done = next((n for n, result in enumerate(results) if result is None), count)
        raise PredictInterrupted(_as_result(results[:done], predictor, first_run=None), count) from None
    return _as_result(results, predictor, first)


def _as_result(results: list, predictor: StagedPredictor, first_run) -> dict:
    from eternal.predict_gas import stage_profile

    return {"outputs": [outputs for outputs, _, _ in results],
            "argmax": [int(np.argmax(outputs[0])) for outputs, _, _ in results],
            "gas": [gas for _, gas, _ in results], "stages": [stages for _, _, stages in results],
            "call_gas_cap": predictor.cap,
            "profile": stage_profile(first_run, predictor.topology) if first_run is not None else None}


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


def print_profile(profile: dict) -> None:
    """The measured gas per layer of one sample, as a table that adds up to the whole."""
    from rich.console import Console
    from rich.table import Table

    calls = profile["calls"]
    table = Table(title=f"Gas of predict on sample 0, per layer (runStage's gasUsed; {calls} call{'s' * (calls > 1)})")
    for name in ("layer", "type", "gas", "share"):
        table.add_column(name, justify="right" if name in ("gas", "share") else "left")
    rows = [(layer["name"], layer["class_name"], layer["gas"]) for layer in profile["layers"] if layer["gas"]]
    for name, kind, gas in rows + [("model", "per call: 21,000, calldata, graph walk, tensors", profile["model_gas"])]:
        table.add_row(name, kind, f"{gas:,}", f"{gas / profile['gas']:.1%}")
    table.add_row("predict", "", f"{profile['gas']:,}", "100%", style="bold")
    Console().print(table)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("address", help="the EternalModel address")
    parser.add_argument("--input", action="append", required=True, help=".npy file: one sample or a batch (repeat per model input)")
    parser.add_argument("--rpc-url", default=default_rpc_url())
    parser.add_argument("--json", action="store_true",
                        help='print {"outputs", "argmax", "gas", "stages", "call_gas_cap", "samples", "complete"} '
                             "(complete: false after Ctrl-C)")
    parser.add_argument("--profile", action="store_true",
                        help="also print the gas of each layer on the first sample (with --json: \"profile\")")
    parser.add_argument("--call-gas-cap", type=int, metavar="GAS",
                        help="the gas one eth_call may use (default: the node's: Hardhat 16,777,216, anvil its block "
                             "gas limit, others the block gas limit or 50M); the model runs in as many calls as it needs")
    from eternal.jobs.command import add_arguments as add_job_arguments  # --on-chain: eternal.jobs

    add_job_arguments(parser)


def run(args) -> int:
    from rich.console import Console

    console = Console(stderr=True) if sys.stderr.isatty() else None
    w3, arrays = connect(args.rpc_url), load_inputs(args.input)
    if args.on_chain:  # by transactions, one job per sample (eternal.jobs)
        from eternal.jobs.command import run_jobs

        signature = model_signature(open_model(w3, args.address))
        return run_jobs(args, as_batches(arrays, signature["input_shapes"], signature["input_names"],
                                         signature["frac_bits"]), signature)
    try:
        result = predict(w3, args.address, arrays, console=console, call_gas_cap=args.call_gas_cap)
        complete, samples = True, len(result["outputs"])
    except PredictInterrupted as interrupted:
        result, complete, samples = interrupted.result, False, interrupted.samples
    single = all(len(sample) == 1 for sample in result["outputs"])
    outputs = [
        (sample[0].ravel().tolist() if single else [o.ravel().tolist() for o in sample]) for sample in result["outputs"]
    ]
    profile = result["profile"] if args.profile else None
    if args.json:
        print(json.dumps({"outputs": outputs, "argmax": result["argmax"], "gas": result["gas"], "stages": result["stages"],
                          "call_gas_cap": result["call_gas_cap"], "samples": samples, "complete": complete,
                          **({"profile": profile} if profile else {})}), flush=True)
    else:
        for n, (values, top, gas, stages) in enumerate(zip(outputs, result["argmax"], result["gas"], result["stages"])):
            shown = np.array2string(np.asarray(values), precision=6, max_line_width=120) if single else str(values)
            calls = f" in {len(stages)} calls" if len(stages) > 1 else ""
            print(f"sample {n}: argmax {top}  gas {gas:,}{calls}  outputs {shown}")
        if profile:
            print_profile(profile)
    if not complete:
        print(f"error: interrupted after {len(outputs)} of {samples} samples (those are printed)", file=sys.stderr)
        return INTERRUPTED_EXIT_CODE
    return 0


if __name__ == "__main__":
    from eternal.cli import run_module  # the entry shim only; commands never import the CLI

    sys.exit(run_module("predict"))
