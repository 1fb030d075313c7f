"""Fees: the EIP-1559 fields a run signs with, the next block's base fee, and replacements.

A run signs every transaction with the same fees (twice the base fee plus a capped
tip: still valid after six full blocks) until the node finds them too low. A
transaction stuck below the base fee is replaced: the same fields, signed again with
fees at least 12.5% higher on both fields (nodes ask for 10%) and at least today's.
"""

from __future__ import annotations

import math

import rlp
from eth_account.typed_transactions import TypedTransaction
from eth_utils import big_endian_to_int, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3

from eternal.deploy.node_errors import TRANSPORT_ERRORS

PRIORITY_FEE_CAP = Web3.to_wei(2, "gwei")  # tip ceiling: nodes may suggest far more in a busy moment
PRIORITY_FEE_FALLBACK = Web3.to_wei(1, "gwei")  # tip for nodes without eth_maxPriorityFeePerGas
BASE_FEE_MULTIPLIER = 2  # maxFeePerGas = 2 x base fee + tip: still valid after six full blocks (+12.5% each)
FEE_BUMP = (9, 8)  # a replacement pays at least 12.5% more on each fee field


class Fees:
    """The fee fields of one run on one chain (legacy ``gasPrice`` on chains without a base fee)."""

    def __init__(self, w3: Web3):
        self.w3 = w3
        self._fields: dict | None = None

    def next_base_fee(self) -> int | None:
        """The next block's base fee (``eth_feeHistory``), or the latest block's; None without EIP-1559."""
        try:
            return int(self.w3.eth.fee_history(1, "latest")["baseFeePerGas"][-1])
        except TRANSPORT_ERRORS:
            raise
        except Exception:  # a node without eth_feeHistory
            return self.w3.eth.get_block("latest").get("baseFeePerGas")

    def fields(self) -> dict:
        """The fee fields to sign with, read once and kept until :meth:`refresh`."""
        if self._fields is None:
            base = self.w3.eth.get_block("latest").get("baseFeePerGas")
            if base is None:
                self._fields = {"gasPrice": self.w3.eth.gas_price}
            else:
                try:
                    priority = min(self.w3.eth.max_priority_fee, PRIORITY_FEE_CAP)
                except TRANSPORT_ERRORS:
                    raise
                except Exception:
                    priority = PRIORITY_FEE_FALLBACK
                base = max(base, self.next_base_fee() or 0)  # the next block's may be higher already
                self._fields = {"maxFeePerGas": BASE_FEE_MULTIPLIER * base + priority, "maxPriorityFeePerGas": priority}
        return self._fields

    def max_fee(self) -> int:
        """The most one unit of gas may cost."""
        fields = self.fields()
        return fields.get("maxFeePerGas", fields.get("gasPrice"))

    def refresh(self) -> None:
        """Reads the market again at the next :meth:`fields` (the node found a fee too low)."""
        self._fields = None

    def bumped(self, fields: dict) -> dict:
        """Fees for a replacement of ``fields``: at least 12.5% more on each, and at least today's."""
        self.refresh()  # the market moved: later transactions pay today's fees too
        market = self.fields()

        def bump(key: str) -> int:
            return max(math.ceil(fields[key] * FEE_BUMP[0] / FEE_BUMP[1]), market.get(key, 0))

        if "gasPrice" in fields:
            return {"gasPrice": bump("gasPrice")}
        return {"maxFeePerGas": bump("maxFeePerGas"), "maxPriorityFeePerGas": bump("maxPriorityFeePerGas")}


def signed_fee(fields: dict) -> int:
    """The most a transaction pays per gas: ``maxFeePerGas``, or a legacy ``gasPrice``."""
    return fields.get("maxFeePerGas", fields.get("gasPrice"))


def unsigned_fields(raw: str) -> dict:
    """The fields of a signed transaction (hex), without its signature: to sign it again."""
    data = bytes.fromhex(raw.removeprefix("0x"))
    if data[0] >= 0xC0:  # a legacy transaction is an RLP list
        nonce, gas_price, gas, to, value, payload = rlp.decode(data)[:6]
        fields = {"nonce": big_endian_to_int(nonce), "gasPrice": big_endian_to_int(gas_price),
                  "gas": big_endian_to_int(gas), "value": big_endian_to_int(value), "data": payload}
    else:
        fields = dict(TypedTransaction.from_bytes(HexBytes(data)).as_dict())
        to = fields.pop("to", b"")
        for key in ("v", "r", "s", "type", "accessList"):
            fields.pop(key, None)
    if to:
        fields["to"] = to_checksum_address(to)
    return fields
