"""The deployer: one export to one finalised EternalModel, in the seed's steps, resumable.

Steps: connect, load the key and the journal → deploy the main contract from its
artifact → encode every layer's config → create the layer contracts → construct
(link layers, commit hashes) → upload the graph and the weights, many
transactions in flight → finalise (the chain checks the hashes) → clear the
journal entry and return the model's address.

Each run reads the chain's counters and sends only what is missing; when another
transaction of the account takes a sent step's nonce, the run reads the chain again
and goes on (:data:`REPLAN_ROUNDS` times at most). Whatever the node does, the user
gets one line naming the node and the step (:func:`~eternal.deploy.node_errors.node_failures`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from eternal.chain import DEFAULT_RPC_URL, artifact, connect, genesis_hash, model_contract
from eternal.deploy.gas import (
    PAGES_TX_GAS_BOUND,
    graph_tx_gas,
    layer_batch_budget,
    layer_batches,
    layers_tx_gas,
    page_gas_bound,
    page_transactions,
    phase_gas,
)
from eternal.deploy.implementations import Implementations
from eternal.deploy.journal import DEFAULT_DIR, Journal, Registry
from eternal.deploy.locks import FileLock, account_lock
from eternal.deploy.keys import load_account
from eternal.deploy.node_errors import node_failures
from eternal.deploy.preflight import chain_limits, check_deployable
from eternal.deploy.progress import PhaseClock, UploadBar
from eternal.deploy.result import DeployResult, earlier_result
from eternal.deploy.reconcile import (
    check_continuable,
    check_stored_layers,
    missing_graph_chunks,
    model_state,
    resume_journal,
    settle_pending,
    stored_layers,
    stored_upload,
)
from eternal.deploy.steps import (
    CONSTRUCT,
    FINALIZE,
    Step,
    creation_step,
    graph_step,
    layers_step,
    pages_step,
    phase_of,
)
from eternal.deploy.transactions import SEND_WINDOW, OnMined, TransactionSender
from eternal.errors import DeployError, NonceConflictError
from eternal.export import load_model_input


REPLAN_ROUNDS = 5  # rounds of reading the chain and sending what is missing, in one run


class ModelDeployer:
    """Deploys exports as EternalModel contracts on one chain, with a crash-safe journal.

    Every method that sends transactions says so; all of them journal each
    transaction's hash and nonce before sending it and its receipt after.
    ``on_mined(step, receipt)`` is called after each mined transaction is journaled.
    """

    def __init__(
        self,
        rpc_url: str = DEFAULT_RPC_URL,
        keystore: str | None = None,
        journal_dir=None,
        quiet: bool = True,
        fresh: bool = False,
        again: bool = False,
        max_pages_per_tx: int | None = None,
        max_layers_per_tx: int | None = None,
        window: int = SEND_WINDOW,
        on_mined: OnMined | None = None,
    ):
        self.rpc_url = rpc_url
        self.w3 = connect(rpc_url)
        self.chain_id = self.w3.eth.chain_id
        self.account, self.key_source = load_account(self.chain_id, keystore)
        self.address = self.account.address
        self.genesis = genesis_hash(self.w3)
        self.limits = chain_limits(self.w3)
        self.gas_limit = self.limits.per_transaction
        self.sender = TransactionSender(self.w3, self.account, self.gas_limit, window, on_mined, say=self._say)
        self.journal_dir = Path(journal_dir or os.environ.get("ETERNAL_JOURNAL_DIR") or DEFAULT_DIR)
        self.implementations = Implementations(self.w3, self.journal_dir / "implementations.jsonl", self.chain_id,
                                               self.genesis)
        self.deployed = Registry(self.journal_dir / "deployed.jsonl")
        self.quiet = quiet
        self.fresh = fresh
        self.again = again
        self.max_pages_per_tx = max_pages_per_tx
        self.max_layers_per_tx = max_layers_per_tx
        self.journal: Journal | None = None
        self._locks: list[FileLock] = []  # held while a deploy_model call runs

    def _say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ journal

    def _open_journal(self, model_hash: str) -> bool:
        """Opens this model's journal; True when resuming an earlier run's transactions.

        A journal without transactions (a run that stopped before sending anything) is
        no earlier run, whoever wrote it: the deployment starts anew.
        """
        self.journal = Journal(self.journal_dir, self.chain_id, model_hash)
        self.sender.journal = self.journal
        # Before the journal is read, moved or written: one run per account (else nonces clash), one per journal.
        self._locks.append(account_lock(self.journal_dir, self.chain_id, self.address).acquire(say=self._say))
        self._locks.append(self.journal.lock().acquire(say=self._say))
        self.sender._nonce = None  # read afresh: another run may have used the account since the last deploy
        return resume_journal(self.journal, self.fresh, self.w3, self.genesis, self.address, self._say)

    # ------------------------------------------------------------------ seed steps

    def get_model_config(self, export: dict) -> dict:
        """The EternalModel calls' arguments: per layer its implementation and ABI-encoded config."""
        from eternal.onchain import deployment_plan

        plan = deployment_plan(export)
        for name in plan["implementations"]:
            artifact(name)  # fail before sending anything if a contract is not compiled
        return plan

    def deploy_from_artifact(self, names: list[str]) -> dict[str, str]:
        """Creates contracts from their artifacts (no constructor arguments), pipelined.

        Sends transactions (one creation per name). ``"EternalModel"`` is journaled as
        step ``model``, the others as ``impl:<name>``. Returns name -> address.
        """
        steps = []
        for name in names:
            bytecode = artifact(name)["bytecode"]
            steps.append(Step(creation_step(name), None, bytecode, self.sender.gas_for(None, bytecode, f"Creating {name}")))
        receipts = self.sender.send(steps, self._created)
        return {name: receipt["contractAddress"] for name, receipt in zip(names, receipts)}

    def _created(self, step: Step, receipt: dict) -> None:
        """A creation mined: said, and an implementation remembered for later models on this chain."""
        self._say(f"{step.name:<24} {receipt['contractAddress']}  ({receipt['gasUsed']:,} gas)")
        if phase_of(step.name) == "impl" and receipt["status"] == 1:
            self.implementations.remember(step.name.split(":", 1)[1], receipt["contractAddress"])

    def deploy_layer(self, model, plan: dict, implementations: dict[str, str], first: int) -> None:
        """Creates layers ``first..`` as clones of their implementations (addLayers, batched, pipelined).

        Sends transactions.
        """
        steps = []
        budget = layer_batch_budget(self.gas_limit)
        for start, last in layer_batches(plan["layers"], first, budget, self.max_layers_per_tx):
            chosen = plan["layers"][start : last + 1]
            impls = [implementations[layer["contract"]] if layer["contract"] else "0x" + "00" * 20 for layer in chosen]
            data = model.encode_abi("addLayers", args=[start, impls, [layer["config"] for layer in chosen]])
            what = f"addLayers for layers {start}-{last}"
            gas = self.sender.gas_for(model.address, data, what, layers_tx_gas(chosen), estimate=start == first)
            steps.append(Step(layers_step(start, last), model.address, data, gas))
        self.sender.send(steps, lambda step, receipt: self._say(f"{step.name:<24} ({receipt['gasUsed']:,} gas)"))

    def _send_one(self, name: str, model, data: str) -> None:
        """Sends one call to the model, gas from its estimate. Sends one transaction."""
        [receipt] = self.sender.send([Step(name, model.address, data, self.sender.gas_for(model.address, data, name))])
        self._say(f"{name:<24} ({receipt['gasUsed']:,} gas)")

    def _construct(self, model, plan: dict) -> None:
        """Links the layers and commits the hashes. Sends one transaction."""
        hashes = plan["hashes"]
        args = [
            [layer["inbound"] for layer in plan["layers"]],
            plan["inputs"], plan["outputs"], hashes["graph"], hashes["weights"], hashes["model"],
            plan["weight_bytes"], plan["graph_bytes"],
        ]
        self._send_one(CONSTRUCT, model, model.encode_abi("construct", args=args))

    def _page_gas(self, model, pages: list[bytes], first: int) -> int:
        """Gas to allow per page of appendPages: one page estimated, at least the bound of the model.

        Estimating several pages is not an option: nodes estimate with headroom and
        refuse above the per-transaction cap, long before the transaction itself would.
        """
        data = model.encode_abi("appendPages", args=[first, pages[first : first + 1]])
        one = self.sender.estimate(model.address, data, "appendPages")
        return max(one - PAGES_TX_GAS_BOUND, page_gas_bound(pages[first]))

    def _upload_steps(self, model, plan: dict, graph_stored: int, pages_stored: int) -> list[Step]:
        """The appendGraph and appendPages transactions still to send."""
        pages, chunks = plan["pages"], plan["graph_chunks"]
        steps = []
        missing = missing_graph_chunks(plan, graph_stored)
        for index in missing:
            data = model.encode_abi("appendGraph", args=[index, chunks[index]])
            modelled = graph_tx_gas(chunks[index], index == 0)
            gas = self.sender.gas_for(model.address, data, f"appendGraph chunk {index}", modelled, index == missing[0])
            steps.append(Step(graph_step(index), model.address, data, gas, len(chunks[index])))
        per_page = self._page_gas(model, pages, pages_stored) if pages_stored < len(pages) else 0
        for start, last, gas in page_transactions(pages, pages_stored, per_page, self.gas_limit, self.max_pages_per_tx):
            if gas > self.gas_limit:  # preflight sized pages by the model; this node's estimate says more
                raise DeployError(f"One weight page needs {gas:,} gas, over the per-transaction limit {self.gas_limit:,}")
            chosen = pages[start : last + 1]
            steps.append(Step(pages_step(start, last), model.address, model.encode_abi("appendPages", args=[start, chosen]),
                              gas, sum(len(p) for p in chosen)))
        return steps

    def upload_model_weights(self, model, plan: dict, graph_stored: int, pages_stored: int) -> None:
        """Uploads the missing graph chunks and weight pages, many transactions in flight.

        Sends transactions. Pages go several per transaction: as many as fit under
        the per-transaction limit by the gas estimated for one page.
        """
        steps = self._upload_steps(model, plan, graph_stored, pages_stored)
        with UploadBar(sum(step.size for step in steps), len(steps), self.quiet) as bar:
            self.sender.send(steps, lambda step, receipt: bar.mined(step.size, receipt["gasUsed"]))

    def _finalize(self, model) -> None:
        """Has the chain recompute and check every hash. Sends one transaction."""
        self._send_one(FINALIZE, model, model.encode_abi("finalize", args=[]))

    def _advance(self, plan: dict, clock: PhaseClock) -> str:
        """Takes the model from what the chain holds to Finalised; returns its address. Sends transactions.

        A round reads the chain's counters and sends what is missing; it ends early when another
        transaction of the account took a sent step's nonce, and the next round reads the chain again.
        """
        for round_ in range(REPLAN_ROUNDS):
            try:
                address, implementations = self._deploy_contracts(plan)
                clock.lap("contracts")
                self._finish(model_contract(self.w3, address), plan, implementations, clock)
                return address
            except NonceConflictError as conflict:
                if round_ == REPLAN_ROUNDS - 1:
                    raise
                self._say(f"{conflict}; reading the chain again")
        raise AssertionError("unreachable")

    def _finish(self, model, plan: dict, implementations: dict[str, str], clock: PhaseClock) -> None:
        """From the model's state on chain to Finalised: the phases still missing. Sends transactions."""
        self.sender.doing = f"reading model {model.address}"
        state = model_state(model)
        stored = stored_layers(model) if state == "Created" else None
        check_continuable(model, plan, state, stored)
        if stored:
            check_stored_layers(self.w3, model, plan)
        if state == "Created":
            if stored < len(plan["layers"]):
                self.deploy_layer(model, plan, implementations, stored)
            clock.lap("layers")
            self._construct(model, plan)
            clock.lap("construct")
            state = "Constructed"
        if state == "Constructed":
            self.upload_model_weights(model, plan, *stored_upload(model))
            clock.lap("upload")
            state = model_state(model)
        if state == "WeightsUploaded":
            self._finalize(model)
            clock.lap("finalize")
            state = "Finalised"
        if state != "Finalised":
            raise DeployError(f"Model {model.address} ended in state {state}, not Finalised")

    def _deploy_contracts(self, plan: dict) -> tuple[str, dict[str, str]]:
        """The model's address and the implementations', creating those missing. Sends transactions."""
        names = [] if self.journal.state.model_address else ["EternalModel"]
        implementations = {}
        for name in plan["implementations"]:
            mined = self.journal.state.mined(creation_step(name))
            address = self.implementations.find(name, mined.contract if mined else None)
            if address:
                implementations[name] = address
            else:
                names.append(name)
        if names:
            implementations.update(self.deploy_from_artifact(names))
        address = self.journal.state.model_address
        if address is None:
            raise DeployError("EternalModel creation is not recorded as mined; rerun to resume")
        return address, implementations

    def deploy_model(self, model_data, precision: str | None = None) -> DeployResult:
        """Deploys (or resumes deploying) one model; see :meth:`_deploy_model`. Sends transactions.

        Args:
            model_data: an export dict (:meth:`ModelExporter.export_model
                <eternal.export.ModelExporter.export_model>`), an export file, a Keras file or model.
            precision: the weights' precision when ``model_data`` is a Keras model or file
                (``int32``, ``int16`` or ``int8``; default int32).

        Returns:
            The finalised model's address: a :class:`DeployResult`, which is that address as a
            ``str`` and carries the deployment's facts (``gas_used``, ``transactions``, ``seconds``…).

        Raises:
            AccountBusyError, DeployRunningError: another run holds the account's or the journal's
                lock for longer than ``journal.LOCK_WAIT_SECONDS``.
        """
        try:
            return self._deploy_model(model_data, precision)
        finally:
            while self._locks:
                self._locks.pop().release()

    def _deploy_model(self, model_data, precision: str | None = None) -> DeployResult:
        """Deploys (or resumes deploying) one model and returns its finalised address.

        Sends transactions. ``model_data``: an export dict, an export file, a Keras file or model.
        A model this chain has from an earlier run is returned as that run recorded it, nothing
        sent (``already_deployed``), unless the deployer was made with ``again``.
        """
        clock = PhaseClock()
        export = load_model_input(model_data, precision)
        plan = self.get_model_config(export)
        model_hash = export["hashes"]["model"]
        with node_failures(self.rpc_url, lambda: self.sender.doing):
            resumed = self._open_journal(model_hash)
            if not resumed:
                done = None if self.again else earlier_result(self.deployed, self.w3, self.genesis, model_hash, plan)
                if done is not None:
                    return done
                # Before the journal starts: a failed check leaves nothing behind.
                missing = [name for name in plan["implementations"] if not self.implementations.find(name)]
                check_deployable(plan, self.limits, missing, self.max_pages_per_tx, self.max_layers_per_tx)
                self.sender.check_funds(sum(phase["gas"] for phase in phase_gas(plan, self.gas_limit).values()))
                self.journal.start(self.genesis, self.address)
            for step, receipt in settle_pending(self.sender) if resumed else []:
                if phase_of(step) == "impl":
                    self._created(Step(step, None, "0x", 0), receipt)
            clock.lap("prepare")
            address = self._advance(plan, clock)
        result = DeployResult.of_run(address, plan, self.journal.state, resumed, clock)
        self.journal.finish(address, result.record())
        self._say(f"model {model_hash} finalised at {address}")
        return result
