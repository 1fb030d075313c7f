"""The gas of one ``predict``, per layer, and what it means under the chain's limits.

``profile_predict(w3, address, inputs)`` measures one sample on a node that traces calls
(anvil, geth, reth: ``debug_traceCall`` with the ``callTracer``): the whole ``predict`` is
traced once and each layer's figure is the gas of its ``forward`` call inside it, so the
figures and the model's own share (walking the graph, copying tensors, the transaction's
21,000 and calldata) add up to the measured whole exactly. ``stage_profile`` gives the
same table for a staged ``eternal predict`` run (any node), from the ``gasUsed`` per layer
its ``runStage`` calls return.

``measure_exports(exports, inputs)`` does that on a private anvil it starts itself, for
``plan``: nothing reaches the user's chain. ``stage_plan`` packs per-layer figures into
stages under a gas cap (:data:`CAPS`).
"""

from __future__ import annotations

import json
import tempfile

from eth_abi import decode, encode

from eternal.chain import TX_GAS_CAP
from eternal.errors import ChainError, TransactionFailed

RPC_CALL_CAP = 50_000_000  # geth's and reth's default RPC gas cap for eth_call
CAPS = {"transaction": TX_GAS_CAP, "hardhat_call": TX_GAS_CAP, "call_50m": RPC_CALL_CAP}
"""Where a ``predict`` may run -> its gas cap: one transaction (EIP-7825), Hardhat's
``eth_call`` (held to the transaction cap under osaka), a 50M ``eth_call`` (geth, reth)."""
CAP_LABELS = {"transaction": "one transaction", "hardhat_call": "Hardhat eth_call", "call_50m": "50M eth_call"}
SIMULATION_GAS_LIMIT = 1_000_000_000  # the private anvil's block gas limit: any predict fits one call


def calldata_gas(data: bytes) -> int:
    """Calldata's intrinsic gas: 16 per non-zero byte, 4 per zero byte."""
    zeros = data.count(0)
    return 4 * zeros + 16 * (len(data) - zeros)


def carried_gas(values: list[int]) -> int:
    """The calldata gas of one tensor handed to a call as an ``int256[]`` (a stage's input)."""
    return calldata_gas(encode(["int256[]"], [values]))


def profile_predict(w3, address: str, inputs: list[list[int]]) -> dict:
    """Traces one sample's ``predict`` on the node at ``w3``; sends no transaction.

    Args:
        inputs: the sample's fixed-point ints, one flat list per model input.

    Returns:
        ``{"gas": what a transaction calling predict uses, "model_gas": the model's own
        share, "method": "trace", "layers": [{"index", "name",
        "class_name", "gas", "carry_gas"}]}`` with one entry per layer in graph order
        (inputs and identity layers: gas 0). ``carry_gas`` is the calldata gas of the
        layer's output handed to a later stage.

    Raises:
        TransactionFailed: ``predict`` reverted.
        ChainError: the node does not trace calls.
    """
    from eternal.chain import open_model

    model = open_model(w3, address)
    graph = json.loads(bytes(model.functions.graph().call()).decode("utf-8"))
    call = {"to": model.address, "data": model.functions.predict(inputs)._encode_transaction_data()}
    layers = [{"index": n, "name": layer["name"], "class_name": layer["class_name"], "gas": 0, "carry_gas": 0}
              for n, layer in enumerate(graph["layers"])]
    addresses = model.functions.layers().call()
    answer = w3.provider.make_request("debug_traceCall", [call, "latest", {"tracer": "callTracer"}])
    if "result" not in answer:
        raise ChainError(f"The node does not trace calls (debug_traceCall with callTracer: {answer.get('error')})")
    total = _from_trace(answer["result"], graph, addresses, layers, inputs)
    return {"gas": total, "model_gas": total - sum(layer["gas"] for layer in layers), "method": "trace",
            "layers": layers}


def stage_profile(run, topology) -> dict:
    """A staged sample's gas per layer (:class:`eternal.stages.SampleRun`): each layer's
    ``gasUsed`` (a sliced layer: its slices' sum), and the model's own share of its calls
    (each call's 21,000, calldata, graph walk and tensor packing), which add up to its gas.

    Returns:
        ``{"gas", "model_gas", "method": "stages", "calls", "layers": [{"index", "name",
        "class_name", "gas"}]}``, one entry per layer in graph order (inputs and identity
        layers: gas 0).
    """
    layers = [{"index": n, "name": topology.names[n], "class_name": topology.class_names[n],
               "gas": run.layer_gas.get(n, 0)} for n in range(topology.count)]
    return {"gas": run.gas, "model_gas": run.gas - sum(layer["gas"] for layer in layers), "method": "stages",
            "calls": len(run.steps), "layers": layers}


