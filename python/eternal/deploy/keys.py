"""The signing key: ``ETERNAL_PRIVATE_KEY``, an encrypted keystore, or (local chains only) a dev key.

Keys are never printed, logged or journaled: only the account's address leaves this module.
"""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from eternal.errors import SigningKeyError

LOCAL_CHAIN_IDS = (31337, 1337)
# Hardhat's (and anvil's) first well-known dev account: public, funded only on local chains.
DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def load_account(chain_id: int, keystore: str | None = None) -> tuple[LocalAccount, str]:
    """The signing account and where it came from (``"env"``, ``"keystore"``, ``"dev"``).

    Raises:
        SigningKeyError: no key and not a local chain, an invalid key, or a wrong keystore password.
    """
    if keystore:
        return _from_keystore(Path(keystore)), "keystore"
    raw = os.environ.get("ETERNAL_PRIVATE_KEY")
    if raw:
        try:
            return Account.from_key(raw.strip()), "env"
        except Exception:  # eth-account raises several types; never echo the value
            raise SigningKeyError("ETERNAL_PRIVATE_KEY is not a valid private key (expected 32 bytes of hex)") from None
    if chain_id in LOCAL_CHAIN_IDS:
        return Account.from_key(DEV_KEY), "dev"
    raise SigningKeyError(
        f"No signing key for chain id {chain_id}: set ETERNAL_PRIVATE_KEY or pass --keystore FILE "
        f"(the dev-account fallback is only for local chains {LOCAL_CHAIN_IDS})"
    )


def _from_keystore(path: Path) -> LocalAccount:
    try:
        encrypted = json.loads(path.read_text())
    except FileNotFoundError:
        raise SigningKeyError(f"Keystore file not found: {path}") from None
    except (OSError, ValueError):
        raise SigningKeyError(f"Keystore file {path} is not a JSON keystore") from None
    password = os.environ.get("ETERNAL_KEYSTORE_PASSWORD")
    if password is None:
        password = getpass.getpass(f"Password for {path}: ")
    try:
        return Account.from_key(Account.decrypt(encrypted, password))
    except ValueError:
        raise SigningKeyError(f"Keystore {path}: wrong password or damaged file") from None
    except Exception:
        raise SigningKeyError(f"Keystore {path}: not a valid encrypted keystore") from None
