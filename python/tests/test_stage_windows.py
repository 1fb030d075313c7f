"""Staged predict through ``runWindow`` on anvil: a Conv2D -> ZeroPadding2D -> BatchNormalization ->
ReLU(6) -> DepthwiseConv2D (stride 2) -> Conv2D -> Add -> Concatenate -> AveragePooling2D chain under
a small call gas cap is sliced, each slice handed only the windows of its inputs it reads, and
its outputs are the emulator's bit for bit; the windows each layer type asks for are the ones
its contract needs (one element less reverts ``WindowTooSmall``)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from eth_abi import decode
from eth_utils import keccak
from web3.exceptions import ContractCustomError

from eternal.stage_calls import StageCalls
from eternal.stage_plan import Slice, Topology

predict_module = importlib.import_module("eternal.predict")  # the module: eternal.predict is the API function

CALL_GAS = 30_000_000  # anvil's block gas limit: the default eth_call gas may be less
WINDOWED = {"Conv2D", "BatchNormalization", "ReLU", "ZeroPadding2D", "DepthwiseConv2D", "Add", "Concatenate",
            "AveragePooling2D"}


def chain(seed: int):
    """Input(20, 20, 4) through the layers above, then GlobalAveragePooling2D -> Dense(3)."""
    import keras

    keras.utils.set_random_seed(seed)
    x = keras.Input((20, 20, 4), name="image")
    a = keras.layers.Conv2D(12, 3, padding="same")(x)
    a = keras.layers.ZeroPadding2D(((0, 1), (0, 1)))(a)  # before the BatchNormalization: nothing fuses
    a = keras.layers.BatchNormalization()(a)
    a = keras.layers.ReLU(6.0)(a)
    b = keras.layers.DepthwiseConv2D(3, strides=2, padding="valid")(a)
    c = keras.layers.Conv2D(12, 1)(b)
    d = keras.layers.Add()([b, c])
    d = keras.layers.Concatenate()([d, keras.layers.Conv2D(4, 1)(c)])  # runs of 12 + 4 channels
    e = keras.layers.AveragePooling2D(2)(d)
    out = keras.layers.Dense(3)(keras.layers.GlobalAveragePooling2D()(e))
    model = keras.Model(x, out, name=f"chain_{seed}")
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 2, gamma.shape), rng.uniform(-1, 1, beta.shape),
                               rng.uniform(-0.5, 0.5, mean.shape), rng.uniform(0.5, 2, var.shape)])
    return model


def deploy(anvil_node, tmp_path_factory, model, batch):
    """(web3, address, export, batch): ``model`` exported at int32 and deployed on anvil."""
    from eternal.chain import connect
    from eternal.deploy import ModelDeployer
    from eternal.export import ModelExporter

    export = ModelExporter("int32").export_model(model)
    deployer = ModelDeployer(anvil_node.url, journal_dir=str(tmp_path_factory.mktemp("journal")), quiet=True)
    return connect(anvil_node.url), deployer.deploy_model(export).address, export, batch


def assert_staged_is_emulated(deployed, share: float = 0.45) -> None:
    """Predicting the batch under a call gas cap of ``share`` of the costliest layer's gas slices
    every stage plan, keeps every call under the cap and gives the emulator's outputs."""
    from eternal.emulate import Emulator

    w3, address, export, batch = deployed
    one_call = predict_module.predict(w3, address, [batch[:1]])
    cap = int(share * max(layer["gas"] for layer in one_call["profile"]["layers"]))
    staged = predict_module.predict(w3, address, [batch], call_gas_cap=cap)
    emulated = Emulator(export).run_batch([batch]).floats[0]
    assert np.array_equal(np.stack([sample[0] for sample in staged["outputs"]]), emulated)
    for stages in staged["stages"]:
        assert any("slice" in stage for stage in stages)
        assert all(stage["gas"] <= cap for stage in stages)


@pytest.fixture(scope="module")
def deployed(anvil_node, tmp_path_factory):
    """(web3, address, export, float batch of 2)."""
    return deploy(anvil_node, tmp_path_factory, chain(5), np.random.default_rng(8).uniform(-1, 1, (2, 20, 20, 4)))


def layer_values(emulator, x) -> list[np.ndarray]:
    """Every layer's output for one sample (fixed-point ints), as the emulator computes them."""
    graph = emulator.graph
    values: list = [None] * len(graph["layers"])
    first = graph["inputs"][0]
    values[first] = np.asarray(x, dtype=object).reshape(graph["layers"][first]["output_shape"])
    for n, (layer, layer_type) in enumerate(zip(graph["layers"], emulator.types)):
        if values[n] is None:
            args = [values[ref[0]] for ref in layer["inbound"]]
            values[n] = np.asarray(layer_type.forward(layer["config"], args, emulator.weights[n], emulator.frac), dtype=object)
    return values


