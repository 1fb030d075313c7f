"""The job's hashes, keys and step names, with no chain (the chain tests check them against the contract)."""

from __future__ import annotations

import pytest
from eternal.deploy.records import replay
from eternal.jobs.driver import job_key
from eternal.jobs.pieces import (
    PIECE_VALUES,
    Tensor,
    chain,
    cut_at,
    cut_every,
    describe,
    join,
    state_hash,
)
from eternal.jobs.result import JobResult
from eternal.jobs.result import describe as describe_step
from eternal.jobs.state import JobState
from eternal.jobs.step_gas import is_out_of_gas
from eternal.tensorpack import pack, unpack, window
from eth_abi import encode
from eth_utils import keccak


def test_the_state_hash_is_keccak_of_the_abi_encoded_tensor_list():
    live = [describe(0, pack([1, -2, 3]))[0], describe(3, pack([]))[0]]
    encoded = encode(["(uint256,bytes32[],uint256[])[]"], [[(t.id, list(t.hashes), list(t.ends)) for t in live]])
    assert state_hash(live) == keccak(encoded)
    assert state_hash(live) != state_hash([live[0], describe(4, pack([]))[0]])
    assert state_hash(live) != state_hash([describe(0, pack([1, -2, 4]))[0], live[1]])
    assert state_hash([]) == keccak(encode(["(uint256,bytes32[],uint256[])[]"], [[]]))


def test_a_tensor_is_cut_every_piece_values_at_its_width():
    values = list(range(-1250, 1250))  # 2,500 values, width 2
    tensor, pieces = describe(7, pack(values))
    assert tensor.ends == (PIECE_VALUES, 2 * PIECE_VALUES, 2500) and tensor.size == 2500
    assert all(p[0] == 2 for p in pieces) and tensor.hashes == tuple(keccak(p) for p in pieces)
    assert [list(unpack(p)) for p in pieces] == [values[:1024], values[1024:2048], values[2048:]]
    assert join(pieces) == pack(values) and cut_at(pack(values), tensor.ends) == pieces
    empty, [only] = describe(1, pack([]))
    assert empty.ends == (0,) and only == pack([])
    slice_pieces, ends = cut_every(pack([5] * 1500), base=3000)  # a slice from element 3,000
    assert ends == [4024, 4500] and [len(p) for p in slice_pieces] == [1025, 477]


def test_pieces_of_different_widths_join_at_the_widest():
    narrow, wide = pack([1, -2]), pack([300, -40000])  # widths 1 and 3
    assert join([narrow, wide]) == bytes([3]) + b"".join(v.to_bytes(3, "big", signed=True) for v in [1, -2, 300, -40000])
    assert join([narrow, narrow]) == pack([1, -2, 1, -2])
    assert join([bytes([4, 0, 0, 0, 1])]) == bytes([4, 0, 0, 0, 1])  # a wide input stays as wide as given


def test_the_pieces_under_a_window():
    tensor = Tensor(2, (b"a" * 32, b"b" * 32, b"c" * 32), (1024, 2048, 2100))
    assert tensor.covering(0, 1024) == range(0, 1) and tensor.covering(1000, 100) == range(0, 2)
    assert tensor.covering(2047, 53) == range(1, 3) and tensor.covering(5, 0) == range(0)
    assert tensor.start(0) == 0 and tensor.start(2) == 2048


def test_slice_pieces_chain_in_order():
    a, b = keccak(b"a"), keccak(b"b")
    assert chain([], []) == bytes(32)
    first = keccak(bytes(32) + a + (1024).to_bytes(32, "big"))
    assert chain([a], [1024]) == first
    assert chain([a, b], [1024, 1500]) == keccak(first + b + (1500).to_bytes(32, "big"))
    assert chain([b, a], [1024, 1500]) != chain([a, b], [1024, 1500])
    with pytest.raises(ValueError):
        chain([a], [])


def test_a_state_follows_its_events_and_keeps_only_the_pieces_it_names():
    inputs = pack(list(range(2000)))
    opened, _ = describe(0, inputs)
    state = JobState(1, "0xmodel", 3, 0, 0, False)
    state.apply({"event": "JobOpened", "args": {"live": [opened.abi], "tensors": [inputs], "nextLayer": 1}})
    assert state.next_layer == 1 and state.whole(opened) == inputs and len(state.store) == 2
    slices = [pack(list(range(1500))), pack([-v for v in range(500)])]
    for start, packed in zip([0, 1500], slices):
        end = start + (len(packed) - 1) // packed[0]
        state.apply({"event": "SliceDone", "args": {"packed": packed, "start": start, "end": end, "size": 2000}})
    assert state.slice_ends == [1024, 1500, 2000] and state.slices_complete
    output = state.output
    assert state.whole(output) == pack(list(range(1500)) + [-v for v in range(500)])
    state.apply({"event": "StageDone", "args": {"live": [output.abi], "ids": [], "tensors": [], "to": 2}})
    assert state.ids == [1] and state.next_layer == 2 and state.slice_hashes == []
    assert set(state.store) == set(output.hashes), "the inputs' pieces are no longer named"
    record = {"next_layer": 2, "slice_done": 0, "done": False, "slices_complete": False,
              "state_hash": state_hash([output]), "slices_hash": bytes(32)}
    assert state.matches(record) and not state.matches({**record, "next_layer": 3})


