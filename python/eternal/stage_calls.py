"""One step of a staged predict for several samples: ``runStage``/``runSlice``/``runWindow`` by ``eth_call``.

Each call carries ``gas`` = the node's call gas cap (:func:`call_gas_cap`) and only the
packed tensors its step reads (a slice of a layer that takes windows: only the windows of
them it reads, ``runWindow``); a group of samples' calls go in one JSON-RPC batch
(:class:`eternal.predict_batch.RpcBatch`). An answer is sorted into what it means:

- a result: the step's tensors and each layer's ``gasUsed``;
- out of gas: the message says so (Hardhat "Transaction ran out of gas", "requires at
  least N gas"; anvil "OutOfGas", "MemoryOOG"), or the call reverted with no data at
  all. Every revert in our contracts carries a custom error, so an empty one is a
  layer's own call running out of its 63/64 of the gas, which the model passes on;
- a revert with data: the contract refused the sample (decoded, e.g. ``DenseInputTooLarge``).

A step's gas as a transaction is what the contract reports for its layers plus the
21,000 base, the calldata, and the model's own share (:mod:`eternal.stage_gas`): no
extra request per sample.
"""

from __future__ import annotations

import re

from eth_abi import decode, encode
from eth_utils.abi import function_abi_to_4byte_selector

from eternal.chain import TX_GAS_CAP, decode_revert
from eternal.errors import ChainError, UsageError
from eternal.deploy.gas import calldata_gas
from eternal.stage_gas import TX_BASE_GAS, CallShape, own_share
from eternal.stage_plan import Slice, Stage, Step, Topology
from eternal.stage_run import Outcome
from eternal.tensorpack import window

RPC_CALL_CAP = 50_000_000  # geth's and reth's default RPC gas cap (--rpc.gascap)
# Hardhat's node records a trace of every step of a call, ~0.6 GB per million gas while it runs:
# LeNet's 16.7M-gas calls took ~10 GB each (the node reached 14 GB), at half the cap 5.6 GB and
# half the time. There, steps are planned to this budget (one that cannot be cut smaller, such as
# one element of a big Dense layer, still gets the whole cap) unless --call-gas-cap is given.
HARDHAT_CALL_BUDGET = TX_GAS_CAP // 2
WORD = 32
OUT_OF_GAS = re.compile(r"out of gas|outofgas|memoryoog|ran out of gas|requires at least|intrinsic gas", re.IGNORECASE)
NEEDS = re.compile(r"requires at least (\d+) gas")


def call_gas_cap(w3) -> tuple[int, int, str]:
    """The gas an ``eth_call`` may carry on this node, the gas a planned step should stay
    within, and where the figures come from.

    Hardhat (osaka) holds every call to the transaction cap, 16,777,216, and its steps are
    planned to :data:`HARDHAT_CALL_BUDGET` (its memory grows with a call's gas); anvil holds
    calls to its block gas limit; any other node is taken at the smaller of its block gas
    limit and 50M (geth's and reth's default ``--rpc.gascap``). Elsewhere the budget is the cap.
    """
    try:
        version = str(w3.provider.make_request("web3_clientVersion", []).get("result") or "")
        limit = int(w3.eth.get_block("latest")["gasLimit"])
    except Exception as exc:  # connection, HTTP, JSON or a missing field: the node did not answer as one
        raise ChainError(f"The node did not say its client or block gas limit ({type(exc).__name__})") from None
    if version.lower().startswith("hardhat"):
        return TX_GAS_CAP, HARDHAT_CALL_BUDGET, "Hardhat's transaction cap"
    if version.lower().startswith("anvil"):
        return limit, limit, "anvil's block gas limit"
    cap = min(limit, RPC_CALL_CAP)
    return cap, cap, "the block gas limit or 50M, the smaller"


def takes_windows(w3, model) -> bool:
    """Whether the model has ``runWindow`` (models deployed before it do not): a call that
    cannot succeed, ``runWindow(0, 0, 1, [], [], [])``, reverts with a custom error from a
    model that has it, with no data at all from one that does not (no such function)."""
    data = "0x" + (function_abi_to_4byte_selector(next(item for item in model.abi if item.get("name") == "runWindow"))
                   + encode(["uint256", "uint256", "uint256", "uint256[]", "uint256[]", "bytes[]"], [0, 0, 1, [], [], []])).hex()
    answer = w3.provider.make_request("eth_call", [{"to": model.address, "data": data}, "latest"])
    error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
    revert = error.get("data")
    if isinstance(revert, dict):  # Hardhat nests the revert data one level down
        revert = revert.get("data")
    return "error" not in answer or (isinstance(revert, str) and len(revert) >= 10)


