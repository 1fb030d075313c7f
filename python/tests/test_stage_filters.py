"""Staged inference of a Conv2D whose one output position does not fit a call: after the layer
runs out of gas whole, the rescue measures units of filters
(:meth:`eternal.stage_rescue.Rescue._filters`) and slices the position by blocks of filters,
with no other call over the cap; on anvil, a model whose 1x1 Conv2D position is split gives
the emulator's outputs bit for bit."""

from __future__ import annotations

import numpy as np

from test_stage_plan import CAP, SAMPLES, SimulatedNode, outputs, predictor
from test_stages import forced_cap

from eternal.layers import lookup
from eternal.stage_plan import Slice, Stage, Topology
from eternal.stages import StagedPredictor
from eternal.tensorpack import pack

ZERO, CODE = "0x" + "00" * 20, "0x" + "11" * 20


def conv_graph(shape, activation="linear") -> dict:
    """x -> a (Dense) -> conv (Conv2D, ``shape``) -> d (Dense, reads conv and x)."""
    layers = [("x", [4], [], "InputLayer"), ("a", [6], [0], "Dense"), ("conv", list(shape), [1], "Conv2D"),
              ("d", [3], [2, 0], "Dense")]
    return {"layers": [{"name": name, "class_name": kind, "output_shape": out, "inbound": [[s, 0] for s in sources],
                        "config": {"activation": activation}} for name, out, sources, kind in layers],
            "inputs": [0], "outputs": [[3, 0]]}


