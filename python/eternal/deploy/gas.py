"""The gas model: what each deployment transaction costs, without a chain.

``eternal plan`` and the funds check price a deployment from it; the deployer
sizes its batches with it (how many layers per ``addLayers``, how many pages per
``appendPages``) and falls back on it where a node refuses to estimate.

Protocol costs are the EVM's own. The measured ones come from the Hardhat node
(Osaka rules, solc 0.8.30, 200 optimizer runs);
``python/tests/deploy/test_gas_drift.py`` measures every phase again and fails
when the model is more than 5% off.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from eternal.chain import TX_GAS_CAP, artifact
from eternal.deploy.steps import CONSTRUCT, FINALIZE, creation_step, graph_step, layers_step, pages_step, phase_of
from eternal.errors import ArtifactError
from eternal.weightstream import PAGE_SIZE

# -- protocol costs ---------------------------------------------------------------------------------

TX_BASE_GAS = 21_000  # every transaction
CREATE_GAS = 32_000  # a contract creation, by transaction or by CREATE
CODE_DEPOSIT_GAS = 200  # per byte of runtime code stored
INITCODE_WORD_GAS = 2  # per 32-byte word of creation code (EIP-3860)
CALLDATA_ZERO_BYTE_GAS = 4  # EIP-2028
CALLDATA_NONZERO_BYTE_GAS = 16  # EIP-2028
MAX_CODE_SIZE = 24_576  # EIP-170
MAX_INITCODE_SIZE = 2 * MAX_CODE_SIZE  # EIP-3860

# -- measured per transaction kind ----------------------------------------------------------------------

MODEL_CONSTRUCTOR_GAS = 165_000  # EternalModel's constructor: its owner slot and the PageWriter it creates
LAYERS_TX_GAS = 29_000  # addLayers, per transaction: 21,000 + dispatch, owner and state checks
GAS_PER_LAYER = 67_000  # addLayers, per cloned layer: CREATE, clone code, address push, event
GAS_PER_PLAIN_LAYER = 22_000  # addLayers, per layer without a contract (an input): address push, event
CONSTRUCT_BASE_GAS = 340_000  # construct: 21,000, hash checks, twelve new storage slots, the walk's data contract
CONSTRUCT_GAS_PER_LAYER = 11_700  # construct, per layer: its address read, its walk record (26 bytes of code)
CONSTRUCT_GAS_PER_SOURCE = 1_200  # construct, per inbound link: calldata, 4 bytes of the walk, the checks
CONSTRUCT_MEMORY_WORDS_PER_LAYER = 12  # the walk in memory: quadratic memory cost for thousands of layers
GRAPH_TX_GAS = 47_000  # appendGraph, per transaction: 21,000 + dispatch, checks, event
GAS_PER_GRAPH_CHUNK = 49_700  # appendGraph, per chunk: CREATE of its data contract, address push
FIRST_GRAPH_CHUNK_GAS = 34_200  # the first chunk sets two counters from zero: 2 x (22,100 - 5,000)
PAGES_TX_GAS = 39_000  # appendPages, per transaction: 21,000 + dispatch, checks, the weights hash state, event
GAS_PER_PAGE = 60_000  # appendPages, per page: a call to the PageWriter, its CREATE, the page hash pushed
PAIR_HASH_GAS = 33_800  # appendPages, per odd page: the pair of page hashes absorbed (one SHA-256 block)
FIRST_PAGE_GAS = 17_100  # the first page sets the page count from zero: 22,100 - 5,000
GAS_PER_STORED_BYTE = 201  # per graph or weight byte: code deposit 200, SHA-256 and copying (calldata apart)
FINALIZE_BASE_GAS = 78_000  # finalize: 21,000, the three hash checks (the weights hash: one SHA-256 block), event
FINALIZE_GAS_PER_GRAPH_BYTE = 0.65  # finalize reads the graph back and hashes it whole
FINALIZE_GAS_PER_GRAPH_CHUNK = 7_000  # finalize, per graph chunk after the first: its address and code read
FINALIZE_ODD_PAGES_GAS = 4_300  # finalize, an odd page count: the last page hash read back for the last block

# -- sizing appendPages: upper bounds, not estimates ------------------------------------------------

PAGES_TX_GAS_BOUND = 60_000  # per transaction: PAGES_TX_GAS (39,000) with room for the first page's counter
PAGE_GAS_BOUND = 80_000  # per page: GAS_PER_PAGE (60,000) and, over a batch, its share of the pair hashes
WEIGHT_BYTE_GAS_BOUND = 222  # per byte: GAS_PER_STORED_BYTE + non-zero calldata (217), and 2/64 of it kept
#                              back (EIP-150: the model's call to the PageWriter, then its CREATE)
SAFETY_GAS = 100_000  # left under the per-transaction limit when packing pages

# -- margins --------------------------------------------------------------------------------------------

LAYER_BATCH_SHARE = 0.3  # of the per-transaction limit for one addLayers batch: nodes estimate with
#                          headroom and refuse estimates above the cap, so bigger batches cannot be estimated
ESTIMATE_FACTOR = 1.2  # gas limit = estimate x 1.2 + 50,000: a state change between the estimate and the
ESTIMATE_HEADROOM = 50_000  # block (an earlier transaction in flight) must not run it out of gas


def calldata_gas(data: bytes) -> int:
    """Calldata cost of ``data`` (EIP-2028)."""
    zeros = data.count(0)
    return CALLDATA_ZERO_BYTE_GAS * zeros + CALLDATA_NONZERO_BYTE_GAS * (len(data) - zeros)


def creation_gas(name: str) -> int:
    """Gas to create contract ``name`` from its artifact (no constructor arguments).

    Without the compiled artifact: the most any creation can cost (EIP-170 and EIP-3860 limits).
    """
    try:
        compiled = artifact(name)
        creation, runtime = (bytes.fromhex(compiled[key][2:]) for key in ("bytecode", "deployedBytecode"))
    except ArtifactError:
        creation, runtime = b"\x01" * MAX_INITCODE_SIZE, bytes(MAX_CODE_SIZE)
    constructor = MODEL_CONSTRUCTOR_GAS if name == "EternalModel" else _kernels_gas(creation)
    return (TX_BASE_GAS + CREATE_GAS + calldata_gas(creation) + INITCODE_WORD_GAS * math.ceil(len(creation) / 32)
            + CODE_DEPOSIT_GAS * len(runtime) + constructor)


def _kernels_gas(creation: bytes) -> int:
    """What a layer implementation's constructor spends creating its ``ActivationKernels``
    (``CreatesActivationKernels``: its creation code is inside the implementation's), else 0."""
    try:
        kernels = artifact("ActivationKernels")
    except ArtifactError:
        return 0
    code, runtime = (bytes.fromhex(kernels[key][2:]) for key in ("bytecode", "deployedBytecode"))
    if code not in creation:
        return 0
    return CREATE_GAS + INITCODE_WORD_GAS * math.ceil(len(code) / 32) + CODE_DEPOSIT_GAS * len(runtime)


def layer_gas(layer: dict) -> int:
    """Modelled ``addLayers`` gas of one planned layer (its clone, or its empty slot)."""
    config = layer["config"]
    per_layer = GAS_PER_LAYER if layer["contract"] else GAS_PER_PLAIN_LAYER
    return per_layer + CODE_DEPOSIT_GAS * len(config) + calldata_gas(config)


def layers_tx_gas(layers: list[dict]) -> int:
    """Modelled gas of one ``addLayers`` transaction."""
    return LAYERS_TX_GAS + sum(layer_gas(layer) for layer in layers)


def graph_tx_gas(chunk: bytes, first: bool) -> int:
    """Modelled gas of one ``appendGraph`` transaction; ``first``: it stores the graph's first chunk."""
    stored = GAS_PER_GRAPH_CHUNK + GAS_PER_STORED_BYTE * len(chunk) + calldata_gas(chunk)
    return GRAPH_TX_GAS + stored + (FIRST_GRAPH_CHUNK_GAS if first else 0)


def pages_tx_gas(pages: list[bytes], start: int) -> int:
    """Modelled gas of one ``appendPages`` transaction storing ``pages`` from page index ``start``.

    Each odd page completes a pair of page hashes, which the model absorbs into the weights hash.
    """
    stored = sum(GAS_PER_PAGE + GAS_PER_STORED_BYTE * len(page) + calldata_gas(page) for page in pages)
    odd = sum(index % 2 for index in range(start, start + len(pages)))
    return PAGES_TX_GAS + stored + PAIR_HASH_GAS * odd + (FIRST_PAGE_GAS if start == 0 and pages else 0)


def construct_gas(layers: list[dict]) -> int:
    """Modelled gas of ``construct`` for the planned ``layers`` (each with its ``inbound`` list)."""
    sources = sum(len(layer["inbound"]) for layer in layers)
    words = CONSTRUCT_MEMORY_WORDS_PER_LAYER * len(layers)
    return (CONSTRUCT_BASE_GAS + CONSTRUCT_GAS_PER_LAYER * len(layers) + CONSTRUCT_GAS_PER_SOURCE * sources
            + words * words // 512)


def finalize_gas(graph_bytes: int, pages: int) -> int:
    """Modelled gas of ``finalize``: the same for any number of pages (their hash is streamed as they
    arrive), growing with the graph only, which it reads back whole (memory's quadratic cost included)."""
    chunks = math.ceil(graph_bytes / PAGE_SIZE)
    words = math.ceil(graph_bytes / 32)
    return (FINALIZE_BASE_GAS + int(FINALIZE_GAS_PER_GRAPH_BYTE * graph_bytes)
            + FINALIZE_GAS_PER_GRAPH_CHUNK * max(chunks - 1, 0) + words * words // 512
            + (FINALIZE_ODD_PAGES_GAS if pages % 2 else 0))


def page_gas_bound(page: bytes) -> int:
    """The most one page may add to an ``appendPages`` transaction, for sizing its gas limit."""
    return PAGE_GAS_BOUND + len(page) * WEIGHT_BYTE_GAS_BOUND


def pages_per_transaction(gas_limit: int, per_page: int, most: int | None = None) -> int:
    """How many pages of ``per_page`` gas fit in one transaction under ``gas_limit``."""
    fit = max(1, (gas_limit - SAFETY_GAS - PAGES_TX_GAS_BOUND) // per_page)
    return min(fit, most) if most else fit


def gas_limit_from_estimate(estimate: int, gas_limit: int = TX_GAS_CAP) -> int:
    """The gas limit to send a transaction with, from its ``eth_estimateGas``."""
    return min(gas_limit, int(estimate * ESTIMATE_FACTOR) + ESTIMATE_HEADROOM)


def page_batches(first: int, count: int, per_tx: int) -> list[tuple[int, int]]:
    """``[(first, last)]`` page ranges of at most ``per_tx`` pages, from page ``first`` to ``count - 1``."""
    return [(start, min(start + per_tx, count) - 1) for start in range(first, count, per_tx)]


def layer_batches(layers: list[dict], first: int, budget: int, max_per_tx: int | None = None) -> list[tuple[int, int]]:
    """``[(first, last)]`` ranges of planned layers whose modelled ``addLayers`` gas stays under ``budget``."""
    batches, start, gas = [], first, LAYERS_TX_GAS
    for index in range(first, len(layers)):
        cost = layer_gas(layers[index])
        full = max_per_tx is not None and index - start >= max_per_tx
        if index > start and (gas + cost > budget or full):
            batches.append((start, index - 1))
            start, gas = index, LAYERS_TX_GAS
        gas += cost
    if start < len(layers):
        batches.append((start, len(layers) - 1))
    return batches


def layer_batch_budget(gas_limit: int) -> int:
    """Modelled gas one ``addLayers`` batch may take."""
    return int(gas_limit * LAYER_BATCH_SHARE)


class PlannedTransaction(NamedTuple):
    """One transaction of a deployment as the deployer will send it."""

    step: str  # its journal step name (phase before the colon)
    gas: int  # modelled gas used
    needs: int  # the least gas limit the deployer sends it with (page batches: their sizing bound)


def page_transactions(pages: list[bytes], first: int, per_page: int, gas_limit: int,
                      most: int | None = None) -> list[tuple[int, int, int]]:
    """``[(first, last, gas limit)]`` of the appendPages transactions for pages ``first..``, with
    ``per_page`` gas allowed a page and as many pages as fit under ``gas_limit`` (``most`` at most).

    The gas limit is not capped: above ``gas_limit`` (one page alone does not fit) nothing can be sent.
    """
    if first >= len(pages):
        return []
    per_tx = pages_per_transaction(gas_limit, per_page, most)
    return [(start, last, PAGES_TX_GAS_BOUND + per_page * (last - start + 1) + SAFETY_GAS)
            for start, last in page_batches(first, len(pages), per_tx)]


def planned_transactions(plan: dict, gas_limit: int = TX_GAS_CAP, implementations: list[str] | None = None,
                         max_pages_per_tx: int | None = None, max_layers_per_tx: int | None = None) -> list[PlannedTransaction]:
    """Every transaction of a deployment of ``plan``, in order, batched as the deployer batches them.

    ``implementations``: the layer implementations to create (default: every one the plan uses).
    """
    layers, pages, chunks = plan["layers"], plan["pages"], plan["graph_chunks"]
    names = ["EternalModel", *(plan["implementations"] if implementations is None else implementations)]
    txs = [(creation_step(name), creation_gas(name), None) for name in names]
    for first, last in layer_batches(layers, 0, layer_batch_budget(gas_limit), max_layers_per_tx):
        txs.append((layers_step(first, last), layers_tx_gas(layers[first : last + 1]), None))
    txs.append((CONSTRUCT, construct_gas(layers), None))
    txs += [(graph_step(index), graph_tx_gas(chunk, index == 0), None) for index, chunk in enumerate(chunks)]
    per_page = page_gas_bound(bytes(PAGE_SIZE))
    for first, last, needs in page_transactions(pages, 0, per_page, gas_limit, max_pages_per_tx):
        txs.append((pages_step(first, last), pages_tx_gas(pages[first : last + 1], first), needs))
    txs.append((FINALIZE, finalize_gas(sum(len(chunk) for chunk in chunks), len(pages)), None))
    return [PlannedTransaction(step, gas, gas if needs is None else needs) for step, gas, needs in txs]


PHASE_TOTALS = {"model": "contracts", "impl": "contracts", "layers": "layers", "construct": "construct",
                "graph": "upload", "pages": "upload", "finalize": "finalize"}
"""Step phase -> the phase ``phase_gas`` totals it under."""


def phase_gas(plan: dict, gas_limit: int = TX_GAS_CAP) -> dict:
    """Modelled transactions and gas per phase for a deployment plan (no chain needed).

    Every phase is priced as the deployer sends it: the same batches, a new copy of
    every implementation (a chain that has them already is spared that part).
    """
    totals = {phase: {"transactions": 0, "gas": 0} for phase in dict.fromkeys(PHASE_TOTALS.values())}
    for tx in planned_transactions(plan, gas_limit):
        total = totals[PHASE_TOTALS[phase_of(tx.step)]]
        total["transactions"] += 1
        total["gas"] += tx.gas
    return totals
