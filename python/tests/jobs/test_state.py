"""The job's hashes, keys and step names, with no chain (the chain tests check them against the contract)."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak

from eternal.deploy.records import replay
from eternal.jobs.driver import job_key
from eternal.jobs.planner import is_out_of_gas
from eternal.jobs.result import JobResult, describe
from eternal.jobs.state import live_hash, slices_hash
from eternal.jobs.windows import cut
from eternal.tensorpack import pack


def test_live_hash_is_keccak_of_the_abi_encoded_live_set():
    ids, tensors = [0, 3], [pack([1, -2, 3]), pack([])]
    assert live_hash(ids, tensors) == keccak(encode(["uint256[]", "bytes[]"], [ids, tensors]))
    assert live_hash(ids, tensors) != live_hash([0, 4], tensors)
    assert live_hash(ids, tensors) != live_hash(ids, [pack([1, -2, 4]), pack([])])
    assert live_hash([], []) == keccak(encode(["uint256[]", "bytes[]"], [[], []]))


def test_slices_hash_chains_each_slice_in_order():
    a, b = pack([5, 6]), pack([-700])
    assert slices_hash([]) == bytes(32)
    first = keccak(bytes(32) + keccak(a))
    assert slices_hash([a]) == first
    assert slices_hash([a, b]) == keccak(first + keccak(b))
    assert slices_hash([b, a]) != slices_hash([a, b])


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
    assert describe(step) == words


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
    assert cut(tensor, 1, 2) == bytes([2]) + (-2).to_bytes(2, "big", signed=True) + (300).to_bytes(2, "big")
    assert cut(tensor, 4, 0) == bytes([2]) and cut(tensor, 0, 4) == tensor