class FilterNode(SimulatedNode):
    """The simulated node, but a slice of the Conv2D costs its layer's share of the blocks of
    32 filters it touches at each position (what Conv2DLayer computes), plus ``slice_base``."""

    def __init__(self, g, layer_gas, cap, slice_base=1_000):
        super().__init__(g, layer_gas, cap, slice_base=slice_base)
        self.top = Topology(g, [ZERO if layer["class_name"] == "InputLayer" else CODE for layer in g["layers"]])

    def slice_gas(self, step, given):
        shape, full = self.top.shapes[step.layer], self.layer_gas(step.layer, given)
        if self.top.class_names[step.layer] != "Conv2D":
            return full + self.slice_base
        channels = shape[-1]
        blocks = {(n // channels, n % channels // 32) for n in range(step.start, step.end)}
        return full * len(blocks) // (self.top.sizes[step.layer] // 32) + self.slice_base


def test_conv2d_takes_filter_slices_in_units_of_32_but_not_under_a_softmax():
    assert lookup("Conv2D", "c").filter_block({"activation": "relu"}) == 32
    assert lookup("Conv1D", "c").filter_block({"activation": "linear"}) == 32
    assert lookup("Conv2D", "c").filter_block({"activation": "softmax"}) is None
    assert lookup("Dense", "d").filter_block({"activation": "linear"}) is None


def test_a_single_pixel_over_the_cap_is_probed_by_filters_and_sliced_within_its_position():
    # Few rows (one): the layer is tried whole first, as any such layer (most fit), then probed.
    node = FilterNode(conv_graph((1, 1, 1024)), {1: 1_000_000, 2: 40_000_000, 3: 500_000}, cap=CAP)
    staged = predictor(node)
    first = staged.first([pack(SAMPLES[0])])
    probes = [Slice(2, 0, 32), Slice(2, 0, 64)]  # the first one and two units of the middle (only) position
    # 1.25M a unit of 32 filters: 12 units (15M) + overhead < 16.7M / 1.1
    slices = [Slice(2, 0, 384), Slice(2, 384, 768), Slice(2, 768, 1024)]
    assert [call for call, _ in node.calls] == [Stage(0, 4), Stage(1, 2), Stage(2, 3)] + probes + slices + [Stage(3, 4)]
    assert staged.failed == {Stage(0, 4), Stage(2, 3)} and first.plan == [Stage(1, 2)] + slices + [Stage(3, 4)]
    assert outputs(first, node) == node.expected(SAMPLES[0])
    (run,) = staged.run([1], [[pack(SAMPLES[1])]])
    assert run.plan == staged.plan == first.plan and outputs(run, node) == node.expected(SAMPLES[1])


def test_positions_that_fit_one_a_call_are_sliced_whole_after_probing_the_middle_one():
    node = FilterNode(conv_graph((2, 3, 256)), {1: 1_000_000, 2: 60_000_000, 3: 500_000}, cap=CAP)  # 10M a position
    staged = predictor(node)
    first = staged.first([pack(SAMPLES[0])])
    probes = [Slice(2, 768, 800), Slice(2, 768, 832)]  # position 3 of 6
    slices = [Slice(2, p * 256, (p + 1) * 256) for p in range(6)]  # 12 units fit: one position (8)
    assert [call for call, _ in node.calls] == [Stage(0, 4), Stage(1, 2), Stage(2, 3)] + probes + slices + [Stage(3, 4)]
    assert staged.failed == {Stage(0, 4), Stage(2, 3)} and outputs(first, node) == node.expected(SAMPLES[0])


def test_rows_whose_one_row_is_over_the_budget_are_sliced_by_positions_without_a_failed_call():
    # Hardhat: steps planned to half the cap. A slice costs 5M besides its part (16M: 4M a row,
    # 2M a position): the row probes run under the cap, one row (9M) is over the budget / 1.1.
    node = FilterNode(conv_graph((4, 2, 256)), {1: 1_000_000, 2: 16_000_000, 3: 500_000}, cap=CAP, slice_base=5_000_000)
    staged = StagedPredictor(node.top, node, CAP, budget=CAP // 2)
    first = staged.first([pack(SAMPLES[0])])
    rows = [Slice(2, 1024, 1536), Slice(2, 1024, 2048)]
    units = [Slice(2, 1024, 1056), Slice(2, 1024, 1088)]  # 0.25M a unit: 10 fit, a position (8) a slice
    slices = [Slice(2, p * 256, (p + 1) * 256) for p in range(8)]
    assert [call for call, _ in node.calls] == [Stage(0, 4), Stage(1, 2)] + rows + units + slices + [Stage(3, 4)]
    assert staged.failed == {Stage(0, 4)} and outputs(first, node) == node.expected(SAMPLES[0])


def pointwise_model():
    """Input(1, 1, 64) -> Conv2D(200, 1x1, relu) -> Flatten -> Dense(10): one position of 200 filters
    (25 int32 blocks, not a multiple of the unit of 32)."""
    import keras

    keras.utils.set_random_seed(13)
    return keras.Sequential([keras.Input((1, 1, 64), name="pixel"), keras.layers.Conv2D(200, 1, activation="relu"),
                             keras.layers.Flatten(), keras.layers.Dense(10)], name="pointwise")


def test_on_anvil_a_split_position_gives_the_emulators_outputs_bit_for_bit(anvil_node, tmp_path):
    import importlib

    predict_module = importlib.import_module("eternal.predict")  # `from eternal import predict` is the API function
    from eternal.chain import connect
    from eternal.deploy import ModelDeployer
    from eternal.emulate import Emulator
    from eternal.export import ModelExporter

    export = ModelExporter("int32").export_model(pointwise_model())
    batch = np.random.default_rng(5).uniform(-1, 1, (2, 1, 1, 64))
    address = ModelDeployer(anvil_node.url, journal_dir=str(tmp_path), quiet=True).deploy_model(export).address
    w3 = connect(anvil_node.url)
    one_call = predict_module.predict(w3, address, [batch])
    cap = forced_cap(one_call, slices=True)  # 70% of the convolution: its one position cannot run whole
    staged = predict_module.predict(w3, address, [batch], call_gas_cap=cap)
    steps = staged["stages"][-1]  # the second sample: the plan the first one learned
    inside = [step["slice"] for step in steps if "slice" in step and (step["slice"][0] % 200 or step["slice"][1] % 200)]
    assert inside, f"no slice begins or ends inside the position: {steps}"
    assert all(stage["gas"] <= cap for stages in staged["stages"] for stage in stages)
    emulated = Emulator(export).run_batch([batch]).floats[0]
    assert np.array_equal(np.stack([sample[0] for sample in staged["outputs"]]), emulated)
    assert np.array_equal(np.stack([sample[0] for sample in one_call["outputs"]]), emulated)

