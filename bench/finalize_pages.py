"""finalize with many real weight pages, on a private anvil: its gas does not grow with the pages.

``PYTHONPATH=python .venv/bin/python bench/finalize_pages.py [--pages 10000] [--per-tx 3]``

Deploys EternalModel models of 1, 2, 3 and ``--pages`` full 24,575-byte pages of seeded random
bytes (an identity input and a WeightPagesHarness layer that reads 64 bytes across the last two
pages), through the real calls: addLayers, construct, appendGraph, appendPages (``--per-tx``
pages a transaction, each under the 16,777,216 cap), finalize. Prints finalize's gas per model
and checks, for the big one: the model is Finalised with the committed hashes, ``pages()``
holds every page at its derived address (the first, last and a few between read back), and
``predict`` returns the bytes of the last pages. anvil (osaka rules) runs with a 1e9 block gas
limit so that the views over every page (``pageHashes()``, ``pages()``) and ``predict`` fit one
``eth_call``. Not a timed test: 10,000 pages (246 MB) take a few minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time

from eth_abi import encode
from rich.console import Console
from rich.table import Table
from web3 import Web3

from eternal.chain import STATES, artifact
from eternal.node import AnvilNode

PAGE_SIZE = 24_575
GAS_LIMIT = 1_000_000_000  # anvil's block gas limit here: views over 10,000 pages fit one eth_call
TX_GAS = 16_777_216  # every transaction within the EIP-7825 cap


class PrunedAnvil(AnvilNode):
    """anvil keeping its last few states in memory and none on disk: by default it writes every
    older block's state to ~/.foundry/anvil/tmp, which for 10,000 pages of code fills a disk."""

    def command(self) -> list[str]:
        return [*super().command(), "--prune-history", "8"]


def seeded_page(seed: int) -> bytes:
    return random.Random(seed).randbytes(PAGE_SIZE)


def deploy(w3: Web3, name: str) -> str:
    compiled = artifact(name)
    tx = {"from": w3.eth.accounts[0], "data": compiled["bytecode"], "gas": TX_GAS}
    return w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(tx))["contractAddress"]


def send(w3: Web3, model, call) -> dict:
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": w3.eth.accounts[0], "gas": TX_GAS}))
    if receipt["status"] != 1:
        raise SystemExit(f"transaction reverted: {receipt['transactionHash'].hex()}")
    return receipt


def model_with_pages(w3: Web3, harness: str, count: int, per_tx: int, say) -> dict:
    """One model of ``count`` full pages through the whole lifecycle; returns what to check."""
    abi = artifact("EternalModel")["abi"]
    model = w3.eth.contract(address=deploy(w3, "EternalModel"), abi=abi)
    graph = b'{"bench":"finalize_pages","pages":"%08d"}' % count
    page_hashes = [hashlib.sha256(seeded_page(i)).digest() for i in range(count)]
    graph_hash = hashlib.sha256(graph).digest()
    weights_hash = hashlib.sha256(b"".join(page_hashes)).digest()
    model_hash = hashlib.sha256(graph_hash + weights_hash).digest()
    offset = (count - 1) * PAGE_SIZE - 30  # 30 bytes of the page before the last, 34 of the last
    config = encode(["uint256", "uint256"], [offset, 64])
    fn = model.functions
    send(w3, model, fn.addLayers(0, ["0x" + "00" * 20, harness], [b"", config]))
    send(w3, model, fn.construct([[], [0]], [0], [1], graph_hash, weights_hash, model_hash, count * PAGE_SIZE, len(graph)))
    send(w3, model, fn.appendGraph(0, graph))
    started = time.monotonic()
    upload_gas = 0
    for first in range(0, count, per_tx):
        pages = [seeded_page(i) for i in range(first, min(first + per_tx, count))]
        upload_gas += send(w3, model, fn.appendPages(first, pages))["gasUsed"]
        if first and first % 1500 == 0:
            say(f"  {first:,} of {count:,} pages stored ({time.monotonic() - started:.0f} s)")
    finalize = send(w3, model, fn.finalize())
    return {"model": model, "count": count, "offset": offset, "finalize_gas": finalize["gasUsed"],
            "upload_gas": upload_gas, "hashes": (graph_hash, weights_hash, model_hash), "page_hashes": page_hashes}


def check(w3: Web3, built: dict) -> list[str]:
    """What the big model must hold; returns the failures."""
    model, count, fn = built["model"], built["count"], built["model"].functions
    failures = []
    if STATES[fn.state().call()] != "Finalised":
        failures.append("not Finalised")
    if (fn.graphHash().call(), fn.weightsHash().call(), fn.modelHash().call()) != built["hashes"]:
        failures.append("committed hashes differ")
    pages = fn.pages().call()
    if len(pages) != count:
        failures.append(f"pages() has {len(pages)} addresses, not {count}")
    if [bytes(h) for h in fn.pageHashes().call()] != built["page_hashes"]:
        failures.append("pageHashes() differs from the pages sent")
    writer = w3.keccak(b"\xd6\x94" + bytes.fromhex(model.address[2:]) + b"\x01")[12:]  # the model's first creation
    for index in sorted({0, 1, 127, 128, 255, 256, count // 2, count - 2, count - 1} & set(range(count))):
        nonce = index + 1
        rlp_nonce = bytes([nonce]) if nonce < 0x80 else bytes([0x80 + (nonce.bit_length() + 7) // 8]) + nonce.to_bytes((nonce.bit_length() + 7) // 8, "big")
        derived = w3.keccak(bytes([0xC0 + 21 + len(rlp_nonce), 0x94]) + writer + rlp_nonce)[12:]
        if pages[index].lower() != "0x" + derived.hex():
            failures.append(f"page {index} is not at the writer's creation {nonce}")
        if bytes(w3.eth.get_code(pages[index])) != b"\x00" + seeded_page(index):
            failures.append(f"page {index}'s code is not the page sent")
    [output] = fn.predict([[1]]).call()
    stream = seeded_page(count - 2)[-30:] + seeded_page(count - 1)[:34]
    if list(output[:64]) != list(stream):
        failures.append("predict did not read the last pages' bytes")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--per-tx", type=int, default=3, help="pages per appendPages (3 fit the 16.7M cap)")
    args = parser.parse_args()
    console = Console(stderr=True)
    with PrunedAnvil(gas_limit=GAS_LIMIT) as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 600}))
        harness = deploy(w3, "WeightPagesHarness")
        rows = []
        for count in sorted({2, 3, 4, args.pages}):
            console.print(f"model with {count:,} pages")
            built = model_with_pages(w3, harness, count, args.per_tx, console.print)
            rows.append(built)
        failures = check(w3, rows[-1])
    table = Table(title=f"finalize by page count (anvil, osaka, {args.per_tx} pages per appendPages)")
    for column in ("pages", "weight bytes", "appendPages gas per page", "finalize gas"):
        table.add_column(column, justify="right")
    for built in rows:
        table.add_row(f"{built['count']:,}", f"{built['count'] * PAGE_SIZE:,}",
                      f"{built['upload_gas'] / built['count']:,.0f}", f"{built['finalize_gas']:,}")
    Console().print(table)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    print("checks of the big model:", "all passed" if not failures else f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
