"""The ``eternal`` command: export, plan, deploy, predict, verify, pull, node.

Every error is one line on stderr and a non-zero exit code; ``ETERNAL_DEBUG=1``
shows the stack trace of an unexpected one.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

COMMANDS = {
    "plan": "what a deployment costs per precision, and its error vs Keras (sends nothing)",
    "deploy": "deploy a model (resumes after a crash)",
    "predict": "run a deployed model by eth_call",
    "verify": "check a deployed model's pages and hashes",
    "pull": "rebuild the Keras model from the chain alone",
}


def guard(run, args) -> int:
    """Runs a command: an EternalError becomes one line and its exit code, anything
    unexpected one line and exit code 1."""
    from eternal.errors import EternalError

    try:
        return run(args)
    except EternalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: no stack trace for users
        if os.environ.get("ETERNAL_DEBUG"):
            raise
        message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        print(f"error: unexpected {type(exc).__name__}: {message} (ETERNAL_DEBUG=1 shows details)", file=sys.stderr)
        return 1


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `export` and `node` keep their own parsers: hand them the rest of the line.
    if argv and argv[0] == "export":
        from eternal.export import main as export_main

        return export_main(argv[1:])
    if argv and argv[0] == "node":
        from eternal.node import main as node_main

        return node_main(argv[1:])
    parser = argparse.ArgumentParser(prog="eternal", description="Keras models as EVM contracts.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("export", help="export a Keras model (graph, fixed-point weights, hashes)", add_help=False)
    commands.add_parser("node", help="run a local Hardhat node", add_help=False)
    modules = {}
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f"eternal.{name}")
        module.add_arguments(commands.add_parser(name, help=help_text, description=help_text))
        modules[name] = module
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return guard(modules[args.command].run, args)


if __name__ == "__main__":
    sys.exit(main())
