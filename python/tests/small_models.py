"""Small Keras models the deploy tests deploy."""

from __future__ import annotations


def small_model(seed: int):
    """Input(16) -> Dense(400, relu) -> Dense(10, softmax): 3 weight pages at int32."""
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((16,), name="x"), keras.layers.Dense(400, activation="relu"), keras.layers.Dense(10, activation="softmax")],
        name=f"small_{seed}",
    )
    return model


def small_cnn(seed: int):
    """Input(8, 8, 1) -> Conv2D(16, 3) -> MaxPooling2D -> Conv2D(36, 3) -> Flatten -> Dense(10): 11,150
    parameters, 2 weight pages at int32."""
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [keras.Input((8, 8, 1), name="pixels"), keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
         keras.layers.MaxPooling2D(2), keras.layers.Conv2D(36, 3, padding="same", activation="relu"),
         keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")],
        name=f"cnn_{seed}",
    )


def lenet(seed: int):
    """EternalAI's Fashion-MNIST LeNet: Input(28, 28, 1) -> Conv2D(6, 5x5, same, tanh) -> MaxPooling2D ->
    Conv2D(16, 5x5, same, tanh) -> MaxPooling2D -> Flatten -> Dense(70, tanh) -> Dense(10, softmax); 58,232
    parameters, seeded random weights."""
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [keras.Input((28, 28, 1), name="image"), keras.layers.Conv2D(6, 5, padding="same", activation="tanh"),
         keras.layers.MaxPooling2D(2), keras.layers.Conv2D(16, 5, padding="same", activation="tanh"),
         keras.layers.MaxPooling2D(2), keras.layers.Flatten(), keras.layers.Dense(70, activation="tanh"),
         keras.layers.Dense(10, activation="softmax")],
        name=f"lenet_{seed}",
    )


def fixture_export(name: str, precision: str = "int32"):
    """A fixture case of scripts/fixture_cases rebuilt as scripts/make_fixtures.py builds it, its
    export at ``precision``, and the committed fixture file (whose hashes it must match)."""
    import json
    import os
    import sys

    import keras

    from eternal.export import ModelExporter

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.path.insert(0, os.path.join(root, "scripts"))
    import make_fixtures
    from fixture_cases import discover

    suffix = "" if precision == "int32" else f"_{precision}"
    with open(os.path.join(root, "test", "fixtures", f"{name}{suffix}.json")) as file:
        fixture = json.load(file)
    make_fixtures.seed_everything(keras)
    model, _ = discover()[name].build(keras)
    export = ModelExporter(precision).export_model(model)
    assert export["hashes"] == fixture["hashes"], f"{name}: the committed fixture is stale"
    return export, fixture


def gas_under_plans(node_url: str, export: dict, fixture: dict, plans: dict, journals) -> dict:
    """Deploys ``export`` once per plan (name -> the ``fusions`` it is planned with), checks that
    each deployment verifies and predicts the fixture's first sample as the emulator does, and
    returns name -> that predict's gas."""
    from unittest import mock

    import numpy as np

    import eternal.onchain
    from eternal.chain import connect
    from eternal.deploy import ModelDeployer
    from eternal.emulate import emulate_sample
    from eternal.predict import predict
    from eternal.verify import check_model, read_model

    w3 = connect(node_url)
    sample = [int(v) for v in fixture["samples"][0]["inputs"][0]]
    x = np.asarray(sample, dtype=np.float64).reshape(fixture["input_shapes"][0]) / 2 ** 24
    want = [int(v) for v in emulate_sample(export, [sample])[0]]
    plan = eternal.onchain.deployment_plan
    gas = {}
    for name, fusions in plans.items():
        with mock.patch.object(eternal.onchain, "deployment_plan", lambda e, f=fusions: plan(e, f)):
            address = ModelDeployer(node_url, journal_dir=str(journals / name), quiet=True).deploy_model(export).address
        assert check_model(read_model(w3, address), export).ok, name  # verify accepts the plan it was deployed by
        out = predict(w3, address, [x[None]])
        assert [int(round(v * 2 ** 24)) for v in np.ravel(out["outputs"][0][0])] == want, name
        gas[name] = out["gas"][0]
    return gas
