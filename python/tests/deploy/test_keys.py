"""Signing keys: environment, keystore, dev fallback on local chains only; never echoed."""

from __future__ import annotations

import json

import pytest
from eth_account import Account

from eternal.deploy.keys import DEV_KEY, load_account
from eternal.errors import SigningKeyError

KEY = "0x" + "42" * 32


def test_environment_key_wins(monkeypatch):
    monkeypatch.setenv("ETERNAL_PRIVATE_KEY", KEY)
    account, source = load_account(1)
    assert source == "env" and account.address == Account.from_key(KEY).address


@pytest.mark.parametrize("chain_id", [31337, 1337])
def test_dev_key_only_on_local_chains(monkeypatch, chain_id):
    monkeypatch.delenv("ETERNAL_PRIVATE_KEY", raising=False)
    account, source = load_account(chain_id)
    assert source == "dev" and account.address == Account.from_key(DEV_KEY).address


@pytest.mark.parametrize("chain_id", [1, 11155111, 8453])
def test_no_key_on_a_public_chain_is_an_error(monkeypatch, chain_id):
    monkeypatch.delenv("ETERNAL_PRIVATE_KEY", raising=False)
    with pytest.raises(SigningKeyError, match=f"No signing key for chain id {chain_id}"):
        load_account(chain_id)


def test_invalid_key_is_not_echoed(monkeypatch):
    monkeypatch.setenv("ETERNAL_PRIVATE_KEY", "0xabad1dea")
    with pytest.raises(SigningKeyError) as caught:
        load_account(31337)
    assert "abad1dea" not in str(caught.value)


def test_keystore_with_password_from_environment(monkeypatch, tmp_path):
    path = tmp_path / "key.json"
    path.write_text(json.dumps(Account.encrypt(KEY, "s3cret", iterations=2)))
    monkeypatch.setenv("ETERNAL_KEYSTORE_PASSWORD", "s3cret")
    account, source = load_account(1, str(path))
    assert source == "keystore" and account.address == Account.from_key(KEY).address


def test_keystore_password_prompt(monkeypatch, tmp_path):
    path = tmp_path / "key.json"
    path.write_text(json.dumps(Account.encrypt(KEY, "typed", iterations=2)))
    monkeypatch.delenv("ETERNAL_KEYSTORE_PASSWORD", raising=False)
    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or "typed")
    account, _ = load_account(1, str(path))
    assert account.address == Account.from_key(KEY).address and str(path) in prompts[0]


def test_keystore_wrong_password_and_missing_file(monkeypatch, tmp_path):
    path = tmp_path / "key.json"
    path.write_text(json.dumps(Account.encrypt(KEY, "right", iterations=2)))
    monkeypatch.setenv("ETERNAL_KEYSTORE_PASSWORD", "wrong")
    with pytest.raises(SigningKeyError, match="wrong password"):
        load_account(1, str(path))
    with pytest.raises(SigningKeyError, match="not found"):
        load_account(1, str(tmp_path / "missing.json"))
