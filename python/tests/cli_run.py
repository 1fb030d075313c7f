"""Running a command in this process, as a user would from the shell: exit code, stdout, stderr."""

from __future__ import annotations

import contextlib
import io
import os
import types


def run_cli(main, *args, env: dict | None = None):
    """``main(ARGS)`` with ``env`` set for the call; returns ``returncode``, ``stdout``, ``stderr``."""
    saved = {key: os.environ.get(key) for key in env or {}}
    os.environ.update(env or {})
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return types.SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def one_line_error(result) -> str:
    """The one ``error:`` line of a failed command (asserting there is exactly one, and no trace)."""
    assert result.returncode not in (0, None), result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]
