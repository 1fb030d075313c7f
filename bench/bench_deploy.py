"""Deploying a 1.3M-parameter Dense model on a local Hardhat node, beside the floor.

``.venv/bin/python bench/bench_deploy.py [--precision int32] [--port P]``

Prints one table: the floor (the node alone mining one raw page creation per
transaction for as many 24,575-byte pages as the model has, signed with
consecutive nonces and sent back to back) and the whole
``python -m eternal.deploy EXPORT.json`` command (start-up included), with its
upload phase, transactions and gas per weight byte. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = Path(__file__).resolve().parents[1]
PAGE = 24575


def build_model():
    """Input(1024) -> Dense(1024, relu) -> Dense(256, relu) -> Dense(10, softmax): 1,314,570 params."""
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((1024,), name="x"),
            keras.layers.Dense(1024, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="bench_1m3",
    )


def page_creation_code(page: bytes) -> bytes:
    """Initcode returning ``0x00 || page`` as runtime code (what SSTORE2 writes)."""
    runtime = b"\x00" + page
    n = len(runtime)
    # PUSH2 n, DUP1, PUSH1 10, RETURNDATASIZE, CODECOPY, RETURNDATASIZE, RETURN: copy the
    # 10 bytes' tail (the runtime) to memory 0 and return it.
    return bytes([0x61, n >> 8, n & 0xFF, 0x80, 0x60, 0x0A, 0x3D, 0x39, 0x3D, 0xF3]) + runtime


def floor(url: str, pages: list[bytes]) -> dict:
    """Raw page creations, consecutive nonces, all sent then the receipts collected."""
    from eth_account import Account
    from web3 import Web3

    from eternal.deploy.keys import DEV_KEY

    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120}))
    account = Account.from_key(DEV_KEY)
    chain_id = w3.eth.chain_id
    base = w3.eth.get_block("latest")["baseFeePerGas"]
    started = time.perf_counter()
    nonce = w3.eth.get_transaction_count(account.address, "pending")
    hashes = []
    for k, page in enumerate(pages):
        tx = {"data": page_creation_code(page), "gas": 5_600_000, "nonce": nonce + k, "chainId": chain_id, "value": 0,
              "maxFeePerGas": 2 * base + 10**9, "maxPriorityFeePerGas": 10**9}
        hashes.append(w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction))
    receipts = [w3.eth.wait_for_transaction_receipt(h, timeout=300, poll_latency=0.02) for h in hashes]
    seconds = time.perf_counter() - started
    assert all(r["status"] == 1 for r in receipts)
    return {"seconds": seconds, "transactions": len(pages), "gas": sum(r["gasUsed"] for r in receipts),
            "bytes": sum(len(p) for p in pages)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", default="int32")
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from eternal.export import ModelExporter
    from eternal.exportfile import save_export, weight_stream
    from eternal.node import HardhatNode, compile_contracts
    from eternal.weightstream import split_pages

    compile_contracts()
    workdir = Path(tempfile.mkdtemp(prefix="eternal-bench-"))
    model = build_model()
    t0 = time.perf_counter()
    export = ModelExporter(args.precision).export_model(model)
    export_seconds = time.perf_counter() - t0
    export_path = workdir / "bench.json"
    save_export(export, export_path)
    keras_path = workdir / "bench.keras"
    model.save(keras_path)
    pages = split_pages(weight_stream(export), PAGE)
    with HardhatNode(args.port) as node:
        base_line = floor(node.url, pages)
        env = dict(os.environ, ETERNAL_JOURNAL_DIR=str(workdir / "journal"))
        t0 = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "eternal.deploy", str(export_path), "--json", "--quiet", "--rpc-url", node.url],
            capture_output=True, text=True, env=env, cwd=REPO,
        )
        command_seconds = time.perf_counter() - t0
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return 1
        deployed = json.loads(result.stdout)
        t0 = time.perf_counter()
        from_keras = subprocess.run(
            [sys.executable, "-m", "eternal.deploy", str(keras_path), "--again", "--json", "--quiet", "--rpc-url", node.url],
            capture_output=True, text=True, env=env, cwd=REPO,
        )
        keras_seconds = time.perf_counter() - t0
        keras_ok = from_keras.returncode == 0
        verify = subprocess.run([sys.executable, "-m", "eternal.verify", deployed["address"], "--rpc-url", node.url],
                                capture_output=True, text=True)
    weight_bytes = export["stats"]["weight_bytes"]
    upload = deployed["phase_seconds"].get("upload", float("nan"))

    table = Table(title=f"Deploy {export['stats']['params']:,} params ({args.precision}, {weight_bytes:,} weight bytes, "
                        f"{len(pages)} pages) on a local Hardhat node")
    for column in ("what", "wall s", "txs", "gas", "gas / weight byte"):
        table.add_column(column, justify="right" if column != "what" else "left")
    table.add_row("floor: raw page creations, pipelined", f"{base_line['seconds']:.2f}", str(base_line["transactions"]),
                  f"{base_line['gas']:,}", f"{base_line['gas'] / base_line['bytes']:.1f}")
    table.add_row("eternal.deploy: whole command", f"{command_seconds:.2f}", str(deployed["transactions"]),
                  f"{deployed['gas_used']:,}", f"{deployed['gas_used'] / weight_bytes:.1f}")
    table.add_row("eternal.deploy from .keras (export incl.)", f"{keras_seconds:.2f}" if keras_ok else "failed", "", "", "")
    table.add_row("  of which upload phase", f"{upload:.2f}", "", "", "")
    table.add_row("  upload / floor", f"{upload / base_line['seconds']:.2f}x", "", "", "")
    console = Console()
    console.print(table)
    console.print(f"phases (s): {deployed['phase_seconds']}; export (not in the command above, from a .json): "
                  f"{export_seconds:.2f} s; verify: {'ok' if verify.returncode == 0 else 'FAILED'}")
    console.print("targets: whole command <= 15 s, upload within 3x of the floor, <= 228 gas per weight byte")
    return 0 if verify.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
