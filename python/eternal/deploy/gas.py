"""The gas model: what each deployment transaction costs, without a chain.

``eternal plan`` and the funds check price a deployment from it; the deployer
sizes its batches with it (how many layers per ``addLayers``, how many pages per
``appendPages``) and falls back on it where a node refuses to estimate.
The measured numbers come from the Hardhat node (Osaka rules, solc 0.8.30,
200 optimizer runs); ``python/tests/deploy/test_gas_drift.py`` measures them again
and fails when one drifts by more than 5%.
"""

from __future__ import annotations

import math

from eternal.chain import TX_GAS_CAP
from eternal.weightstream import PAGE_SIZE

# -- measured per transaction kind ---------------------------------------------------------------

GAS_PER_LAYER = 60_000  # addLayers, per layer: one clone with immutable args, its push and its event
GAS_PER_CONFIG_BYTE = 250  # addLayers, per config byte: clone code deposit (200) + calldata + copying
GAS_PER_WEIGHT_BYTE = 222  # appendPages/appendGraph, per byte: code deposit 200 + calldata 16 + SHA-256 + copying
GAS_PER_PAGE = 80_000  # appendPages/appendGraph, per page or chunk: CREATE, two storage pushes, event
GAS_MODEL_CREATION = 3_200_000  # creating EternalModel (measured 2.82M)
GAS_IMPLEMENTATION_CREATION = 2_000_000  # creating one layer implementation, reused by every later model
GAS_CONSTRUCT_BASE = 250_000  # construct: checks, hashes and model-wide storage
GAS_CONSTRUCT_PER_LAYER = 30_000  # construct, per layer: its inbound links
GAS_FINALIZE_BASE = 250_000  # finalize: the three hash checks and the packed walk (183k for a one-page model)
GAS_FINALIZE_PER_PAGE = 2_000  # finalize, per weight page or graph chunk: read back and hashed again
PAGES_TX_BASE_GAS = 60_000  # appendPages, per transaction: 21,000 + dispatch + event + state checks

# -- margins ----------------------------------------------------------------------------------------

SAFETY_GAS = 100_000  # headroom left under the per-transaction limit when packing pages
LAYER_BATCH_SHARE = 0.3  # of the per-transaction limit for one addLayers batch: nodes estimate with
#                          headroom and refuse estimates above the cap, so bigger batches cannot be estimated
ESTIMATE_FACTOR = 1.2  # gas limit = estimate x 1.2 + 50,000: a state change between the estimate and the
ESTIMATE_HEADROOM = 50_000  # block (an earlier transaction in flight) must not run it out of gas


def gas_limit_from_estimate(estimate: int, gas_limit: int = TX_GAS_CAP) -> int:
    """The gas limit to send a transaction with, from its ``eth_estimateGas``."""
    return min(gas_limit, int(estimate * ESTIMATE_FACTOR) + ESTIMATE_HEADROOM)


def layer_gas(config: bytes) -> int:
    """Modelled ``addLayers`` gas of one layer."""
    return GAS_PER_LAYER + GAS_PER_CONFIG_BYTE * len(config)


def stored_bytes_gas(data: bytes) -> int:
    """Modelled gas of one weight page or graph chunk stored as a data contract."""
    return GAS_PER_PAGE + len(data) * GAS_PER_WEIGHT_BYTE


def construct_gas(layer_count: int) -> int:
    """Modelled gas of ``construct`` for ``layer_count`` layers."""
    return GAS_CONSTRUCT_BASE + GAS_CONSTRUCT_PER_LAYER * layer_count


def finalize_gas(pages: int, graph_chunks: int) -> int:
    """Modelled gas of ``finalize``."""
    return GAS_FINALIZE_BASE + GAS_FINALIZE_PER_PAGE * (pages + graph_chunks)


def page_batches(first: int, count: int, per_tx: int) -> list[tuple[int, int]]:
    """``[(first, last)]`` page ranges of at most ``per_tx`` pages, from page ``first`` to ``count - 1``."""
    return [(start, min(start + per_tx, count) - 1) for start in range(first, count, per_tx)]


def layer_batches(configs: list[bytes], first: int, budget: int, max_per_tx: int | None = None) -> list[tuple[int, int]]:
    """``[(first, last)]`` layer ranges whose modelled gas stays under ``budget``."""
    batches, start, gas = [], first, 0
    for index in range(first, len(configs)):
        cost = layer_gas(configs[index])
        full = max_per_tx is not None and index - start >= max_per_tx
        if index > start and (gas + cost > budget or full):
            batches.append((start, index - 1))
            start, gas = index, 0
        gas += cost
    if start < len(configs):
        batches.append((start, len(configs) - 1))
    return batches


def layer_batch_budget(gas_limit: int) -> int:
    """Modelled gas one ``addLayers`` batch may take."""
    return int(gas_limit * LAYER_BATCH_SHARE)


def phase_gas(plan: dict, gas_limit: int = TX_GAS_CAP) -> dict:
    """Modelled transactions and gas per phase for a deployment plan (no chain needed)."""
    per_tx = max(1, (gas_limit - SAFETY_GAS) // (GAS_PER_PAGE + PAGE_SIZE * GAS_PER_WEIGHT_BYTE))
    configs = [layer["config"] for layer in plan["layers"]]
    implementations = plan["implementations"]
    return {
        "contracts": {"transactions": 1 + len(implementations),
                      "gas": GAS_MODEL_CREATION + GAS_IMPLEMENTATION_CREATION * len(implementations)},
        "layers": {"transactions": len(layer_batches(configs, 0, layer_batch_budget(gas_limit))),
                   "gas": sum(layer_gas(config) for config in configs)},
        "construct": {"transactions": 1, "gas": construct_gas(len(plan["layers"]))},
        "upload": {"transactions": len(plan["graph_chunks"]) + math.ceil(len(plan["pages"]) / per_tx),
                   "gas": sum(stored_bytes_gas(data) for data in plan["graph_chunks"] + plan["pages"])},
        "finalize": {"transactions": 1, "gas": finalize_gas(len(plan["pages"]), len(plan["graph_chunks"]))},
    }
