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


def sent(step, nonce, tx, replaces=None):
    record = {"type": "sent", "step": step, "nonce": nonce, "hash": tx, "raw": "0x02" + tx[2:]}
    return record if replaces is None else {**record, "replaces": replaces}


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


def test_a_replacement_keeps_the_versions_it_replaces_as_candidates():
    records = [STARTED, sent("pages:0", 5, "0xa1"), sent("pages:0", 5, "0xa2", replaces="0xa1"),
               sent("pages:0", 5, "0xa3", replaces="0xa2")]
    state = replay(records)
    tx = state.steps["pages:0"]
    assert tx.hashes == ("0xa3", "0xa2", "0xa1") and tx.raw == "0x02a3" and not tx.mined
    # Whichever version is mined settles the step, an earlier one too.
    assert replay([*records, mined("pages:0", "0xa1")]).mined("pages:0").hash == "0xa1"
    # A refused replacement hands the step back to the version it replaced.
    back = replay([*records, {"type": "refused", "step": "pages:0", "hash": "0xa3", "reason": "underpriced"}])
    assert back.steps["pages:0"].hashes == ("0xa2", "0xa1") and back.steps["pages:0"].raw == "0x02a2"


def test_a_step_is_signed_anew_only_once_settled():
    live = [STARTED, sent("pages:0", 5, "0xold")]
    with pytest.raises(ValueError, match="not settled"):
        replay([*live, sent("pages:0", 6, "0xnew")])  # two live transactions for one step could both mine
    with pytest.raises(ValueError, match="not its pending version"):
        replay([*live, sent("pages:0", 6, "0xnew", replaces="0xold")])  # a replacement keeps the nonce
    for settled in ({"type": "dropped", "step": "pages:0", "hash": "0xold"},
                    {"type": "refused", "step": "pages:0", "hash": "0xold", "reason": "insufficient funds"},
                    mined("pages:0", "0xold", status=0)):
        state = replay([*live, settled, sent("pages:0", 6, "0xnew"), mined("pages:0", "0xnew")])
        assert state.mined("pages:0").hash == "0xnew" and state.mined("pages:0").nonce == 6


def test_a_refused_first_transaction_leaves_nothing_sent():
    state = replay([STARTED, sent("model", 0, "0xa"), {"type": "refused", "step": "model", "hash": "0xa",
                                                       "reason": "Sender doesn't have enough funds"}])
    assert state.nothing_sent


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
        [STARTED, {"type": "sent", "step": "x", "nonce": 1, "hash": "0x", "raw": 5}],  # raw bytes not hex text
        [STARTED, sent("model", 0, "0xa"), {"type": "refused", "step": "model", "hash": "0xa"}],  # no reason
        [STARTED, sent("model", 0, "0xa"), mined("model", "0xa"), mined("model", "0xa")],  # mined twice
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
