"""Fixtures of the deployer's chain tests: small Keras models and their export files."""

from __future__ import annotations

import pytest

from small_models import small_model


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("deploy")


@pytest.fixture(scope="module")
def export_file(workdir):
    """``export_file(seed)``: the path of an int32 export of ``small_model(seed)`` (and the model)."""
    from eternal.export import ModelExporter, save_export

    made = {}

    def make(seed: int):
        if seed not in made:
            model = small_model(seed)
            path = workdir / f"small_{seed}.json"
            export = ModelExporter("int32").export_model(model)
            save_export(export, path)
            made[seed] = (path, model, export)
        return made[seed]

    return make
