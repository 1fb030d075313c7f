"""The staged-predict logic without a chain: which tensors each step reads, how steps split
and repack, and :class:`StagedPredictor` against a node simulated in Python (layers of
known gas under a cap, ``runStage``/``runSlice`` as api.md words them)."""

from __future__ import annotations

import numpy as np
import pytest

from eternal.errors import CallGasCapError, TransactionFailed
from eternal.stage_plan import Slice, Stage, Topology, refine, repack, split
from eternal.stages import Outcome, StagedPredictor
from eternal.tensorpack import pack, unpack

ZERO, CODE = "0x" + "00" * 20, "0x" + "11" * 20


def graph(*layers, inputs=(0,), outputs=None):
    """``layers``: (name, shape, sources, runs) each (an int shape: one axis); the last layer is
    the output by default."""
    return {"layers": [{"name": name, "class_name": "Dense" if runs else "Flatten",
                        "output_shape": [shape] if isinstance(shape, int) else list(shape),
                        "inbound": [[s, 0] for s in sources]} for name, shape, sources, runs in layers],
            "inputs": list(inputs), "outputs": [[n, 0] for n in (outputs or [len(layers) - 1])]}


def topology_of(g) -> Topology:
    runs = [layer["class_name"] == "Dense" for layer in g["layers"]]
    return Topology(g, [CODE if r else ZERO for r in runs])


# x -> a, b; flat = identity(a); c = (flat, b); d = (c, x): x is read again at the end.
DAG = graph(("x", 4, [], False), ("a", 6, [0], True), ("b", 6, [0], True), ("flat", 6, [1], False),
            ("c", 8, [3, 2], True), ("d", 3, [4, 0], True))
CHAIN = graph(("x", 4, [], False), *[(f"l{n}", 8, [n], True) for n in range(8)])


def test_identity_layers_alias_their_source_and_steps_read_what_came_before():
    top = topology_of(DAG)
    assert top.canonical == [0, 1, 2, 1, 4, 5] and top.input_ids == [0] and top.output_ids == [5]
    assert top.reads(Stage(0, 6)) == [0] and top.reads(Stage(1, 6)) == [0] and top.reads(Stage(2, 3)) == [0]
    assert top.reads(Stage(3, 6)) == [0, 1, 2]  # c reads a (through flat) and b; d reads x
    assert top.reads(Stage(5, 6)) == [0, 4] and top.reads(Slice(4, 0, 3)) == [1, 2]


def test_split_halves_a_slice_and_refine_puts_the_halves_in_its_place():
    assert split(Slice(4, 4, 8)) == [Slice(4, 4, 6), Slice(4, 6, 8)]
    assert split(Slice(4, 4, 9)) == [Slice(4, 4, 6), Slice(4, 6, 9)]
    assert split(Slice(4, 5, 6)) is None
    assert refine([Stage(0, 4), Stage(4, 6)], Stage(4, 6), [Stage(4, 5), Stage(5, 6)]) == \
        [Stage(0, 4), Stage(4, 5), Stage(5, 6)]
    assert refine([Stage(0, 4)], Stage(4, 6), [Stage(4, 5)]) == [Stage(0, 4)]  # already replaced elsewhere
    top = topology_of(DAG)
    assert top.returns(Stage(1, 3)) == [0, 1, 2] and top.returns(Stage(0, 5)) == [0, 4] and top.returns(Stage(5, 6)) == [5]


def test_repack_merges_greedily_under_the_margin_and_never_remakes_a_failed_step():
    top = topology_of(CHAIN)
    gas = {n: 3_000_000 for n in range(1, 9)}

    def estimate(step):
        return sum(gas[n] for n in top.run_layers(step.first, step.stop)) + 100_000 if isinstance(step, Stage) else None

    plan = [Stage(n if n > 1 else 0, n + 1) for n in range(1, 9)]
    assert repack(plan, estimate, 16_777_216, set(), top) == [Stage(0, 6), Stage(6, 9)]  # 5 x 3M + 0.1M < 16.7M / 1.1
    assert repack(plan, estimate, 16_777_216, {Stage(0, 6)}, top) == [Stage(0, 5), Stage(5, 9)]
    gas[3] = 20_000_000  # over the cap: the plan's own stage of it stays
    assert repack(plan, estimate, 16_777_216, set(), top) == [Stage(0, 3), Stage(3, 4), Stage(4, 9)]


