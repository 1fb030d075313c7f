"""The job driver: one sample through a model by transactions, resumable after any crash.

Steps, each journaled like a deployment's (:mod:`eternal.deploy.journal`: hash, nonce and
signed bytes before sending, receipt after): ``impl:InferenceJobs`` (the jobs contract, once
per chain, remembered in ``implementations.jsonl``), ``open``, then ``stage:<from>-<to>``,
``slice:<layer>:<start>-<end>`` and ``join:<layer>`` (a sliced layer's slices joined) until the job
stores its outputs. Each step is planned from the
job's state on chain (:mod:`eternal.jobs.planner`), so a rerun after a crash settles what the
journal holds as sent, reads the job (its hashes, and the tensors from its events) and goes on
from there; so does a run after someone else advanced the job. A finished job is remembered
in ``jobs.jsonl``: running the same input again prints it again and sends nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from eth_abi import encode
from web3 import Web3

from eternal.chain import (
    DEFAULT_RPC_URL,
    TX_GAS_CAP,
    artifact,
    connect,
    genesis_hash,
    open_model,
)
from eternal.deploy.implementations import Implementations
from eternal.deploy.journal import DEFAULT_DIR, Journal, Registry
from eternal.deploy.keys import load_account
from eternal.deploy.locks import LOCK_DIR, FileLock, account_lock
from eternal.deploy.node_errors import node_failures
from eternal.deploy.reconcile import resume_journal, settle_pending
from eternal.deploy.steps import Step, creation_step
from eternal.deploy.transactions import OnMined, TransactionSender
from eternal.errors import JobError, JobRunningError, TransactionFailed
from eternal.jobs.planner import DEFAULT_STEP_BYTES, StepPlanner
from eternal.jobs.result import JobResult
from eternal.jobs.state import opened_job_id, read_job, state_after
from eternal.tensorpack import pack, unpack

JOBS_CONTRACT = "InferenceJobs"
JOBS_STEP = creation_step(JOBS_CONTRACT)  # "impl:InferenceJobs": created once per chain, like an implementation
OPEN = "open"
DEFAULT_STEP_GAS = 15_000_000  # a step's estimate at most: under the 16,777,216 cap with room for the 63/64 rule
RETRY_ROUNDS = 5  # steps that reverted because another sender moved the job first, in one run


def job_key(model: str, inputs: list[bytes]) -> str:
    """The journal's name for running ``inputs`` (packed) on ``model``: one job per model and input."""
    digest = hashlib.sha256(b"".join(len(t).to_bytes(8, "big") + t for t in inputs)).hexdigest()[:24]
    return f"job-{model.lower()[2:]}-{digest}"


class JobJournal(Journal):
    """A deployment journal keyed by the job (:func:`job_key`); a finished job goes to ``jobs.jsonl``."""

    def lock(self) -> FileLock:
        return FileLock(self.directory / LOCK_DIR / f"{self.chain_id}-{self.model_hash}.lock", JobRunningError,
                        f"Another run of this job on chain id {self.chain_id} (journal {self.path})")

    def finish_job(self, jobs: str, result: dict) -> None:
        """Records the finished job in ``jobs.jsonl`` (with ``result``) and clears the journal."""
        self.append({"type": "finished", "address": jobs})
        Registry(self.directory / "jobs.jsonl").add({"chain_id": self.chain_id, "genesis": self.state.genesis,
                                                      "key": self.model_hash, "result": result})
        self.path.unlink()


