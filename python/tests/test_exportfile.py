"""eternal.exportfile: the one definition of the export file (build, decode, save, load)."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from eternal.errors import ExportFileError  # noqa: E402
from eternal.export import ModelExporter  # noqa: E402
from eternal.exportfile import EXPORT_FORMAT, export_dict, load_export, save_export, weight_stream  # noqa: E402
from eternal.hashing import model_hashes  # noqa: E402
from eternal.onchain import deployment_plan, export_from_plan, plan_to_json  # noqa: E402

from keras_cases import CASES, set_seeded_weights  # noqa: E402

GRAPH = {"name": "tiny", "layers": [], "page_size": 24575}
STREAM = bytes(range(256)) * 3


def exported(case: str) -> dict:
    model = CASES[case](keras)
    set_seeded_weights([model])
    return ModelExporter().export_model(model)


def test_export_dict_holds_the_graph_the_weights_and_their_hashes():
    export = export_dict(GRAPH, STREAM)
    assert export["format"] == EXPORT_FORMAT == "eternal-export/1"
    assert export["graph"] is GRAPH
    assert export["weights"]["encoding"] == "base64" and export["weights"]["size"] == len(STREAM)
    assert weight_stream(export) == STREAM
    assert export["hashes"] == model_hashes(GRAPH, STREAM)


def test_export_dict_records_given_hashes_and_extra_entries():
    committed = {"graph": "00" * 32, "weights": "11" * 32, "model": "22" * 32}
    export = export_dict(GRAPH, STREAM, committed, stats={"layers": 0})
    assert export["hashes"] == committed and export["hashes"] is not committed
    assert export["stats"] == {"layers": 0}


def test_the_exporter_and_the_plan_build_the_same_export():
    export = exported("Dense")
    assert set(export) == {"format", "graph", "weights", "hashes", "quantisation", "stats", "source"}
    back = export_from_plan(plan_to_json(deployment_plan(export)))
    assert back == {key: export[key] for key in ("format", "graph", "weights", "hashes")}


def test_export_file_round_trip(tmp_path):
    export = exported("Conv2D")
    path = tmp_path / "model.json"
    save_export(export, path)
    loaded = load_export(path)
    assert loaded == json.loads(json.dumps(export))
    assert loaded["hashes"] == export["hashes"]
    assert not (tmp_path / "model.json.tmp").exists()


def test_tampered_export_file_is_refused(tmp_path):
    export = exported("Dense")
    export["graph"]["layers"][1]["config"]["units"] = 6
    path = tmp_path / "model.json"
    save_export(export, path)
    with pytest.raises(ExportFileError, match="do not match the recorded hashes"):
        load_export(path)


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "Export file not found"),
        ("{not json", "not a readable export file"),
        (json.dumps({"format": "eternal-export/0"}), "not an Eternal export"),
        (json.dumps([1, 2]), "not an Eternal export"),
        (json.dumps({"format": EXPORT_FORMAT, "graph": GRAPH}), "incomplete or corrupt"),
    ],
)
def test_unreadable_export_files_are_refused(tmp_path, content, message):
    path = tmp_path / "model.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ExportFileError, match=message):
        load_export(path)


def test_a_saved_file_carries_a_checksum_of_its_bytes(tmp_path):
    export = exported("Dense")
    path = tmp_path / "model.json"
    save_export(export, path)
    data = path.read_bytes()
    assert data.startswith(b'{"checksum":"') and json.loads(data)["checksum"] == hashlib.sha256(
        b"{" + data[data.index(b'",') + 2 :]).hexdigest()
    assert "checksum" not in load_export(path)
    # A report (not covered by the model hashes) changed after saving is caught by the checksum.
    path.write_bytes(data.replace(b'"params":', b'"params":1'))
    with pytest.raises(ExportFileError, match="does not match its checksum"):
        load_export(path)


def test_a_file_saved_before_checksums_still_loads_but_no_unknown_entry(tmp_path):
    export = exported("Dense")
    path = tmp_path / "model.json"
    path.write_text(json.dumps(export, sort_keys=True, separators=(",", ":")))
    assert load_export(path) == json.loads(json.dumps(export))
    path.write_text(json.dumps({**export, "chekcsum": "00" * 32}))
    with pytest.raises(ExportFileError, match="no checksum"):
        load_export(path)
