"""An export as the arguments of the EternalModel calls (docs/CONTRACTS.md), and back.

``deployment_plan(export)`` is shared by the deployer and the fixture generator:
per layer its implementation contract and ABI config, the links, the graph bytes
in chunks, the weight pages and the committed hashes.
"""

from __future__ import annotations

import json

from eternal.errors import PlanError, UnsupportedLayerError
from eternal.exportfile import export_dict, weight_stream
from eternal.fusion import FUSIONS, deferred_activations, epilogues, merge_epilogues
from eternal.hashing import canonical_bytes, model_hashes
from eternal.layers import lookup
from eternal.weightstream import PAGE_SIZE, split_pages

# Largest graph chunk or page, in bytes (EIP-170 code size minus SSTORE2's STOP byte).
CHUNK_SIZE = PAGE_SIZE


def _fuse(layers: list[dict], found: dict[int, tuple[bytes, list[int]]]) -> None:
    """Applies fusions (``epilogues``, ``merge_epilogues``): each layer's words appended to its
    config, and the layers fused into it left without a contract (identity layers on chain)."""
    for into, (tail, fused) in found.items():
        layers[into]["config"] = compress_config(decompress_config(layers[into]["config"]) + tail)
        for index in fused:
            layers[index].update(contract=None, config=b"", fused_into=into)


def deployment_plan(export: dict, fusions: tuple[str, ...] = FUSIONS) -> dict:
    """The EternalModel calls' arguments for an export dict.

    Args:
        fusions: which of :data:`eternal.fusion.FUSIONS` to apply: ``"epilogues"`` (BatchNormalization
            and ReLU layers inside the convolution before them), ``"deferred_activations"`` (an
            activation moved past the max pooling after it), ``"merge_epilogues"`` (a ReLU inside
            the Add before it); ``()``: every layer its own contract and activation, as before
            2026-11-30.

    Returns:
        ``{"layers": [{"name", "class_name", "contract" (str or None), "config" (bytes),
        "inbound" (list of int), and "fused_into" (the convolution's index) for a fused layer}], "implementations": sorted contract names, "inputs",
        "outputs" (layer indices), "graph_chunks" (list of bytes), "graph_bytes",
        "pages" (list of bytes), "weight_bytes", "page_size", "hashes": {"graph",
        "weights", "model"} (32-byte bytes), "activation_frac_bits", "precision"}``.

    Raises:
        UnsupportedLayerError: a layer has no on-chain implementation.
        PlanError: the export's hashes do not match its contents, or its graph has
            outputs other than output 0 of a layer.
    """
    graph = export["graph"]
    stream = weight_stream(export)
    page_size = graph.get("page_size", PAGE_SIZE)
    if page_size != PAGE_SIZE:
        raise PlanError(f"Model '{graph['name']}': page_size {page_size} is not the on-chain page size {PAGE_SIZE}")
    hashes = model_hashes(graph, stream)
    if hashes != export["hashes"]:
        raise PlanError(f"Model '{graph['name']}': the export's hashes do not match its graph and weights")
    layers = [_layer_call(index, layer, graph) for index, layer in enumerate(graph["layers"])]
    if "epilogues" in fusions:
        _fuse(layers, epilogues(layers, graph))
    for index, (linear, pool, tail) in (deferred_activations(layers, graph) if "deferred_activations" in fusions else {}).items():
        layers[index]["config"] = compress_config(linear)
        layers[pool]["config"] = compress_config(decompress_config(layers[pool]["config"]) + tail)
    if "merge_epilogues" in fusions:
        _fuse(layers, merge_epilogues(layers, graph))
    outputs = []
    for ref in graph["outputs"]:
        index, output = ref
        if output != 0:
            raise PlanError(f"Model '{graph['name']}': output {ref} is not output 0 of a layer")
        outputs.append(int(index))
    graph_data = canonical_bytes(graph)
    return {
        "layers": layers,
        "implementations": sorted({layer["contract"] for layer in layers if layer["contract"]}),
        "inputs": [int(i) for i in graph["inputs"]],
        "outputs": outputs,
        "graph_chunks": split_pages(graph_data, CHUNK_SIZE),
        "graph_bytes": len(graph_data),
        "pages": split_pages(stream, PAGE_SIZE),
        "weight_bytes": len(stream),
        "page_size": PAGE_SIZE,
        "hashes": {name: bytes.fromhex(value) for name, value in hashes.items()},
        "activation_frac_bits": int(graph["activation_frac_bits"]),
        "precision": graph["precision"],
    }


