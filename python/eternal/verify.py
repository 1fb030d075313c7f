"""Check a deployed model from the chain alone: every page, every hash, every layer's config.

``python -m eternal.verify ADDRESS [MODEL] [--rpc-url URL] [--json]``: exits non-zero on any mismatch.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field

from eth_utils import keccak
from web3 import Web3

from eternal.chain import STATES, connect, default_rpc_url, open_model
from eternal.errors import EternalError, VerifyError
from eternal.exportfile import export_dict
from eternal.fixedpoint import DEFAULT_PRECISION
from eternal.hashing import canonical_bytes, graph_digest, model_digest, page_hashes, pages_digest
from eternal.weightstream import PAGE_SIZE

ZERO_ADDRESS = "0x" + "00" * 20


@dataclass
class OnChainModel:
    """Everything a model holds on chain, read back."""

    address: str
    chain_id: int
    state: str
    graph_bytes: bytes
    stream: bytes
    page_sizes: list[int]
    page_hashes: list[bytes]
    committed: dict  # graph / weights / model -> hex
    weight_bytes: int
    layers: list[str]
    layer_code: list[bytes]
    inbound: list[list[int]]
    inputs: list[int]
    outputs: list[int]
    # implementation address (lower-case hex) -> the code at its ActivationKernels address
    kernel_code: dict[str, bytes] = field(default_factory=dict)

    @property
    def graph(self) -> dict:
        try:
            return json.loads(self.graph_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise VerifyError(f"Model {self.address}: its stored graph is not UTF-8 JSON") from None

    def export(self) -> dict:
        """The model as an export dict (hashes as committed on chain)."""
        return export_dict(self.graph, self.stream, self.committed)


def read_model(w3: Web3, address: str, finalised: bool = True) -> OnChainModel:
    """Reads a model's graph, pages, hashes and layers (eth_call and eth_getCode only)."""
    model = open_model(w3, address, finalised)
    calls = model.functions
    pages = calls.pages().call()
    stream, sizes = [], []
    for page in pages:
        code = bytes(w3.eth.get_code(page))
        if not code or code[0] != 0:
            raise VerifyError(f"Model {address}: page {page} is not an SSTORE2 data contract")
        stream.append(code[1:])
        sizes.append(len(code) - 1)
    layers = calls.layers().call()
    layer_code = [bytes(w3.eth.get_code(a)) if a != ZERO_ADDRESS else b"" for a in layers]
    implementations = {implementation_of(code) for code in layer_code} - {None}
    return OnChainModel(
        address=model.address,
        chain_id=w3.eth.chain_id,
        state=STATES[calls.state().call()],
        graph_bytes=bytes(calls.graph().call()),
        stream=b"".join(stream),
        page_sizes=sizes,
        page_hashes=[bytes(h) for h in calls.pageHashes().call()],
        committed={"graph": calls.graphHash().call().hex(), "weights": calls.weightsHash().call().hex(),
                   "model": calls.modelHash().call().hex()},
        weight_bytes=calls.weightBytes().call(),
        layers=layers,
        layer_code=layer_code,
        inbound=[list(calls.inbound(i).call()) for i in range(len(layers))],
        inputs=list(calls.inputLayers().call()),
        outputs=list(calls.outputLayers().call()),
        kernel_code={i: bytes(w3.eth.get_code(Web3.to_checksum_address(kernels_address(i)))) for i in implementations},
    )


def implementation_of(code: bytes) -> str | None:
    """The implementation address (lower-case hex) a layer clone's code names; None for other code."""
    from eternal.onchain import CLONE_PREFIX

    if code[:len(CLONE_PREFIX)] != CLONE_PREFIX:
        return None
    return "0x" + code[len(CLONE_PREFIX):len(CLONE_PREFIX) + 20].hex()


def kernels_address(implementation: str) -> str:
    """Where ``implementation`` created its ``ActivationKernels`` (its first creation, nonce 1):
    keccak256(rlp([implementation, 1]))[12:], as ``Activations._kernels`` computes it."""
    return "0x" + keccak(b"\xd6\x94" + bytes.fromhex(implementation[2:]) + b"\x01")[12:].hex()


@dataclass
class Report:
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append((name, bool(ok), detail))
        return ok

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.checks)

    def failures(self) -> list[str]:
        return [f"{name}: {detail}" for name, ok, detail in self.checks if not ok]


