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

from eternal.chain import TX_GAS_CAP, artifact
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

LAYERS_TX_GAS = 29_000  # addLayers, per transaction: 21,000 + dispatch, owner and state checks
GAS_PER_LAYER = 67_000  # addLayers, per cloned layer: CREATE, clone code, address push, event
GAS_PER_PLAIN_LAYER = 22_000  # addLayers, per layer without a contract (an input): address push, event
CONSTRUCT_BASE_GAS = 314_000  # construct: 21,000, hash checks, ten new storage slots, event
CONSTRUCT_GAS_PER_LAYER = 5_200  # construct, per layer: its inbound link (sequential models: one per layer)
UPLOAD_TX_GAS = 47_000  # appendPages or appendGraph, per transaction: 21,000 + dispatch, checks, event
GAS_PER_GRAPH_CHUNK = 49_700  # appendGraph, per chunk: CREATE of its data contract, address push
GAS_PER_PAGE = 70_500  # appendPages, per page: the same, plus its SHA-256 hash pushed
GAS_PER_STORED_BYTE = 201  # per graph or weight byte: code deposit 200, SHA-256 and copying (calldata apart)
FIRST_UPLOAD_GAS = 34_200  # the first page (or chunk) sets two counters from zero: 2 x (22,100 - 5,000)
FINALIZE_BASE_GAS = 142_000  # finalize: 21,000, the three hash checks, the packed walk's data contract
FINALIZE_GAS_PER_LAYER = 11_500  # finalize, per layer: read back and packed into the walk
FINALIZE_GAS_PER_PAGE = 8_700  # finalize, per page: its address and hash read back, address packed
FINALIZE_GAS_PER_CHUNK = 9_600  # finalize, per graph chunk: read back and hashed

# -- sizing appendPages: upper bounds, not estimates ------------------------------------------------

PAGES_TX_GAS_BOUND = 60_000  # per transaction: UPLOAD_TX_GAS (47,000) with room for the first upload's counters
PAGE_GAS_BOUND = 80_000  # per page: GAS_PER_PAGE (70,500) with room for the 1/64 each CREATE keeps back (EIP-150)
WEIGHT_BYTE_GAS_BOUND = 222  # per byte: GAS_PER_STORED_BYTE + non-zero calldata (217), and 1/64 of it kept back
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
    return (TX_BASE_GAS + CREATE_GAS + calldata_gas(creation) + INITCODE_WORD_GAS * math.ceil(len(creation) / 32)
            + CODE_DEPOSIT_GAS * len(runtime))


def layer_gas(layer: dict) -> int:
    """Modelled ``addLayers`` gas of one planned layer (its clone, or its empty slot)."""
    config = layer["config"]
    per_layer = GAS_PER_LAYER if layer["contract"] else GAS_PER_PLAIN_LAYER
    return per_layer + CODE_DEPOSIT_GAS * len(config) + calldata_gas(config)


def layers_tx_gas(layers: list[dict]) -> int:
    """Modelled gas of one ``addLayers`` transaction."""
    return LAYERS_TX_GAS + sum(layer_gas(layer) for layer in layers)


def upload_tx_gas(items: list[bytes], first: bool, pages: bool = True) -> int:
    """Modelled gas of one ``appendPages`` (or, ``pages=False``, ``appendGraph``) transaction.

    ``first``: it stores the model's first page (or chunk).
    """
    per_item = GAS_PER_PAGE if pages else GAS_PER_GRAPH_CHUNK
    stored = sum(per_item + GAS_PER_STORED_BYTE * len(data) + calldata_gas(data) for data in items)
    return UPLOAD_TX_GAS + stored + (FIRST_UPLOAD_GAS if first else 0)


def construct_gas(layer_count: int) -> int:
    """Modelled gas of ``construct`` for ``layer_count`` layers."""
    return CONSTRUCT_BASE_GAS + CONSTRUCT_GAS_PER_LAYER * layer_count


def finalize_gas(layers: int, pages: int, graph_chunks: int) -> int:
    """Modelled gas of ``finalize``."""
    return (FINALIZE_BASE_GAS + FINALIZE_GAS_PER_LAYER * layers + FINALIZE_GAS_PER_PAGE * pages
            + FINALIZE_GAS_PER_CHUNK * graph_chunks)


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


def phase_gas(plan: dict, gas_limit: int = TX_GAS_CAP) -> dict:
    """Modelled transactions and gas per phase for a deployment plan (no chain needed).

    Every phase is priced as the deployer sends it: the same batches, a new copy of
    every implementation (a chain that has them already is spared that part).
    """
    layers, pages, chunks = plan["layers"], plan["pages"], plan["graph_chunks"]
    contracts = ["EternalModel", *plan["implementations"]]
    layer_txs = layer_batches(layers, 0, layer_batch_budget(gas_limit))
    page_txs = page_batches(0, len(pages), pages_per_transaction(gas_limit, page_gas_bound(bytes(PAGE_SIZE)))) if pages else []
    upload = sum(upload_tx_gas([chunk], index == 0, pages=False) for index, chunk in enumerate(chunks))
    upload += sum(upload_tx_gas(pages[start : last + 1], start == 0) for start, last in page_txs)
    return {
        "contracts": {"transactions": len(contracts), "gas": sum(creation_gas(name) for name in contracts)},
        "layers": {"transactions": len(layer_txs),
                   "gas": sum(layers_tx_gas(layers[start : last + 1]) for start, last in layer_txs)},
        "construct": {"transactions": 1, "gas": construct_gas(len(layers))},
        "upload": {"transactions": len(chunks) + len(page_txs), "gas": upload},
        "finalize": {"transactions": 1, "gas": finalize_gas(len(layers), len(pages), len(chunks))},
    }