class SimulatedNode:
    """runStage/runSlice in Python: layer n adds its sources' sums to (n + 1) * index. Its gas is
    ``layer_gas[n]`` (x ``scale`` when a sample's first input is negative); a slice of a layer with
    rows (two axes) costs its rows' share, of any other layer the whole layer, plus ``slice_base``."""

    def __init__(self, g, layer_gas: dict[int, int], cap: int, scale: float = 1.0, slice_base: int = 1_000):
        self.top, self.gas, self.cap, self.scale, self.slice_base = topology_of(g), layer_gas, cap, scale, slice_base
        self.calls: list = []

    def forward(self, n, tensors):
        total = sum(int(sum(unpack(tensors[s]))) for s in self.top.sources[n])
        return np.array([total + (n + 1) * j for j in range(self.top.sizes[n])], dtype=object)

    def layer_gas(self, n, tensors):
        negative = any(int(unpack(tensors[i])[0]) < 0 for i in self.top.input_ids if i in tensors)
        return int(self.gas[n] * (self.scale if negative else 1.0))

    def overhead(self, step, lengths):
        return 30_000 + 16 * sum(lengths)

    def run(self, step, stores, gas=None):
        """As StageCalls.run: each call carries ``gas`` (default: the cap)."""
        self.calls.append((step, len(stores)))
        return [self.one(step, dict(store), gas or self.cap) for store in stores]

    def slice_gas(self, step, given):
        shape, full = self.top.shapes[step.layer], self.layer_gas(step.layer, given)
        if len(shape) < 2:
            return full + self.slice_base
        row = self.top.sizes[step.layer] // shape[0]
        rows = (step.end - 1) // row - step.start // row + 1
        return full * rows // shape[0] + self.slice_base

    def one(self, step, store, cap):
        given = {i: store[i] for i in self.top.reads(step)}  # only what the step reads is handed over
        overhead = self.overhead(step, [len(given[i]) for i in given])
        if isinstance(step, Slice):
            used = self.slice_gas(step, given)
            if used + overhead > cap:
                return Outcome(ok=False, out_of_gas=True)
            part = self.forward(step.layer, given)[step.start:step.end]
            return Outcome(ok=True, tensors={step.layer: pack(part)}, layer_gas={step.layer: used}, gas=used + overhead)
        tensors, layer_gas = dict(given), {}
        for n in self.top.run_layers(step.first, step.stop):
            if int(unpack(tensors[self.top.sources[n][0]])[0]) == 7777:
                return Outcome(ok=False, reason="LayerRefused(7777)")
            layer_gas[n] = self.layer_gas(n, tensors)
            tensors[n] = pack(self.forward(n, tensors))
        if sum(layer_gas.values()) + overhead > cap:
            return Outcome(ok=False, out_of_gas=True)
        kept = {i: tensors[i] for i in self.top.returns(step)}
        return Outcome(ok=True, tensors=kept, layer_gas=layer_gas, gas=sum(layer_gas.values()) + overhead)

    def expected(self, x):
        tensors = {0: pack(x)}
        for n in self.top.run_layers(0, self.top.count):
            tensors[n] = pack(self.forward(n, tensors))
        return [list(unpack(tensors[i])) for i in self.top.output_ids]


def predictor(node):
    return StagedPredictor(node.top, node, node.cap)


def outputs(run, node):
    return [list(o) for o in run.outputs(node.top)]


SAMPLES = [np.array([s, 2 * s, -3, 4], dtype=object) for s in range(1, 7)]
CAP = 16_777_216


def test_a_model_that_fits_takes_one_call_per_sample_and_one_call_per_step_for_a_group():
    node = SimulatedNode(DAG, {1: 1_000_000, 2: 1_000_000, 4: 2_000_000, 5: 500_000}, cap=CAP)
    staged = predictor(node)
    first = staged.first([pack(SAMPLES[0])])
    assert node.calls == [(Stage(0, 6), 1)] and first.plan == staged.plan == [Stage(0, 6)]
    runs = staged.run([1, 2, 3], [[pack(x)] for x in SAMPLES[1:4]])
    assert node.calls[1:] == [(Stage(0, 6), 3)]  # three samples, one batch
    for run, x in zip([first] + runs, SAMPLES):
        assert outputs(run, node) == node.expected(x)
        assert run.gas == 4_500_000 + 30_000 + 16 * len(pack(x))


def test_a_model_over_the_cap_runs_layer_by_layer_once_then_on_the_repacked_plan():
    node = SimulatedNode(CHAIN, {n: 3_000_000 for n in range(1, 9)}, cap=CAP)
    staged = predictor(node)
    first = staged.first([pack(SAMPLES[0])])
    assert [call for call, _ in node.calls] == [Stage(0, 9)] + [Stage(n, n + 1) for n in range(1, 9)]
    assert first.plan == [Stage(n, n + 1) for n in range(1, 9)] and staged.failed == {Stage(0, 9)}
    assert staged.plan == [Stage(1, 6), Stage(6, 9)]  # 5 x 3M + 30k < 16.7M / 1.1
    calls = len(node.calls)
    runs = staged.run([1, 2], [[pack(x)] for x in SAMPLES[1:3]])
    assert node.calls[calls:] == [(Stage(1, 6), 2), (Stage(6, 9), 2)]
    for run, x in zip([first] + runs, SAMPLES):
        assert outputs(run, node) == node.expected(x) and len(run.layer_gas) == 8
    assert [run.plan for run in runs] == [[Stage(1, 6), Stage(6, 9)]] * 2


