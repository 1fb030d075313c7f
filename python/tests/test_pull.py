"""`eternal pull` checks where it will write before it reads anything from the chain."""

from __future__ import annotations

import pytest

from eternal.cli import main

from cli_run import run_cli

UNREACHABLE = "http://127.0.0.1:1"  # reaching the chain would fail with code 20, not 15


@pytest.mark.parametrize("output, words", [
    ("/nonexistent/dir/x.keras", "does not exist"),
    ("{tmp}", "is a directory"),
    ("{tmp}/folder.keras", "is a directory"),
    ("{tmp}/file.txt/x.keras", "(it is a file)"),
    ("{tmp}/model.h5", "must end in .keras"),
])
def test_a_bad_output_path_is_refused_first(tmp_path, output, words):
    (tmp_path / "file.txt").write_text("")
    (tmp_path / "folder.keras").mkdir()
    result = run_cli(main, "pull", "0x" + "11" * 20, "-o", output.format(tmp=tmp_path), "--rpc-url", UNREACHABLE)
    assert result.returncode == 15, result.stderr
    assert result.stderr.count("\n") == 1 and words in result.stderr
