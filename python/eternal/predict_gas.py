"""The gas of one ``predict``, per layer, and what it means under the chain's limits.

``profile_predict(w3, address, inputs)`` measures one sample on a node that traces calls
(anvil, geth, reth: ``debug_traceCall`` with the ``callTracer``): the whole ``predict`` is
traced once and each layer's figure is the gas of its ``forward`` call inside it, so the
figures and the model's own share (walking the graph, copying tensors, the transaction's
21,000 and calldata) add up to the measured whole exactly. ``stage_profile`` gives the
same table for a staged ``eternal predict`` run (any node), from the ``gasUsed`` per layer
its ``runStage`` calls return; ``simulate_stages`` runs one sample as ``eternal predict``
would under a given call gas cap.

``measure_exports(exports, inputs)`` does that on a private anvil it starts itself, for
``plan``: nothing reaches the user's chain; each sample is also run staged under each cap
of :data:`CAPS`.
"""

from __future__ import annotations

import json
import tempfile

from eternal.chain import TX_GAS_CAP
from eternal.errors import ChainError, TransactionFailed
from eternal.stage_calls import HARDHAT_CALL_BUDGET, RPC_CALL_CAP

CAPS = {"transaction": (TX_GAS_CAP, TX_GAS_CAP), "hardhat_call": (TX_GAS_CAP, HARDHAT_CALL_BUDGET),
        "call_50m": (RPC_CALL_CAP, RPC_CALL_CAP)}
"""Where a ``predict`` may run -> (its gas cap, the budget its steps are planned to): one
transaction (EIP-7825), ``eternal predict`` on Hardhat's node (its ``eth_call`` held to the
transaction cap under osaka, steps planned to half of it: the node's memory grows with a
call's gas), a 50M ``eth_call`` (geth, reth)."""
CAP_LABELS = {"transaction": "one transaction", "hardhat_call": "Hardhat eth_call", "call_50m": "50M eth_call"}
SIMULATION_GAS_LIMIT = 1_000_000_000  # the private anvil's block gas limit: any predict fits one call


def profile_predict(w3, address: str, inputs: list[list[int]]) -> dict:
    """Traces one sample's ``predict`` on the node at ``w3``; sends no transaction.

    Args:
        inputs: the sample's fixed-point ints, one flat list per model input.

    Returns:
        ``{"gas": what a transaction calling predict uses, "model_gas": the model's own
        share, "method": "trace", "layers": [{"index", "name",
        "class_name", "gas"}]}`` with one entry per layer in graph order
        (inputs and identity layers: gas 0).

    Raises:
        TransactionFailed: ``predict`` reverted.
        ChainError: the node does not trace calls.
    """
    from eternal.chain import open_model

    model = open_model(w3, address)
    graph = json.loads(bytes(model.functions.graph().call()).decode("utf-8"))
    call = {"to": model.address, "data": model.functions.predict(inputs)._encode_transaction_data()}
    layers = [{"index": n, "name": layer["name"], "class_name": layer["class_name"], "gas": 0}
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
    clones = {a.lower() for a in addresses if int(a, 16)}
    # A layer's call goes to its clone (models deployed before this change, 2026-11-30), or straight to the
    # clone's implementation with the clone's address as the calldata's last word.
    forwards = [c for c in trace.get("calls", [])
                if c["to"].lower() in clones or "0x" + c.get("input", "")[-40:].lower() in clones]
    run = [n for n, address in enumerate(addresses) if int(address, 16) and n not in graph["inputs"]]
    if len(forwards) != len(run):
        raise TransactionFailed(f"the trace of predict holds {len(forwards)} layer calls, the model has {len(run)} layers")
    for n, traced in zip(run, forwards):
        layers[n]["gas"] = int(traced["gasUsed"], 16)
    return int(trace["gasUsed"], 16)


def simulate_stages(w3, address: str, graph: dict, inputs: list[list[int]], cap: int,
                    budget: int | None = None) -> dict:
    """How ``eternal predict`` runs one sample under a call gas cap of ``cap`` (its steps
    planned to ``budget``, default the cap): the same staged predictor, on the node at
    ``w3`` (calls only). The sample runs twice: the first
    run learns the plan (:meth:`eternal.stages.StagedPredictor.first`), the second shows it.

    Returns:
        ``{"cap", "budget", "fits" (one call), "stages" (calls per sample, None when one element of
        a layer does not fit), "slices" (calls that run part of a layer), "gas" (the calls'
        total as transactions), "steps": [{"layers": [first, stop]} or {"layer", "slice"},
        each with "gas"], "note"}``.
    """
    from eternal.chain import open_model
    from eternal.errors import CallGasCapError
    from eternal.stages import staged_predictor
    from eternal.tensorpack import pack

    packed = [pack(values) for values in inputs]
    predictor = staged_predictor(w3, open_model(w3, address), graph, cap, budget)
    try:
        predictor.first(packed)
        run = predictor.run([1], [packed])[0]
    except CallGasCapError as exc:
        return {"cap": cap, "budget": predictor.budget, "fits": False, "stages": None, "slices": None, "gas": None,
                "steps": [], "note": str(exc)}
    steps = [{**step.describe(), "gas": gas} for step, gas in run.steps]
    return {"cap": cap, "budget": predictor.budget, "fits": len(steps) == 1, "stages": len(steps),
            "slices": sum(1 for step in steps if "slice" in step), "gas": run.gas, "steps": steps, "note": None}


def stages_summary(stages: dict) -> str:
    """One cell of text: "fits", "N calls (M slices), G gas", or why it cannot run."""
    if stages["fits"]:
        return "fits"
    if stages["stages"] is None:
        return stages["note"]
    slices = f" ({stages['slices']} slices)" if stages["slices"] else ""
    return f"{stages['stages']} calls{slices}, {stages['gas']:,} gas"


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
            by_cap = {limits: simulate_stages(w3, address, export["graph"], sample, *limits)
                      for limits in set(CAPS.values())}
            profile["stages"] = {name: by_cap[limits] for name, limits in CAPS.items()}
            profiles.append(profile)
    return profiles
