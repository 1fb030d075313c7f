"""The ``eternal`` command: one parser, one subcommand per command module.

Each command module (``eternal.export``, ``eternal.deploy``, …) exposes
``add_arguments(parser)`` and ``run(args) -> int`` and raises
:class:`~eternal.errors.EternalError` for anything a user can get wrong; none of
them imports this module. Here every such error becomes one line on stderr and
its exit code (:data:`eternal.errors.EXIT_CODES`); ``ETERNAL_DEBUG=1`` shows the
stack trace of an unexpected one.

``python -m eternal.COMMAND`` runs the same command through :func:`run_module`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from eternal.errors import INTERRUPTED_EXIT_CODE, EternalError

COMMANDS = {
    "export": "export a Keras model (graph, fixed-point weights, hashes)",
    "plan": "what a deployment costs per precision, and its error vs Keras (sends nothing)",
    "deploy": "deploy a model (resumes after a crash)",
    "predict": "run a deployed model by eth_call",
    "verify": "check a deployed model's pages and hashes",
    "pull": "rebuild the Keras model from the chain alone",
    "node": "run a local node (Hardhat or anvil) in the foreground",
    "demo": "the main job: train the digits CNN, deploy it, predict on chain, report",
}
"""Command name -> its one-line help; the module is ``eternal.<name>``."""

UNEXPECTED_EXIT_CODE = 1


def guard(run, args) -> int:
    """Runs a command: an EternalError becomes one line and its exit code, anything
    unexpected one line and exit code 1."""
    try:
        return run(args)
    except EternalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return INTERRUPTED_EXIT_CODE
    except Exception as exc:  # the last line of defence: no stack trace for users
        if os.environ.get("ETERNAL_DEBUG"):
            raise
        message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        print(f"error: unexpected {type(exc).__name__}: {message} (ETERNAL_DEBUG=1 shows details)", file=sys.stderr)
        return UNEXPECTED_EXIT_CODE


def _command(name: str):
    return importlib.import_module(f"eternal.{name}")


def build_parser(prog: str = "eternal", chosen: str | None = None) -> argparse.ArgumentParser:
    """The whole command line: one subcommand per entry of :data:`COMMANDS`.

    Only the ``chosen`` command's module is imported for its options (all of them when
    ``chosen`` is None): ``eternal export`` need not load web3, nor ``eternal --help``.
    """
    parser = argparse.ArgumentParser(prog=prog, description="Keras models as EVM contracts.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if chosen in (None, name):
            _command(name).add_arguments(sub)
    return parser


def main(argv=None) -> int:
    """``eternal COMMAND …``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    invoked = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "eternal"
    chosen = argv[0] if argv and argv[0] in COMMANDS else ""  # "": no command's options needed
    parser = build_parser("python -m eternal.cli" if invoked.endswith(".py") else invoked, chosen)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return guard(_command(args.command).run, args)


def run_module(name: str, argv=None) -> int:
    """``python -m eternal.<name> …``: the same command, with that name in its usage line."""
    parser = argparse.ArgumentParser(prog=f"python -m eternal.{name}", description=COMMANDS[name])
    module = _command(name)
    module.add_arguments(parser)
    return guard(module.run, parser.parse_args(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
