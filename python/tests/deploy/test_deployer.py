"""The deployer's steps on a real Hardhat node: batches, chunks, and the on_mined hook."""

from __future__ import annotations

import json

from deploy_cli import cli

from eternal.verify import check_model, read_model


def test_deep_model_spans_graph_chunks_and_layer_batches(hardhat_node, w3, workdir):
    import keras

    from eternal.export import ModelExporter, save_export
    from eternal.onchain import deployment_plan

    keras.utils.set_random_seed(40)
    model = keras.Sequential([keras.Input((4,), name="x")] + [keras.layers.Dense(4, activation="relu") for _ in range(90)],
                             name="deep")
    export = ModelExporter("int16").export_model(model)
    plan = deployment_plan(export)
    assert len(plan["graph_chunks"]) >= 2
    save_export(export, workdir / "deep.json")
    result = cli("deploy", workdir / "deep.json", "--json", journal=workdir / "j13", rpc=hardhat_node.url)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert check_model(read_model(w3, out["address"]), export).ok
    # 91 layers need more than one addLayers batch at 30% of the per-transaction cap.
    assert out["transactions"] >= 2 + 2 + 1 + len(plan["graph_chunks"]) + 1 + 1
