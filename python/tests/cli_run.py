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
