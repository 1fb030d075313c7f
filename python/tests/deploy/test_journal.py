"""Journal logic from hand-made records: no chain."""

from __future__ import annotations

import json

import pytest

from eternal.deploy.journal import (
    Journal,
    JournalCorruptError,
    JournalError,
    Registry,
    reduce,
    replay,
)

HASH = "ab" * 32
STARTED = {"type": "started", "model_hash": HASH, "chain_id": 31337, "genesis": "0x01", "deployer": "0xD"}


def sent(step, nonce, tx):
    return {"type": "sent", "step": step, "nonce": nonce, "hash": tx}


def mined(step, tx, status=1, gas=100, contract=None):
    return {"type": "mined", "step": step, "hash": tx, "status": status, "gas_used": gas, "block": 1, "contract": contract}


def test_replay_builds_the_state():
    state = replay([STARTED, sent("model", 0, "0xa"), mined("model", "0xa", contract="0xM"), sent("layers:0", 1, "0xb")])
    assert state.model_hash == HASH and state.chain_id == 31337
    assert state.model_address == "0xM"
    assert state.mined("model").gas_used == 100
    assert state.mined("layers:0") is None
    assert [tx.hash for tx in state.pending()] == ["0xb"]
    assert state.gas_used == 100


def test_reduce_is_pure():
    before = replay([STARTED])
    after = reduce(before, sent("model", 0, "0xa"))
    assert before.steps == {} and "model" in after.steps


def test_resent_step_replaces_the_unseen_transaction():
    state = replay([STARTED, sent("pages:0", 5, "0xold"), sent("pages:0", 5, "0xnew"), mined("pages:0", "0xnew")])
    assert state.mined("pages:0").hash == "0xnew"


def test_dropped_transaction_leaves_the_step_to_redo():
    state = replay([STARTED, sent("pages:0-2", 7, "0xp"), {"type": "dropped", "step": "pages:0-2", "hash": "0xp"}])
    assert "pages:0-2" not in state.steps and state.pending() == []
    with pytest.raises(ValueError):
        replay([STARTED, sent("pages:0-2", 7, "0xp"), {"type": "dropped", "step": "pages:0-2", "hash": "0xq"}])


def test_failed_transaction_is_not_a_mined_step():
    state = replay([STARTED, sent("construct", 3, "0xc"), mined("construct", "0xc", status=0)])
    assert state.mined("construct") is None
    assert state.steps["construct"].mined and state.pending() == []


@pytest.mark.parametrize(
    "records",
    [
        [sent("model", 0, "0xa")],  # before started
        [STARTED, STARTED],
        [STARTED, mined("model", "0xa")],  # mined but never sent
        [STARTED, sent("model", 0, "0xa"), mined("model", "0xb")],  # another hash
        [STARTED, {"type": "sent", "step": "x", "nonce": "1", "hash": "0x"}],  # nonce not an int
        [STARTED, {"type": "bogus"}],
    ],
)
def test_invalid_sequences_are_refused(records):
    with pytest.raises(ValueError):
        replay(records)


def test_file_round_trip_and_finish(tmp_path):
    journal = Journal(tmp_path, 31337, HASH)
    journal.start("0x01", "0xD")
    journal.sent("model", 0, "0xa")
    journal.mined("model", "0xa", 1, 500, 1, "0xM")
    again = Journal(tmp_path, 31337, HASH)
    assert again.load().model_address == "0xM"
    lines = journal.path.read_text().splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["started", "sent", "mined"]
    again.finish("0xM")
    assert not journal.path.exists()
    assert Registry(tmp_path / "deployed.jsonl").find(model_hash=HASH, chain_id=31337)["address"] == "0xM"


def test_torn_last_line_is_cut_off(tmp_path):
    journal = Journal(tmp_path, 31337, HASH)
    journal.start("0x01", "0xD")
    journal.sent("model", 0, "0xa")
    with open(journal.path, "ab") as handle:
        handle.write(b'{"type":"mined","step":"mo')
    state = Journal(tmp_path, 31337, HASH).load()
    assert state.steps["model"].mined is False
    assert journal.path.read_bytes().endswith(b"\n")


def test_corrupt_journal_is_kept_aside(tmp_path):
    journal = Journal(tmp_path, 31337, HASH)
    journal.start("0x01", "0xD")
    with open(journal.path, "ab") as handle:
        handle.write(b"not json\n")
    original = journal.path.read_bytes()
    with pytest.raises(JournalCorruptError, match="corrupt.*kept as"):
        Journal(tmp_path, 31337, HASH).load()
    assert not journal.path.exists()
    [aside] = list(tmp_path.glob("*.corrupt-*"))
    assert aside.read_bytes() == original


def test_journal_of_another_model_is_corrupt(tmp_path):
    journal = Journal(tmp_path, 31337, HASH)
    journal.start("0x01", "0xD")
    other = "cd" * 32
    journal.path.rename(tmp_path / f"31337-{other}.jsonl")
    with pytest.raises(JournalCorruptError, match="for model"):
        Journal(tmp_path, 31337, other).load()


def test_wrong_chain_id_is_reported(tmp_path):
    journal = Journal(tmp_path, 1, HASH)
    journal.start("0x01", "0xD")
    journal.path.rename(tmp_path / f"31337-{HASH}.jsonl")
    with pytest.raises(JournalError, match="chain id 1, but the node is chain id 31337"):
        Journal(tmp_path, 31337, HASH).load()


def test_append_refuses_an_invalid_record_without_writing(tmp_path):
    journal = Journal(tmp_path, 31337, HASH)
    journal.start("0x01", "0xD")
    size = journal.path.stat().st_size
    with pytest.raises(ValueError):
        journal.mined("model", "0xnever", 1, 1, 1, None)
    assert journal.path.stat().st_size == size
    assert journal.state.steps == {}


def test_abandon_keeps_the_file(tmp_path):
    journal = Journal(tmp_path, 31337, HASH)
    journal.start("0x01", "0xD")
    aside = journal.abandon()
    assert aside.exists() and not journal.path.exists()
    assert Journal(tmp_path, 31337, HASH).exists() is False