def test_a_budget_under_the_cap_plans_steps_to_it_and_a_step_that_cannot_be_cut_runs_under_the_cap():
    # Hardhat: calls may use 16,777,216, steps are planned to half of it. 12.5M in all: one call
    # would fit the cap, but the whole-model try carries only the budget, and fails.
    gas = {n: 1_500_000 for n in range(1, 9)} | {4: 2_000_000 + CAP // 2}  # l3 alone is over the budget
    node = SimulatedNode(CHAIN, gas, cap=CAP)
    staged = StagedPredictor(node.top, node, CAP, budget=CAP // 2)
    first = staged.first([pack(SAMPLES[0])])
    assert [call for call, _ in node.calls] == [Stage(0, 9)] + [Stage(n, n + 1) for n in range(1, 9)]
    assert staged.failed == {Stage(0, 9)} and outputs(first, node) == node.expected(SAMPLES[0])
    assert staged.plan == [Stage(1, 4), Stage(4, 5), Stage(5, 9)]  # 3 x 1.5M; l3 alone (10.4M); 4 x 1.5M
    [run] = staged.run([1], [[pack(SAMPLES[1])]])
    assert outputs(run, node) == node.expected(SAMPLES[1]) and run.plan == staged.plan


ROWS = graph(("x", 4, [], False), ("a", 6, [0], True), ("c", (8, 4), [1], True), ("d", 3, [2, 0], True))


def test_a_layer_with_rows_over_the_cap_is_probed_and_sliced_in_rows_without_a_failed_call():
    node = SimulatedNode(ROWS, {1: 1_000_000, 2: 40_000_000, 3: 500_000}, cap=CAP)  # 5M a row
    staged = predictor(node)
    first = staged.first([pack(SAMPLES[0])])
    probes = [Slice(2, 16, 20), Slice(2, 16, 24)]  # the middle row, then two
    slices = [Slice(2, 0, 12), Slice(2, 12, 24), Slice(2, 24, 32)]  # 3 rows each: 15M + overhead < 16.7M / 1.1
    assert [call for call, _ in node.calls] == [Stage(0, 4), Stage(1, 2)] + probes + slices + [Stage(3, 4)]
    assert staged.failed == {Stage(0, 4)} and first.plan == [Stage(1, 2)] + slices + [Stage(3, 4)]
    assert outputs(first, node) == node.expected(SAMPLES[0]) and first.layer_gas[2] == 40_003_000
    (run,) = staged.run([1], [[pack(SAMPLES[1])]])
    assert run.plan == staged.plan == first.plan and outputs(run, node) == node.expected(SAMPLES[1])


def test_a_later_sample_that_needs_more_gas_splits_its_step_and_the_plan_keeps_the_split():
    node = SimulatedNode(CHAIN, {n: 3_000_000 for n in range(1, 9)}, cap=CAP, scale=1.3)
    staged = predictor(node)
    staged.first([pack(SAMPLES[0])])
    assert staged.plan == [Stage(1, 6), Stage(6, 9)]
    heavy = np.array([-5, 1, 2, 3], dtype=object)  # 5 x 3.9M > the cap
    light, second = staged.run([1, 2], [[pack(SAMPLES[1])], [pack(heavy)]])
    assert light.plan == [Stage(1, 6), Stage(6, 9)] and Stage(1, 6) in staged.failed
    assert second.plan[:5] == [Stage(n, n + 1) for n in range(1, 6)]
    assert Stage(1, 6) not in staged.plan and outputs(second, node) == node.expected(heavy)


def test_one_element_over_the_cap_says_how_much_and_what_to_do():
    node = SimulatedNode(DAG, {1: 1_000_000, 2: 1_000_000, 4: 400_000_000, 5: 500_000}, cap=CAP)
    with pytest.raises(CallGasCapError) as raised:
        predictor(node).first([pack(SAMPLES[0])])
    assert [call for call, _ in node.calls] == [Stage(0, 6), Stage(1, 2), Stage(2, 3), Stage(4, 5), Slice(4, 0, 1)]
    message = str(raised.value)
    assert message.startswith("predict: element 0 of layer 'c' (index 4) alone needs at least 16,777,217 gas")
    assert "--call-gas-cap" in message and "anvil --gas-limit" in message and "\n" not in message


def test_a_revert_names_the_lowest_failing_sample_of_a_group_and_is_not_retried():
    node = SimulatedNode(CHAIN, {n: 1_000_000 for n in range(1, 9)}, cap=CAP)
    staged = predictor(node)
    staged.first([pack(SAMPLES[0])])
    bad = np.array([7777, 0, 0, 0], dtype=object)
    with pytest.raises(TransactionFailed, match=r"predict on sample 3 failed: LayerRefused\(7777\)"):
        staged.run([2, 3, 4, 5], [[pack(SAMPLES[1])], [pack(bad)], [pack(SAMPLES[2])], [pack(bad)]])
    assert staged.failed == set() and node.calls[-1] == (Stage(0, 9), 4)
