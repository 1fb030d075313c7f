"""``eternal deploy MODEL``: deploy a model, or resume its deployment after a crash.

``python -m eternal.deploy MODEL [--precision int32] [--rpc-url URL] [--json] [--quiet]``
"""

from __future__ import annotations

import argparse
import json
import sys

from eternal.chain import default_rpc_url
from eternal.deploy.deployer import ModelDeployer
from eternal.deploy.journal import DEFAULT_DIR
from eternal.errors import INTERRUPTED_EXIT_CODE
from eternal.fixedpoint import DEFAULT_PRECISION, PRECISIONS

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .keras/.h5 model file or an export file (.json)")
    parser.add_argument("--precision", choices=sorted(PRECISIONS),
                        help=f"weight width for a Keras model (default {DEFAULT_PRECISION})")
    parser.add_argument("--rpc-url", default=default_rpc_url(), help="node endpoint")
    parser.add_argument("--keystore", help="encrypted JSON keystore (password prompt, or ETERNAL_KEYSTORE_PASSWORD)")
    parser.add_argument("--journal-dir", help=f"journal directory (default {DEFAULT_DIR}, or ETERNAL_JOURNAL_DIR)")
    parser.add_argument("--fresh", action="store_true", help="set an earlier unfinished journal aside and start over")
    parser.add_argument("--again", action="store_true", help="deploy another copy even if this model is already deployed here")
    parser.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--max-pages-per-tx", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--max-layers-per-tx", type=int, help=argparse.SUPPRESS)


def run(args) -> int:
    """Deploys (or resumes) and prints the model's address, or one JSON object with ``--json``.

    A model this chain already has (by an earlier run) is not deployed again unless
    ``--again``: the earlier run's address (or JSON) is printed, with a note on stderr.
    """
    try:
        deployer = ModelDeployer(
            args.rpc_url, args.keystore, args.journal_dir, quiet=args.quiet or args.json, fresh=args.fresh,
            again=args.again, max_pages_per_tx=args.max_pages_per_tx, max_layers_per_tx=args.max_layers_per_tx,
        )
        result = deployer.deploy_model(args.model, args.precision)
    except KeyboardInterrupt:
        print("error: interrupted; rerun the same command to resume", file=sys.stderr)
        return INTERRUPTED_EXIT_CODE
    if result.already_deployed and not args.quiet:
        print(f"model {result.model_hash} was already deployed on chain id {result.chain_id} at {result.address}; "
              f"nothing sent (pass --again to deploy another copy)", file=sys.stderr)
    if args.json:
        print(json.dumps(result.record()))
    else:
        print(result.address)
    return 0
