"""The gas model without a chain: batches, sizing bounds, protocol costs (measured figures: test_gas_drift.py)."""

from __future__ import annotations

import pytest

from eternal.chain import TX_GAS_CAP
from eternal.deploy import gas
from eternal.weightstream import PAGE_SIZE


def plan_of(layers: int, pages: int, last_page: int = 1000) -> dict:
    """A hand-made plan: one input layer, ``layers - 1`` Dense clones, ``pages`` pages of non-zero bytes."""
    return {
        "layers": [{"config": b"", "contract": None}] + [{"config": b"\x07" * 40, "contract": "DenseLayer"}] * (layers - 1),
        "implementations": ["DenseLayer"],
        "graph_chunks": [b"{" * 900],
        "pages": [b"\x01" * PAGE_SIZE] * (pages - 1) + [b"\x01" * last_page],
    }


def test_calldata_costs_4_per_zero_and_16_per_other_byte():
    assert gas.calldata_gas(b"\x00\x01\x00\xff") == 4 + 16 + 4 + 16


def test_creation_without_artifacts_is_priced_at_the_protocol_maximum(monkeypatch, tmp_path):
    monkeypatch.setenv("ETERNAL_ARTIFACTS", str(tmp_path))
    most = 21_000 + 32_000 + 16 * 49_152 + 2 * 1_536 + 200 * 24_576
    assert gas.creation_gas("EternalModel") == most


def test_estimates_get_a_fifth_more_and_50k_but_never_over_the_limit():
    assert gas.gas_limit_from_estimate(100_000) == 170_000
    assert gas.gas_limit_from_estimate(15_000_000) == TX_GAS_CAP


def test_page_batches_cover_every_page_once():
    assert gas.page_batches(0, 7, 3) == [(0, 2), (3, 5), (6, 6)]
    assert gas.page_batches(5, 7, 3) == [(5, 6)]
    assert gas.page_batches(7, 7, 3) == []


def test_layer_batches_stay_under_the_budget_and_the_count():
    layers = plan_of(40, 1)["layers"]
    budget = gas.layer_batch_budget(TX_GAS_CAP)
    batches = gas.layer_batches(layers, 0, budget)
    assert batches[0][0] == 0 and batches[-1][1] == 39
    assert all(b[0] == a[1] + 1 for a, b in zip(batches, batches[1:]))
    assert all(gas.layers_tx_gas(layers[first : last + 1]) <= budget for first, last in batches)
    assert gas.layer_batches(layers, 38, budget, max_per_tx=1) == [(38, 38), (39, 39)]


def test_full_pages_go_three_to_a_transaction_at_the_osaka_cap():
    assert gas.pages_per_transaction(TX_GAS_CAP, gas.page_gas_bound(bytes(PAGE_SIZE))) == 3
    assert gas.pages_per_transaction(TX_GAS_CAP, gas.page_gas_bound(bytes(PAGE_SIZE)), most=1) == 1


@pytest.mark.parametrize("pages", [1, 2, 3])
def test_a_sized_page_transaction_has_room_for_the_worst_case(pages):
    """All non-zero bytes, the first upload's counters, and the 1/64 the last CREATE keeps back (EIP-150)."""
    worst = gas.upload_tx_gas([b"\xff" * PAGE_SIZE] * pages, first=True)
    kept_back = (gas.CREATE_GAS + gas.CODE_DEPOSIT_GAS * PAGE_SIZE) // 63
    sized = gas.PAGES_TX_GAS_BOUND + pages * gas.page_gas_bound(b"\xff" * PAGE_SIZE) + gas.SAFETY_GAS
    assert worst + kept_back <= sized <= TX_GAS_CAP


def test_phase_gas_counts_the_transactions_the_deployer_sends(monkeypatch, tmp_path):
    monkeypatch.setenv("ETERNAL_ARTIFACTS", str(tmp_path))
    phases = gas.phase_gas(plan_of(3, 7))
    assert {phase: figures["transactions"] for phase, figures in phases.items()} == {
        "contracts": 2, "layers": 1, "construct": 1, "upload": 1 + 3, "finalize": 1}
    assert phases["upload"]["gas"] == (gas.upload_tx_gas([b"{" * 900], True, pages=False)
                                       + gas.upload_tx_gas([b"\x01" * PAGE_SIZE] * 3, True)
                                       + gas.upload_tx_gas([b"\x01" * PAGE_SIZE] * 3, False)
                                       + gas.upload_tx_gas([b"\x01" * 1000], False))
    assert phases["finalize"]["gas"] == gas.finalize_gas(3, 7, 1)


def test_bigger_models_cost_more_in_every_phase(monkeypatch, tmp_path):
    monkeypatch.setenv("ETERNAL_ARTIFACTS", str(tmp_path))
    small, big = gas.phase_gas(plan_of(3, 2)), gas.phase_gas(plan_of(30, 20))
    assert all(big[phase]["gas"] > small[phase]["gas"] for phase in ("layers", "construct", "upload", "finalize"))