def check_model(onchain: OnChainModel, expected: dict | None = None) -> Report:
    """Recomputes every hash from the chain's bytes and checks the layers against the graph."""
    report = Report()
    report.check("state", onchain.state == "Finalised", f"state is {onchain.state}")
    count = len(onchain.page_sizes)
    want_pages = -(-onchain.weight_bytes // PAGE_SIZE)
    report.check("page count", count == want_pages, f"{count} pages stored, {want_pages} expected")
    bad_sizes = [i for i, size in enumerate(onchain.page_sizes) if size != min(PAGE_SIZE, onchain.weight_bytes - i * PAGE_SIZE)]
    report.check("page sizes", not bad_sizes, f"pages {bad_sizes[:5]} have the wrong size")
    # Only the pages the model lists: bytes past them are not the model's.
    digests = page_hashes(onchain.stream[: count * PAGE_SIZE], PAGE_SIZE)
    wrong = [i for i, (a, b) in enumerate(zip(digests, onchain.page_hashes)) if a != b]
    report.check("page hashes", not wrong and len(digests) == len(onchain.page_hashes),
                 f"pages {wrong[:5]} do not match their recorded sha256")
    graph_hash = graph_digest(onchain.graph_bytes)
    weights_hash = pages_digest(digests)
    model_hash = model_digest(graph_hash, weights_hash)
    for name, actual in (("graph", graph_hash), ("weights", weights_hash), ("model", model_hash)):
        report.check(f"{name} hash", actual.hex() == onchain.committed[name],
                     f"recomputed {actual.hex()}, committed {onchain.committed[name]}")
    try:
        graph = onchain.graph
    except VerifyError as exc:
        report.check("graph", False, str(exc))
        return report
    report.check("graph canonical", canonical_bytes(graph) == onchain.graph_bytes, "stored bytes are not the canonical form")
    if report.ok:
        _check_layers(onchain, report)
    if expected is not None:
        report.check("matches MODEL", expected["hashes"]["model"] == onchain.committed["model"],
                     f"MODEL hashes to {expected['hashes']['model']}, the chain holds {onchain.committed['model']}")
    return report


def _check_layers(onchain: OnChainModel, report: Report) -> None:
    """Each layer contract is a clone of a contract of its type, holding the config the graph implies."""
    from eternal.fusion import FUSIONS
    from eternal.onchain import deployment_plan

    try:
        # Planned with every fusion, or deployed before the later ones (eternal.fusion.FUSIONS)?
        plans = [deployment_plan(onchain.export(), FUSIONS[:n]) for n in range(len(FUSIONS), -1, -1)]
        plan = next((plan for plan in plans if not _unlike(plan, onchain)), plans[0])
    except EternalError as exc:
        report.check("layers", False, f"the stored graph cannot be planned: {exc}")
        return
    report.check("layer count", len(plan["layers"]) == len(onchain.layers),
                 f"{len(onchain.layers)} layer contracts, the graph has {len(plan['layers'])}")
    report.check("links", [layer["inbound"] for layer in plan["layers"]] == onchain.inbound
                 and plan["inputs"] == onchain.inputs and plan["outputs"] == onchain.outputs,
                 "inbound, input or output layers differ from the graph")
    bad = _unlike(plan, onchain)
    report.check("layer configs", not bad, f"layers {bad[:5]} are not clones holding their graph config")
    missing = _without_kernels(plan, onchain)
    report.check("activation kernels", not missing,
                 f"layers {missing[:5]} have an extended activation but their implementation's ActivationKernels is not the compiled one")


def _without_kernels(plan: dict, onchain: OnChainModel) -> list[str]:
    """The layers that call their implementation's ActivationKernels (an extended activation, or
    the ELU layer, in an implementation that creates one) where that address holds other code."""
    from eternal.chain import code_hash
    from eternal.deploy.implementations import artifact_code_hash, creates_activation_kernels
    from eternal.extended_activations import EXTENDED_CODES

    wanted = None
    bad = []
    for layer, code in zip(plan["layers"], onchain.layer_code):
        activation = onchain.graph["layers"][layer["index"]]["config"].get("activation")
        if layer["contract"] is None or (activation not in EXTENDED_CODES and layer["class_name"] != "ELU"):
            continue
        if not creates_activation_kernels(layer["contract"]):
            continue
        wanted = wanted or artifact_code_hash("ActivationKernels")
        if code_hash(onchain.kernel_code.get(implementation_of(code) or "", b"")) != wanted:
            bad.append(layer["name"])
    return bad


def _unlike(plan: dict, onchain: OnChainModel) -> list[str]:
    """The layers whose contract is not a clone holding the config ``plan`` gives (or whose
    address is not zero where the plan has no contract)."""
    from eternal.onchain import holds_planned_layer

    return [layer["name"] for layer, address, code in zip(plan["layers"], onchain.layers, onchain.layer_code)
            if not holds_planned_layer(layer, address, code)]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("address", help="the EternalModel address")
    parser.add_argument("model", nargs="?", help="a .keras/.h5 model or export file to compare with")
    parser.add_argument("--precision", help=f"precision to export a Keras MODEL at (default: the chain's, else {DEFAULT_PRECISION})")
    parser.add_argument("--rpc-url", default=default_rpc_url())
    parser.add_argument("--json", action="store_true", help="print one JSON object to stdout")


def run(args) -> int:
    w3 = connect(args.rpc_url)
    onchain = read_model(w3, args.address, finalised=False)
    expected = None
    if args.model:
        from eternal.export import load_model_input

        precision = args.precision
        if precision is None and not str(args.model).endswith(".json"):
            precision = onchain.graph.get("precision", DEFAULT_PRECISION)
        expected = load_model_input(args.model, precision)
    report = check_model(onchain, expected)
    if args.json:
        print(json.dumps({"ok": report.ok, "address": onchain.address, "chain_id": onchain.chain_id,
                          "model_hash": onchain.committed["model"], "pages": len(onchain.page_sizes),
                          "checks": [{"name": n, "ok": ok, **({} if ok else {"detail": d})} for n, ok, d in report.checks]}))
    else:
        for name, ok, detail in report.checks:
            print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}")
        print(f"model {onchain.committed['model']} at {onchain.address}: {'verified' if report.ok else 'MISMATCH'}")
    if not report.ok:
        print(f"error: model at {onchain.address} failed verification: {'; '.join(report.failures())}", file=sys.stderr)
        return VerifyError.exit_code
    return 0


if __name__ == "__main__":
    from eternal.cli import run_module  # the entry shim only; commands never import the CLI

    sys.exit(run_module("verify"))