def _from_trace(trace: dict, graph: dict, addresses: list[str], layers: list[dict], inputs) -> int:
    if trace.get("error"):
        raise TransactionFailed(f"predict reverted in the trace: {trace.get('revertReason') or trace['error']}")
    forwards = [c for c in trace.get("calls", []) if c["to"].lower() in {a.lower() for a in addresses if int(a, 16)}]
    run = [n for n, address in enumerate(addresses) if int(address, 16) and n not in graph["inputs"]]
    if len(forwards) != len(run):
        raise TransactionFailed(f"the trace of predict holds {len(forwards)} layer calls, the model has {len(run)} layers")
    for n, traced in zip(run, forwards):
        layers[n]["gas"] = int(traced["gasUsed"], 16)
        layers[n]["carry_gas"] = carried_gas(list(decode(["int256[]"], bytes.fromhex(traced["output"][2:]))[0]))
    _carry_given_and_identity(graph, addresses, layers, inputs)
    return int(trace["gasUsed"], 16)


def _carry_given_and_identity(graph: dict, addresses: list[str], layers: list[dict], inputs) -> None:
    for k, n in enumerate(graph["inputs"]):
        layers[n]["carry_gas"] = carried_gas(list(inputs[k]))
    for n, layer in enumerate(graph["layers"]):
        if not int(addresses[n], 16) and n not in graph["inputs"]:  # an identity layer passes its source on
            layers[n]["carry_gas"] = layers[layer["inbound"][0][0]]["carry_gas"]


def stage_plan(layers: list[dict], model_gas: int, cap: int, inbound: list[list[int]] | None = None) -> dict:
    """Consecutive layers packed greedily into stages of at most ``cap`` gas.

    A stage costs the model's own share (``model_gas``: walking the graph, the calls, the
    transaction) plus its layers plus, after the first, the calldata of the tensors it is
    handed: the outputs of earlier layers that it or a later stage reads (``inbound``: each
    layer's source indices; without it, the previous layer's output).

    Returns:
        ``{"cap", "fits" (the whole predict in one call), "stages" (count, or None when a
        layer alone is over the cap), "ranges": [[first, last, gas]], "needs_slicing":
        [{"index", "name", "gas"}]}``.
    """
    whole = model_gas + sum(layer["gas"] for layer in layers)
    if inbound is None:
        inbound = [[n - 1] if n else [] for n in range(len(layers))]

    def carried(start: int) -> int:
        if start == 0:
            return 0
        live = {j for k in range(start, len(layers)) for j in inbound[k] if j < start}
        return sum(layers[j]["carry_gas"] for j in live)

    ranges, slicing, first, gas = [], [], 0, model_gas
    for n, layer in enumerate(layers):
        alone = model_gas + carried(n) + layer["gas"]
        if alone > cap:
            slicing.append({"index": n, "name": layer["name"], "gas": alone})
        if n > first and gas + layer["gas"] > cap:
            ranges.append([first, n - 1, gas])
            first, gas = n, model_gas + carried(n)
        gas += layer["gas"]
    if layers:
        ranges.append([first, len(layers) - 1, gas])
    return {"cap": cap, "fits": whole <= cap, "stages": None if slicing else len(ranges),
            "ranges": [] if slicing else ranges, "needs_slicing": slicing}


def predict_stages(profile: dict, inbound: list[list[int]] | None = None) -> dict:
    """:func:`stage_plan` of a profile under each of :data:`CAPS`."""
    return {name: stage_plan(profile["layers"], profile["model_gas"], cap, inbound) for name, cap in CAPS.items()}


def stages_summary(stages: dict) -> str:
    """One cell of text: "fits", "N stages", or the layer that needs slicing."""
    if stages["fits"]:
        return "fits"
    if stages["stages"] is None:
        worst = max(stages["needs_slicing"], key=lambda entry: entry["gas"])
        return f"layer {worst['name']} alone needs {worst['gas']:,} gas: needs slicing"
    return f"{stages['stages']} stages"


def measure_exports(exports: list[dict], inputs: list[list[list[int]]]) -> list[dict]:
    """Each export's :func:`profile_predict` on ``inputs[k]``, measured on a private anvil
    started (and stopped) here, with a journal in a temporary folder. Sends transactions,
    but only to that private node.

    Raises:
        NodeError: anvil is not installed or did not start.
        TransactionFailed: a deployment or a ``predict`` failed there.
    """
    from eternal.chain import connect
    from eternal.deploy import ModelDeployer
    from eternal.node import AnvilNode

    profiles = []
    with AnvilNode(gas_limit=SIMULATION_GAS_LIMIT) as node, tempfile.TemporaryDirectory() as journal:
        deployer = ModelDeployer(node.url, journal_dir=journal, quiet=True)
        w3 = connect(node.url)
        for export, sample in zip(exports, inputs):
            address = deployer.deploy_model(export).address
            profile = profile_predict(w3, address, sample)
            profile["stages"] = predict_stages(profile, [[ref[0] for ref in layer["inbound"]]
                                                        for layer in export["graph"]["layers"]])
            profiles.append(profile)
    return profiles
