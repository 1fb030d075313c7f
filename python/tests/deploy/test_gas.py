"""The gas model without a chain: batches, sizing bounds, protocol costs (measured figures: test_gas_drift.py)."""

from __future__ import annotations

import pytest

from eternal.chain import TX_GAS_CAP
from eternal.deploy import gas
from eternal.weightstream import PAGE_SIZE


def plan_of(layers: int, pages: int, last_page: int = 1000) -> dict:
    """A hand-made plan: one input layer, ``layers - 1`` Dense clones, ``pages`` pages of non-zero bytes."""
    return {
        "layers": [{"config": b"", "contract": None, "inbound": []}]
                  + [{"config": b"\x07" * 40, "contract": "DenseLayer", "inbound": [0]}] * (layers - 1),
        "implementations": ["DenseLayer"],
        "graph_chunks": [b"{" * 900],
        "pages": [b"\x01" * PAGE_SIZE] * (pages - 1) + [b"\x01" * last_page],
    }


def test_calldata_costs_4_per_zero_and_16_per_other_byte():
    assert gas.calldata_gas(b"\x00\x01\x00\xff") == 4 + 16 + 4 + 16


def test_creation_without_artifacts_is_priced_at_the_protocol_maximum(monkeypatch, tmp_path):
    monkeypatch.setenv("ETERNAL_ARTIFACTS", str(tmp_path))
    most = 21_000 + 32_000 + 16 * 49_152 + 2 * 1_536 + 200 * 24_576
    assert gas.creation_gas("DenseLayer") == most
    assert gas.creation_gas("EternalModel") == most + gas.MODEL_CONSTRUCTOR_GAS  # it creates its PageWriter


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
@pytest.mark.parametrize("start", [0, 1])
def test_a_sized_page_transaction_has_room_for_the_worst_case(pages, start):
    """All non-zero bytes, the first page's counter or the most pair hashes, and the 2/64 the last
    page's CREATE keeps back (EIP-150: the model's call to the PageWriter, the writer's CREATE)."""
    worst = gas.pages_tx_gas([b"\xff" * PAGE_SIZE] * pages, start)
    kept_back = 2 * (gas.CREATE_GAS + gas.CODE_DEPOSIT_GAS * PAGE_SIZE) // 63
    [(_, _, sized)] = gas.page_transactions([b"\xff" * PAGE_SIZE] * (start + pages), start,
                                            gas.page_gas_bound(b"\xff" * PAGE_SIZE), TX_GAS_CAP)
    assert worst + kept_back <= sized <= TX_GAS_CAP


def test_odd_pages_absorb_a_pair_of_page_hashes_and_the_first_sets_the_count():
    page = b"\x01" * PAGE_SIZE
    one = gas.pages_tx_gas([page], 2)
    assert gas.pages_tx_gas([page], 3) == one + gas.PAIR_HASH_GAS
    assert gas.pages_tx_gas([page], 0) == one + gas.FIRST_PAGE_GAS
    assert gas.pages_tx_gas([page] * 3, 1) == 3 * one - 2 * gas.PAGES_TX_GAS + 2 * gas.PAIR_HASH_GAS


def test_phase_gas_counts_the_transactions_the_deployer_sends(monkeypatch, tmp_path):
    monkeypatch.setenv("ETERNAL_ARTIFACTS", str(tmp_path))
    phases = gas.phase_gas(plan_of(3, 7))
    assert {phase: figures["transactions"] for phase, figures in phases.items()} == {
        "contracts": 2, "layers": 1, "construct": 1, "upload": 1 + 3, "finalize": 1}
    assert phases["upload"]["gas"] == (gas.graph_tx_gas(b"{" * 900, True)
                                       + gas.pages_tx_gas([b"\x01" * PAGE_SIZE] * 3, 0)
                                       + gas.pages_tx_gas([b"\x01" * PAGE_SIZE] * 3, 3)
                                       + gas.pages_tx_gas([b"\x01" * 1000], 6))
    assert phases["finalize"]["gas"] == gas.finalize_gas(900, 7)


def test_bigger_models_cost_more_in_every_phase_but_finalize(monkeypatch, tmp_path):
    """finalize streams the page hashes and reads no layer: it grows with the graph only."""
    monkeypatch.setenv("ETERNAL_ARTIFACTS", str(tmp_path))
    small, big = gas.phase_gas(plan_of(3, 2)), gas.phase_gas(plan_of(30, 200))
    assert all(big[phase]["gas"] > small[phase]["gas"] for phase in ("layers", "construct", "upload"))
    assert big["finalize"]["gas"] == small["finalize"]["gas"]
    assert gas.finalize_gas(900, 1) == gas.finalize_gas(900, 10_001) == gas.finalize_gas(900, 2) + gas.FINALIZE_ODD_PAGES_GAS
    assert gas.finalize_gas(4 * PAGE_SIZE, 2) > gas.finalize_gas(PAGE_SIZE, 2) > gas.finalize_gas(900, 2)


def test_planned_transactions_follow_the_deployer_and_phase_gas_totals_them(monkeypatch, tmp_path):
    monkeypatch.setenv("ETERNAL_ARTIFACTS", str(tmp_path))
    plan = plan_of(3, 7)
    planned = gas.planned_transactions(plan, TX_GAS_CAP, implementations=[])
    assert [tx.step for tx in planned] == ["model", "layers:0-2", "construct", "graph:0", "pages:0-2", "pages:3-5",
                                           "pages:6-6", "finalize"]
    pages = {tx.step: tx for tx in planned if tx.step.startswith("pages")}
    assert all(tx.gas < tx.needs <= TX_GAS_CAP for tx in pages.values())  # sent with the sizing bound
    assert [tx.step for tx in gas.planned_transactions(plan, TX_GAS_CAP, max_pages_per_tx=2)][-5:-1] == [
        "pages:0-1", "pages:2-3", "pages:4-5", "pages:6-6"]
