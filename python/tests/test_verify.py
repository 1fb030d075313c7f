"""`eternal verify` on models the deployer has just put on a real Hardhat node."""

from __future__ import annotations

import dataclasses

from cli_run import one_line_error
from deploy_cli import cli, deployed_copy

from eternal.verify import check_model, read_model


def test_verify_refuses_another_model(hardhat_node, workdir, export_file):
    path, _, _ = export_file(1)
    address = deployed_copy(path, workdir / "j2", hardhat_node.url)
    other, _, _ = export_file(2)
    result = cli("verify", address, other, rpc=hardhat_node.url)
    assert result.returncode == 40
    assert "FAIL matches MODEL" in result.stdout and "failed verification" in one_line_error(result)


def test_verify_catches_every_kind_of_tampering(hardhat_node, w3, workdir, export_file):
    path, _, export = export_file(1)
    address = deployed_copy(path, workdir / "j12", hardhat_node.url)
    good = read_model(w3, address)
    assert check_model(good, export).ok

    def failing(onchain):
        return {name for name, ok, _ in check_model(onchain).checks if not ok}

    flipped = bytearray(good.stream)
    flipped[30000] ^= 1
    assert "page hashes" in failing(dataclasses.replace(good, stream=bytes(flipped)))
    assert {"graph hash", "graph canonical"} & failing(dataclasses.replace(good, graph_bytes=good.graph_bytes + b" "))
    committed = dict(good.committed, model="00" * 32)
    assert "model hash" in failing(dataclasses.replace(good, committed=committed))
    codes = list(good.layer_code)
    dense = next(i for i, code in enumerate(codes) if code)
    codes[dense] = codes[dense][:-1] + bytes([codes[dense][-1] ^ 1])
    assert failing(dataclasses.replace(good, layer_code=codes)) == {"layer configs"}
    assert "page count" in failing(dataclasses.replace(good, page_sizes=good.page_sizes[:-1], page_hashes=good.page_hashes[:-1]))


def test_verify_checks_the_activation_kernels_an_extended_activation_calls(hardhat_node, w3, workdir):
    """A Dense with silu and an Activation with gelu call the ActivationKernels their implementations
    created: verify checks that code."""
    import keras

    from eternal.export import ModelExporter, save_export

    x = keras.Input(shape=(4,), name="x")
    hidden = keras.layers.Dense(3, activation="silu", name="d")(x)
    model = keras.Model(x, keras.layers.Activation("gelu", name="a")(hidden), name="silu_model")
    path = workdir / "silu_model.json"
    save_export(ModelExporter("int32").export_model(model), path)
    address = deployed_copy(path, workdir / "jsilu", hardhat_node.url)
    good = read_model(w3, address)
    assert check_model(good).ok and len(good.kernel_code) == 2  # Dense's and Activation's
    emptied = {implementation: b"" for implementation in good.kernel_code}
    bad = check_model(dataclasses.replace(good, kernel_code=emptied))
    assert {name for name, ok, _ in bad.checks if not ok} == {"activation kernels"}


def test_verify_passes_a_recurrent_layer_with_an_extended_activation(hardhat_node, w3, workdir):
    """SimpleRNN runs gelu itself (no ActivationKernels): verify does not look for one."""
    import keras

    from eternal.deploy.implementations import creates_activation_kernels
    from eternal.export import ModelExporter, save_export

    x = keras.Input(shape=(3, 2), name="x")
    model = keras.Model(x, keras.layers.SimpleRNN(2, activation="gelu", name="rnn")(x), name="gelu_rnn")
    path = workdir / "gelu_rnn.json"
    save_export(ModelExporter("int32").export_model(model), path)
    good = read_model(w3, deployed_copy(path, workdir / "jrnn", hardhat_node.url))
    assert check_model(good).ok
    assert not creates_activation_kernels("SimpleRNNLayer") and creates_activation_kernels("DenseLayer")