def test_slices_by_windows_are_the_emulators_bit_for_bit(deployed, monkeypatch):
    export = deployed[2]
    sent: list[tuple[Slice, bytes]] = []
    calldata = StageCalls.calldata

    def recording(self, step, ids, tensors):
        data = calldata(self, step, ids, tensors)
        if isinstance(step, Slice):
            sent.append((step, data))
        return data

    monkeypatch.setattr(StageCalls, "calldata", recording)
    assert_staged_is_emulated(deployed)

    # Every windowed layer type went through runWindow, handed less than its whole inputs.
    graph = export["graph"]
    topology = Topology(graph, ["0x" + "11" * 20] * len(graph["layers"]))
    windowed = set()
    for step, data in sent:
        windows = topology.windows(step)
        if windows is None:
            continue
        layer, start, end, offsets, sizes, _ = decode(["uint256", "uint256", "uint256", "uint256[]", "uint256[]", "bytes[]"],
                                                      data[4:])
        assert (layer, start, end) == (step.layer, step.start, step.end)
        assert list(offsets) == [lo for lo, _ in windows]
        assert sum(hi - lo for lo, hi in windows) < sum(sizes)
        windowed.add(topology.class_names[step.layer])
    assert windowed == WINDOWED


def test_each_layer_types_windows_are_exactly_what_its_contract_needs(deployed):
    """The Python windows against the contract: enough (runWindow answers the runSlice's
    slice) and no more (one element off either end of a non-empty window reverts
    WindowTooSmall naming it)."""
    assert_windows_exact(deployed, WINDOWED)


def assert_windows_exact(deployed, windowed: set[str], whole: frozenset[str] = frozenset()) -> None:
    """For every layer of a class in ``windowed``, at its first and last positions and one in the
    middle: runWindow on the windows ``Topology.windows`` gives is the emulator's slice, and one
    element off either end of a non-empty window reverts WindowTooSmall. A class in ``whole``
    may read its whole input for such a range (no windows: runSlice)."""
    from eternal.chain import open_model
    from eternal.emulate import Emulator
    from eternal.fixedpoint import to_fixed
    from eternal.tensorpack import pack, unpack, window

    w3, address, export, batch = deployed
    graph = export["graph"]
    model = open_model(w3, address)
    topology = Topology(graph, model.functions.layers().call())
    values = layer_values(Emulator(export), to_fixed(batch[0], graph["activation_frac_bits"]))
    too_small = "0x" + keccak(text="WindowTooSmall(uint256,uint256,uint256,uint256,uint256)")[:4].hex()
    packed = {topology.canonical[n]: pack(np.asarray(v).ravel()) for n, v in enumerate(values)}
    for layer in range(topology.count):
        if topology.class_names[layer] not in windowed or not topology.runnable[layer]:
            continue
        size = topology.sizes[layer]
        depth = topology.shapes[layer][-1]
        for start, end in ((0, depth), (size // 2 - 1, min(size, size // 2 + depth)), (size - depth, size)):
            step = Slice(layer, start, end)
            windows = topology.windows(step)
            if windows is None and topology.class_names[layer] in whole:
                continue
            assert windows is not None, (topology.class_names[layer], start, end)
            sources = topology.sources[layer]
            sizes = [topology.sizes[s] for s in sources]
            cut = [window(packed[s], n, lo, hi) for s, n, (lo, hi) in zip(sources, sizes, windows)]
            part, reported, _ = model.functions.runWindow(layer, start, end, [lo for lo, _ in windows], sizes, cut).call({"gas": CALL_GAS})
            assert reported == size
            assert list(unpack(part)) == list(unpack(packed[layer]))[start:end]
            for k, (lo, hi) in enumerate(windows):
                for short in ((lo + 1, hi), (lo, hi - 1)):
                    if short[0] > short[1] or hi - lo == 0:
                        continue
                    less = list(cut)
                    less[k] = window(packed[sources[k]], sizes[k], *short)
                    offsets = [w[0] for w in windows]
                    offsets[k] = short[0]
                    with pytest.raises(ContractCustomError) as caught:
                        model.functions.runWindow(layer, start, end, offsets, sizes, less).call({"gas": CALL_GAS})
                    assert str(caught.value.data).startswith(too_small), (layer, start, end, k, short)


def test_a_model_without_run_window_is_told_apart(deployed):
    """``takes_windows``: True for the model, False for a contract without ``runWindow`` (a
    model deployed before it: here one of its layer clones stands in), whose slices then go
    by ``runSlice`` (Topology.windows gives None)."""
    from eternal.chain import open_model
    from eternal.stage_calls import takes_windows

    w3, address, export, _ = deployed
    model = open_model(w3, address)
    assert takes_windows(w3, model)
    older = w3.eth.contract(address=model.functions.layers().call()[1], abi=model.abi)
    assert not takes_windows(w3, older)
    topology = Topology(export["graph"], model.functions.layers().call())
    assert topology.windows(Slice(1, 0, 12)) is not None
    topology.takes_windows = False
    assert topology.windows(Slice(1, 0, 12)) is None