def test_job_key_names_the_model_and_the_exact_inputs():
    model = "0x" + "Ab" * 20
    key = job_key(model, [pack([1, 2])])
    assert key.startswith("job-" + "ab" * 20 + "-") and len(key.split("-")[-1]) == 24
    assert key == job_key(model.lower(), [pack([1, 2])])
    assert key != job_key(model, [pack([1, 3])])
    # Boundaries between inputs count: two inputs are not their concatenation.
    assert job_key(model, [b"\x01\x01", b"\x01\x02"]) != job_key(model, [b"\x01\x01\x01", b"\x02"])


@pytest.mark.parametrize("step, words", [
    ("stage:0-1", "layer 0"), ("stage:2-7", "layers 2-6"), ("slice:4:0-96", "layer 4, elements 0-96"),
    ("open", "open the job (inputs)"), ("impl:InferenceJobs", "create InferenceJobs (once per chain)"),
])
def test_step_names_in_words(step, words):
    assert describe_step(step) == words


def test_a_result_from_the_journal_counts_every_mined_transaction_in_nonce_order():
    records = [{"type": "started", "model_hash": "job-x", "chain_id": 1, "genesis": "0x0", "deployer": "0xa"}]
    for nonce, (step, gas, status) in enumerate([("open", 150_000, 1), ("stage:0-3", 900_000, 1),
                                                 ("slice:3:0-64", 2_000_000, 0), ("slice:3:0-32", 1_500_000, 1)]):
        records += [{"type": "sent", "step": step, "nonce": nonce, "hash": f"0x{nonce}"},
                    {"type": "mined", "step": step, "hash": f"0x{nonce}", "status": status, "gas_used": gas}]
    result = JobResult.of_run(replay(records), "0xjobs", 7, "0xmodel", 1, [[1, 2]], resumed=True)
    assert [s["step"] for s in result.steps] == ["open", "stage:0-3", "slice:3:0-64", "slice:3:0-32"]
    assert result.gas_used == 4_550_000 and result.transactions == 4
    assert result.step_gas == [900_000, 2_000_000, 1_500_000]
    again = JobResult.from_record(result.record())
    assert again.already_done and again.record() == result.record()


class _Failure(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@pytest.mark.parametrize("message, out_of_gas", [
    ("out of gas", True), ("Transaction ran out of gas", True), ("EvmError: OutOfGas", True),
    ("gas required exceeds allowance (16777216)", True), ("EVM error MemoryOOG", True),
    ("Error: Transaction reverted and Hardhat couldn't infer the reason.", True), ("execution reverted", True), ("execution reverted: BadStage(1, 9, 7)", False),
    ("insufficient funds for gas * price + value", False),
])
def test_out_of_gas_is_told_apart_from_a_revert(message, out_of_gas):
    assert is_out_of_gas(_Failure(message)) is out_of_gas


def test_a_second_run_of_the_same_job_is_refused_with_its_own_error(tmp_path):
    from eternal.errors import JobRunningError
    from eternal.jobs.driver import JobJournal

    first = JobJournal(tmp_path, 31337, "job-ab-cd").lock().acquire(wait=0)
    try:
        with pytest.raises(JobRunningError, match="Another run of this job on chain id 31337"):
            JobJournal(tmp_path, 31337, "job-ab-cd").lock().acquire(wait=0)
        JobJournal(tmp_path, 31337, "job-ab-ef").lock().acquire(wait=0).release()  # another job: free
    finally:
        first.release()
    assert JobRunningError.exit_code == 52


def test_a_window_is_cut_at_its_tensors_width():
    tensor = pack([1, -2, 300, 0])  # width 2
    assert window(tensor, 4, 1, 3) == bytes([2]) + (-2).to_bytes(2, "big", signed=True) + (300).to_bytes(2, "big")
    assert window(tensor, 4, 4, 4) == bytes([2]) and window(tensor, 4, 0, 4) == tensor