def _layer_call(index: int, layer: dict, graph: dict) -> dict:
    """One layer's entry of the plan: contract, config bytes, inbound layer indices."""
    layer_type = lookup(layer["class_name"], layer["name"])
    for ref in layer["inbound"]:
        if ref[1] != 0:
            raise PlanError(f"{layer_type.where}: inbound {ref} is not output 0 of a layer")
    inbound = [int(ref[0]) for ref in layer["inbound"]]
    input_shapes = [graph["layers"][i]["output_shape"] for i in inbound]
    contract = layer_type.contract_for(input_shapes, layer["config"])
    if contract is None:
        if not layer_type.identity:
            raise UnsupportedLayerError(f"{layer_type.where}: has no on-chain implementation yet")
        config = b""
    else:
        config = layer_type.abi_config(layer, input_shapes, graph)
        if not isinstance(config, (bytes, bytearray)):
            raise PlanError(f"{layer_type.where}: abi_config returned {type(config).__name__}, expected bytes")
        config = compress_config(bytes(config))
    return {
        "name": layer["name"],
        "class_name": layer["class_name"],
        "contract": contract,
        "config": bytes(config),
        "inbound": inbound,
        "index": index,
    }


def compress_config(config: bytes) -> bytes:
    """A layer config as stored in its clone: Solady ``LibZip.cdCompress`` form.

    ABI configs are mostly zero bytes and code costs 200 gas a byte, so layers keep them
    run-length encoded: ``00 n`` is ``n + 1`` zero bytes (n < 128), ``00 (0x80|n)`` is ``n + 1``
    0xff bytes (n < 32), any other byte is itself; the first 4 bytes are then negated.
    A config that starts with 0x00 (every ABI config: its first word is small) thus starts
    with 0xff once compressed, which is how ``LayerBase._config`` tells the two apart.
    Configs that do not start with 0x00 are left as they are.
    """
    if not config or config[0] != 0:
        return config
    out = bytearray()
    i, n = 0, len(config)
    while i < n:
        byte = config[i]
        if byte in (0x00, 0xFF):
            limit = 128 if byte == 0 else 32
            j = i
            while j < n and config[j] == byte and j - i < limit:
                j += 1
            if byte == 0 or j - i > 2:  # a 0xff run pays off from 3 bytes on
                out += bytes((0, (j - i - 1) | (0x80 if byte else 0)))
                i = j
                continue
        out.append(byte)
        i += 1
    for k in range(min(4, len(out))):
        out[k] ^= 0xFF
    return bytes(out)


CLONE_PREFIX = bytes.fromhex("363d3d373d3d3d363d73")
CLONE_SUFFIX = bytes.fromhex("5af43d82803e903d91602b57fd5bf3")
"""Runtime code of a Solady LibClone clone with immutable args: this prefix, the
implementation's 20-byte address, this suffix, then the args (a layer's config)."""


def clone_config(code: bytes) -> bytes | None:
    """The config (decompressed) a layer clone's runtime code holds; None for code that is no such clone."""
    head = len(CLONE_PREFIX) + 20 + len(CLONE_SUFFIX)
    if code[:len(CLONE_PREFIX)] != CLONE_PREFIX or code[len(CLONE_PREFIX) + 20:head] != CLONE_SUFFIX:
        return None
    return decompress_config(bytes(code[head:]))


def holds_planned_layer(layer: dict, address: str, code: bytes) -> bool:
    """Whether a layer on chain (its address and runtime code) is the one a plan entry gives:
    the zero address where the plan has no contract, else a clone holding the planned config
    (decoded configs compared: the compressed spelling may change, the config may not)."""
    if layer["contract"] is None:
        return int(address, 16) == 0
    return clone_config(code) == decompress_config(layer["config"])


def decompress_config(stored: bytes) -> bytes:
    """Inverse of :func:`compress_config` (what ``LibZip.cdDecompress`` computes on chain)."""
    if not stored or stored[0] != 0xFF:
        return stored
    data = bytearray(stored)
    for k in range(min(4, len(data))):
        data[k] ^= 0xFF
    out = bytearray()
    i = 0
    while i < len(data):
        if data[i] == 0 and i + 1 < len(data):
            control = data[i + 1]
            out += bytes([0xFF if control & 0x80 else 0]) * ((control & 0x7F) + 1)
            i += 2
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


def plan_to_json(plan: dict) -> dict:
    """The plan with every ``bytes`` value as a ``0x`` hex string (for JSON and ethers)."""

    def convert(value):
        if isinstance(value, (bytes, bytearray)):
            return "0x" + bytes(value).hex()
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [convert(item) for item in value]
        return value

    return convert(plan)


def export_from_plan(plan: dict) -> dict:
    """The export dict a plan (bytes, or ``0x`` hex as in fixtures) was made from.

    Only what the chain holds: graph, weights and hashes (no quantisation report or source).

    Raises:
        PlanError: the plan's graph and pages do not match its hashes.
    """

    def raw(value) -> bytes:
        return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)

    graph_data = b"".join(raw(chunk) for chunk in plan["graph_chunks"])
    stream = b"".join(raw(page) for page in plan["pages"])
    graph = json.loads(graph_data.decode("utf-8"))
    hashes = model_hashes(graph, stream)
    if any(raw(plan["hashes"][name]).hex() != value for name, value in hashes.items()):
        raise PlanError(f"Model '{graph.get('name')}': the plan's graph and pages do not match its hashes")
    return export_dict(graph, stream, hashes)