class StageCalls:
    """Runs one step for several samples in one JSON-RPC batch; sends no transaction.

    Args:
        model: the EternalModel (web3 contract: its address and ABI).
        batch: sends a list of JSON-RPC requests, answers in order.
        cap: the gas each call carries.
        frac_bits: the activations' fraction bits (to explain ``DenseInputTooLarge``).
        walk_gas: the model's walk (:func:`eternal.stage_gas.walk_gas`).
    """

    def __init__(self, model, topology: Topology, batch, cap: int, frac_bits: int, walk_gas: int):
        functions = {item["name"]: item for item in model.abi if item.get("type") == "function"}
        self._selectors = {name: function_abi_to_4byte_selector(functions[name]) for name in ("runStage", "runSlice", "runWindow")}
        self._address, self._topology, self._batch, self.cap = model.address, topology, batch, cap
        self._frac_bits, self._walk_gas = frac_bits, walk_gas

    def run(self, step: Step, stores: list[dict[int, bytes]], gas: int | None = None) -> list[Outcome]:
        """``step`` on each sample's tensors (by canonical id), one outcome per sample, each
        call carrying ``gas`` (default: the cap)."""
        ids = self._topology.reads(step)
        calls = [self.calldata(step, ids, [store[i] for i in ids]) for store in stores]
        answers = self._batch.send([("eth_call", [{"to": self._address, "data": "0x" + data.hex(), "gas": hex(gas or self.cap)},
                                                  "latest"]) for data in calls])
        return [self._outcome(step, data, answer) for data, answer in zip(calls, answers)]

    def calldata(self, step: Step, ids: list[int], tensors: list[bytes]) -> bytes:
        """The call of ``step`` on ``tensors`` (packed, canonical ids ``ids``): a slice whose
        layer takes windows gets only the windows it reads (cut from the packed bytes)."""
        windows = self._topology.windows(step) if isinstance(step, Slice) else None
        if windows is not None:
            held = dict(zip(ids, tensors))
            sources = self._topology.sources[step.layer]
            cut = [window(held[s], self._topology.sizes[s], lo, hi) for s, (lo, hi) in zip(sources, windows)]
            return self._window_call(step, windows, cut)
        if isinstance(step, Slice):
            return self._selectors["runSlice"] + encode(["uint256", "uint256", "uint256", "uint256[]", "bytes[]"],
                                                        [step.layer, step.start, step.end, ids, tensors])
        return self._selectors["runStage"] + encode(["uint256", "uint256", "uint256[]", "bytes[]"],
                                                    [step.first, step.stop, ids, tensors])

    def _window_call(self, step: Slice, windows: list[tuple[int, int]], cut: list[bytes]) -> bytes:
        sizes = [self._topology.sizes[s] for s in self._topology.sources[step.layer]]
        return self._selectors["runWindow"] + encode(["uint256", "uint256", "uint256", "uint256[]", "uint256[]", "bytes[]"],
                                                     [step.layer, step.start, step.end, [lo for lo, _ in windows], sizes, cut])

    def transaction_gas(self, step: Step, data: bytes, used: int, packed: list[int], returned: int,
                        return_bytes: int) -> int:
        """A call's gas as a transaction: its layers' ``used`` gas, 21,000, its calldata, and
        the model's own share for the tensors it was handed, ``packed`` (the ids of those
        it computed and gave back), ``returned`` tensors in all, and its answer's size."""
        top = self._topology
        handed = top.reads(step)
        windows = top.windows(step) if isinstance(step, Slice) else None
        elements = sum(top.sizes[i] for i in handed) if windows is None else sum(hi - lo for lo, hi in windows)
        running = [step.layer] if isinstance(step, Slice) else top.run_layers(step.first, step.stop)
        shape = CallShape(
            handed_elements=elements, handed_tensors=len(handed) if windows is None else len(windows),
            packed_elements=step.end - step.start if isinstance(step, Slice) else sum(top.sizes[i] for i in packed),
            returned_tensors=returned, passed_on=0 if isinstance(step, Slice) else returned - len(packed),
            return_bytes=return_bytes, running_layers=len(running), sources=sum(len(top.sources[n]) for n in running),
            end=step.layer + 1 if isinstance(step, Slice) else step.stop, stage=isinstance(step, Stage),
            windows=0 if windows is None else len(windows))
        return TX_BASE_GAS + calldata_gas(data) + used + own_share(shape, self._walk_gas, top.count)

    def overhead(self, step: Step, lengths: list[int]) -> int:
        """What a call of ``step`` costs besides its layers, at most, for tensors handed in
        of these packed ``lengths`` (every byte taken as non-zero, and as wide as the widest
        handed in for the tensors it returns)."""
        top = self._topology
        ids = top.reads(step)
        width = max([(n - 1) // max(1, top.sizes[i]) for n, i in zip(lengths, ids)] + [1])
        windows = top.windows(step) if isinstance(step, Slice) else None
        if windows is None:
            data = self.calldata(step, ids, [b"\xff" * n for n in lengths])
        else:
            widths = {i: (n - 1) // max(1, top.sizes[i]) for n, i in zip(lengths, ids)}
            data = self._window_call(step, windows, [b"\xff" * (1 + widths[s] * (hi - lo))
                                                      for s, (lo, hi) in zip(top.sources[step.layer], windows)])
        if isinstance(step, Slice):
            packed, returned, answer = [], 1, 4 * WORD + 1 + width * (step.end - step.start)
        else:
            packed = [i for i in top.returns(step) if i >= step.first and top.runnable[i]]
            returned = len(top.returns(step))
            answer = WORD * (6 + 3 * returned + (step.stop - step.first)) + sum(
                1 + width * top.sizes[i] for i in top.returns(step))
        return self.transaction_gas(step, data, 0, packed, returned, answer)

    def _outcome(self, step: Step, data: bytes, answer: dict) -> Outcome:
        if "error" not in answer:
            return self._result(step, data, bytes.fromhex(answer["result"][2:]))
        error = answer["error"] if isinstance(answer.get("error"), dict) else {"message": str(answer.get("error"))}
        message = str(error.get("message") or "")
        revert = error.get("data")
        if isinstance(revert, dict):  # Hardhat nests the revert data one level down
            revert = revert.get("data")
        if isinstance(revert, str) and len(revert) >= 10:
            return Outcome(ok=False, reason=self._explain(decode_revert(revert)))
        if "greater than the cap" in message or "exceeds the cap" in message.lower():
            raise UsageError(f"The node refuses calls of {self.cap:,} gas ({message}); pass a smaller --call-gas-cap")
        if OUT_OF_GAS.search(message) or revert in (None, "0x", "") and "revert" in message.lower():
            needs = NEEDS.search(message)
            return Outcome(ok=False, out_of_gas=True, needs=int(needs.group(1)) if needs else None,
                           intrinsic=bool(re.search(r"requires at least|intrinsic gas", message, re.IGNORECASE)))
        return Outcome(ok=False, reason=f"the node refused the call: {message.splitlines()[0][:300] if message else error}")

    def _explain(self, reason: str) -> str:
        if reason.startswith("DenseInputTooLarge"):
            return (f"a Dense layer's inputs sum past 2^{95 - self._frac_bits} in absolute value ({reason}), where its "
                    "exact kernel stops; scale the inputs down (README: accepted inputs)")
        return reason

    def _result(self, step: Step, data: bytes, raw: bytes) -> Outcome:
        if isinstance(step, Slice):
            packed, size, used = decode(["bytes", "uint256", "uint256"], raw)
            if size != self._topology.sizes[step.layer]:
                raise ChainError(f"runSlice says layer {step.layer} has {size} elements; the graph says "
                                 f"{self._topology.sizes[step.layer]}")
            return Outcome(ok=True, tensors={step.layer: bytes(packed)}, layer_gas={step.layer: used},
                           gas=self.transaction_gas(step, data, used, [], 1, len(raw)))
        ids, tensors, used = decode(["uint256[]", "bytes[]", "uint256[]"], raw)
        if len(used) != step.stop - step.first:
            raise ChainError(f"runStage({step.first}, {step.stop}) returned {len(used)} gas figures for "
                             f"{step.stop - step.first} layers: not the staged-inference API")
        layer_gas = {step.first + k: gas for k, gas in enumerate(used) if self._topology.runnable[step.first + k]}
        computed = [i for i in ids if i >= step.first and self._topology.runnable[i]]
        return Outcome(ok=True, tensors={int(i): bytes(t) for i, t in zip(ids, tensors)}, layer_gas=layer_gas,
                       gas=self.transaction_gas(step, data, sum(used), computed, len(ids), len(raw)))