class JobDriver:
    """Runs samples through models as on-chain inference jobs, from one account, with a journal.

    Every method that sends transactions says so. ``on_mined(step, receipt)`` is called after
    each mined transaction is journaled.
    """

    def __init__(self, rpc_url: str = DEFAULT_RPC_URL, keystore: str | None = None, journal_dir=None,
                 jobs_address: str | None = None, max_step_gas: int | None = None,
                 max_step_bytes: int | None = None, again: bool = False,
                 fresh: bool = False, quiet: bool = True, on_mined: OnMined | None = None):
        self.rpc_url = rpc_url
        self.w3 = connect(rpc_url)
        self.chain_id = self.w3.eth.chain_id
        self.account, _ = load_account(self.chain_id, keystore)
        self.genesis = genesis_hash(self.w3)
        self.gas_cap = min(TX_GAS_CAP, self.w3.eth.get_block("latest")["gasLimit"])
        self.budget = min(max_step_gas or DEFAULT_STEP_GAS, self.gas_cap)
        self.max_bytes = max_step_bytes or DEFAULT_STEP_BYTES
        self.sender = TransactionSender(self.w3, self.account, self.gas_cap, window=1, on_mined=on_mined, say=self._say)
        self.journal_dir = Path(journal_dir or os.environ.get("ETERNAL_JOURNAL_DIR") or DEFAULT_DIR)
        self.implementations = Implementations(self.w3, self.journal_dir / "implementations.jsonl", self.chain_id,
                                               self.genesis)
        self.jobs_address = Web3.to_checksum_address(jobs_address) if jobs_address else None
        self.again, self.fresh, self.quiet = again, fresh, quiet
        self.journal: JobJournal | None = None

    def _say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ the run

    def run(self, model_address: str, inputs: list[list[int]]) -> JobResult:
        """Runs one sample (fixed-point ints per model input) as a job, or resumes its job. Sends transactions.

        Raises:
            JobRunningError, AccountBusyError: another run holds the job's or the account's lock.
            StepTooBigError: a layer that does not fit one step, even by slices.
            TransactionFailed: a step that reverts (e.g. a layer refusing the input).
        """
        model = open_model(self.w3, model_address)
        packed = [pack(values) for values in inputs]
        self.journal = JobJournal(self.journal_dir, self.chain_id, job_key(model.address, packed))
        self.sender.journal = self.journal
        account = account_lock(self.journal_dir, self.chain_id, self.account.address)  # the deployer's: nonces
        account.holder = (f"Another deploy or job from account {self.account.address} on chain id {self.chain_id} "
                          f"(journal directory {self.journal_dir})")
        locks = [account.acquire(say=self._say)]
        try:
            locks.append(self.journal.lock().acquire(say=self._say))
            self.sender._nonce = None  # read afresh: another run may have used the account meanwhile
            with node_failures(self.rpc_url, lambda: self.sender.doing):
                return self._run(model, packed)
        finally:
            for lock in reversed(locks):
                lock.release()

    def _run(self, model, packed: list[bytes]) -> JobResult:
        size = 4 + len(encode(["address", "bytes[]"], [model.address, packed]))  # open's calldata
        if size > self.max_bytes:
            raise JobError(f"The inputs take {size:,} bytes of calldata to open a job, over --max-step-bytes "
                           f"{self.max_bytes:,} (transaction pools refuse more than 131,072)")
        resumed = self._open_journal()
        if not resumed:
            done = None if self.again else self._earlier_result()
            if done is not None:
                return done
            self.journal.start(self.genesis, self.account.address)
        else:
            settle_pending(self.sender)
        jobs = self._jobs_contract()
        job_id, opened_at = self._open(jobs, model, packed)
        state = read_job(jobs, job_id, opened_at)
        planner = StepPlanner(jobs, model, self._graph(model), self.account.address, self.budget, self.gas_cap,
                              self.max_bytes)
        retries = 0
        while not state.done:
            step = planner.plan(state)
            self._say(f"{step.name:<24} {step.what} ({step.checked})")
            try:
                [receipt] = self.sender.send([Step(step.name, jobs.address, step.data, step.gas)])
            except TransactionFailed:
                moved = read_job(jobs, job_id, opened_at)
                if retries == RETRY_ROUNDS or (moved.next_layer, moved.slice_done) == (state.next_layer, state.slice_done):
                    raise
                retries, state = retries + 1, moved
                self._say(f"job {job_id} was advanced by another sender; going on from layer {state.next_layer}")
                continue
            state = state_after(jobs, state, receipt, opened_at)
        outputs = [bytes(t) for t in jobs.functions.packedOutputs(job_id).call()]
        result = JobResult.of_run(self.journal.state, jobs.address, job_id, model.address, self.chain_id,
                                  [unpack(t, k).tolist() for k, t in enumerate(outputs)], resumed)
        self.journal.finish_job(jobs.address, result.record())
        return result

    # ------------------------------------------------------------------ pieces

    def _open_journal(self) -> bool:
        """True when the journal holds an earlier run's transactions (to settle and go on from)."""
        return resume_journal(self.journal, self.fresh, self.w3, self.genesis, self.account.address, self._say)

    def _earlier_result(self) -> JobResult | None:
        """This input's finished job on this chain (``jobs.jsonl``), if the chain still has it."""
        entry = Registry(self.journal_dir / "jobs.jsonl").find(chain_id=self.chain_id, genesis=self.genesis,
                                                                key=self.journal.model_hash)
        if entry is None or not self.w3.eth.get_code(entry["result"]["jobs"]):
            return None
        return JobResult.from_record(entry["result"])

    def _jobs_contract(self):
        """The InferenceJobs contract: ``--jobs``, the one this job was opened on, a known one, or a new one.

        May send a transaction (its creation, once per chain).
        """
        abi = artifact(JOBS_CONTRACT)["abi"]
        opened = self.journal.state.mined(OPEN) or self.journal.state.steps.get(OPEN)
        address = Web3.to_checksum_address(self.w3.eth.get_transaction(opened.hash)["to"]) if opened else None
        if address and self.jobs_address and address != self.jobs_address:
            raise JobError(f"This job was opened on the jobs contract {address}, not {self.jobs_address}: "
                           f"drop --jobs, or pass --fresh to open a new job")
        address = address or self.jobs_address
        if address is None:
            created = self.journal.state.mined(JOBS_STEP)
            address = self.implementations.find(JOBS_CONTRACT, created.contract if created else None)
        if address is None:
            address = self._create_jobs_contract()
        jobs = self.w3.eth.contract(address=address, abi=abi)
        try:
            jobs.functions.jobCount().call()
        except Exception:
            raise JobError(f"No InferenceJobs contract at {address} on chain id {self.chain_id}") from None
        return jobs

    def _create_jobs_contract(self) -> str:
        """Creates the InferenceJobs contract and remembers it for this chain. Sends a transaction."""
        bytecode = artifact(JOBS_CONTRACT)["bytecode"]
        gas = self.sender.gas_for(None, bytecode, f"Creating {JOBS_CONTRACT}")
        [receipt] = self.sender.send([Step(JOBS_STEP, None, bytecode, gas)])
        self.implementations.remember(JOBS_CONTRACT, receipt["contractAddress"])
        self._say(f"{JOBS_STEP:<24} {receipt['contractAddress']}  ({receipt['gasUsed']:,} gas)")
        return receipt["contractAddress"]

    def _open(self, jobs, model, packed: list[bytes]) -> tuple[int, int]:
        """The job's id and its open block: from the journal, or by opening it. May send a transaction."""
        opened = self.journal.state.mined(OPEN)
        if opened is None:
            data = jobs.encode_abi("open", args=[model.address, packed])
            self.sender.send([Step(OPEN, jobs.address, data, self.sender.gas_for(jobs.address, data, "open"))])
            opened = self.journal.state.mined(OPEN)
        receipt = self.w3.eth.get_transaction_receipt(opened.hash)
        job_id = opened_job_id(jobs, receipt)
        self._say(f"job {job_id} on {jobs.address} (opened in block {receipt['blockNumber']})")
        return job_id, int(receipt["blockNumber"])

    @staticmethod
    def _graph(model) -> dict:
        return json.loads(bytes(model.functions.graph().call()).decode("utf-8"))

