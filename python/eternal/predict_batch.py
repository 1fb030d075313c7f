"""Many ``predict`` calls at once: JSON-RPC batches of samples, a few batches in flight.

Measured on the digits CNN (1.16M gas per sample) and anvil, 2 cores: one sample per
request costs ~2 ms of client CPU per sample (the HTTP round trip), 16 per request
~0.3 ms, and 360 samples take ~1 s instead of ~2 s. A request holds as many samples
as the node runs in about :data:`REQUEST_SECONDS` (timed on the first sample), so a
slow node or a big model still gets one sample per request and a moving progress bar.
"""

from __future__ import annotations

import queue
import threading

import numpy as np
from eth_abi import decode, encode
from eth_utils.abi import function_abi_to_4byte_selector, get_abi_input_types, get_abi_output_types

from eternal.chain import revert_reason
from eternal.errors import TransactionFailed
from eternal.fixedpoint import from_fixed, to_fixed

CONCURRENT_REQUESTS = 4  # requests in flight: anvil runs them on all cores while the client encodes the next
MAX_SAMPLES_PER_REQUEST = 16  # past this the client's share of the time stops shrinking
REQUEST_SECONDS = 0.5  # the node time one request may hold: the progress bar moves at least this often


def samples_per_request(first_call_seconds: float) -> int:
    """How many samples one request carries, from the time the first sample took."""
    return int(max(1, min(MAX_SAMPLES_PER_REQUEST, REQUEST_SECONDS // max(first_call_seconds, 1e-6))))


class SampleCalls:
    """Samples' ``predict`` on the node: their outputs and, with ``with_gas``, their gas.

    Where the node has ``eth_simulateV1`` (anvil, geth, reth) one call gives both the
    output and the gas a transaction calling ``predict`` uses; elsewhere (Hardhat)
    ``eth_call`` gives the output and ``eth_estimateGas`` the gas. Calldata is encoded
    with eth-abi and sent through the web3 provider's own session, several samples in
    one JSON-RPC batch: web3's contract call path spends ~25 ms of Python per sample on
    ABI matching and result formatting, 10x the node's time on anvil. A failing sample
    is rerun through web3 so its error reads as every other command's.
    """

    def __init__(self, model, batches: list[np.ndarray], signature: dict, with_gas: bool):
        abi = next(item for item in model.abi if item.get("type") == "function" and item["name"] == "predict")
        self._model, self._provider, self._batches = model, model.w3.provider, batches
        self._selector = function_abi_to_4byte_selector(abi)
        self._input_types, self._output_types = get_abi_input_types(abi), get_abi_output_types(abi)
        self._signature, self._with_gas = signature, with_gas
        self.simulate = with_gas  # cleared for good when the node refuses eth_simulateV1
        self.batch_requests = True  # cleared for good when the node refuses a JSON-RPC batch

    def __call__(self, samples: range) -> list[tuple[list[np.ndarray], int | None]]:
        """Each sample's outputs (float arrays, one per model output) and gas (or None).

        Raises:
            TransactionFailed: a call reverted (the first such sample of ``samples``).
        """
        frac = self._signature["frac_bits"]
        fixed = [[to_fixed(batch[n], frac) for batch in self._batches] for n in samples]
        calls = [{"to": self._model.address, "data": "0x" + (self._selector + encode(self._input_types, [f])).hex()}
                 for f in fixed]
        simulate = self.simulate
        answers = self._send([request for call in calls for request in self._requests(call, simulate)])
        if simulate and any("error" in answer for answer in answers):
            self.simulate = simulate = False  # no eth_simulateV1 here: eth_call and eth_estimateGas from now on
            answers = self._send([request for call in calls for request in self._requests(call, simulate)])
        per_sample = len(answers) // len(calls)
        results = []
        for k, n in enumerate(samples):
            raw, gas = self._read(n, fixed[k], answers[k * per_sample:(k + 1) * per_sample], simulate)
            values = decode(self._output_types, bytes.fromhex(raw[2:]))[0]
            results.append(([from_fixed(v, frac, shape) for v, shape in zip(values, self._signature["output_shapes"])],
                            gas))
        return results

    def _requests(self, call: dict, simulate: bool) -> list[tuple[str, list]]:
        if simulate:
            return [("eth_simulateV1", [{"blockStateCalls": [{"calls": [call]}]}, "latest"])]
        return [("eth_call", [call, "latest"])] + ([("eth_estimateGas", [call])] if self._with_gas else [])

    def _send(self, requests: list[tuple[str, list]]) -> list[dict]:
        """The answers in request order: one JSON-RPC batch, or one request each where
        the node takes no batch."""
        if len(requests) > 1 and self.batch_requests:
            answers = self._provider.make_batch_request(requests)
            if isinstance(answers, list) and len(answers) == len(requests):
                return answers
            self.batch_requests = False
        return [self._provider.make_request(method, params) for method, params in requests]

    def _read(self, n: int, fixed, answers: list[dict], simulate: bool) -> tuple[str, int | None]:
        """Sample ``n``'s return data and gas from its answers, or its error raised."""
        if simulate:
            outcome = answers[0]["result"][0]["calls"][0]
            if int(outcome["status"], 16) != 1:
                self._fail(n, fixed)
            return outcome["returnData"], int(outcome["gasUsed"], 16)
        if "error" in answers[0]:
            self._fail(n, fixed)
        if not self._with_gas:
            return answers[0]["result"], None
        if "error" in answers[1]:
            self._fail(n, fixed, estimate=True)
        return answers[0]["result"], int(answers[1]["result"], 16)

    def _fail(self, n: int, fixed, estimate: bool = False):
        call = self._model.functions.predict(fixed)
        try:
            call.estimate_gas() if estimate else call.call()
            reason = "the node refused the call"
        except Exception as exc:
            reason = revert_reason(exc)
        if reason.startswith("DenseInputTooLarge"):
            frac = self._signature["frac_bits"]
            reason = (f"a Dense layer's inputs sum past 2^{95 - frac} in absolute value ({reason}), where its exact "
                      "kernel stops; scale the inputs down (README: accepted inputs)")
        raise TransactionFailed(f"predict on sample {n} failed: {reason}") from None


def run_concurrently(task, count: int, workers: int):
    """Yields ``(n, task(n))`` for ``n`` in ``range(count)`` as the calls finish, ``workers``
    at a time, started in input order.

    Daemon threads, so Ctrl-C (raised in the caller's thread) leaves at once, calls in
    flight or not. When a call raises, no new one starts, those in flight finish, and
    the error of the lowest failing ``n`` is raised: the one a sequential run meets first.
    """
    pending, finished, stop = queue.Queue(), queue.Queue(), threading.Event()
    for n in range(count):
        pending.put(n)

    def work():
        try:
            while not stop.is_set():
                try:
                    n = pending.get_nowait()
                except queue.Empty:
                    return
                try:
                    finished.put((n, task(n), None))
                except Exception as exc:  # raised in the caller's thread, below
                    stop.set()
                    finished.put((n, None, exc))
        finally:
            finished.put(None)  # this worker has stopped

    running = min(workers, count)
    for k in range(running):
        threading.Thread(target=work, daemon=True, name=f"predict-{k}").start()
    failures = {}
    try:
        while running:
            item = finished.get()
            if item is None:
                running -= 1
            elif item[2] is not None:
                failures[item[0]] = item[2]
            elif not failures:
                yield item[0], item[1]
    finally:
        stop.set()
    if failures:
        raise failures[min(failures)]
