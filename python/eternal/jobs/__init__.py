"""On-chain inference jobs: a model run by transactions, ``eternal predict ADDRESS --on-chain``.

The contract ``InferenceJobs`` (one per chain) runs a finalised model on one input as a
job anyone can advance, one stage of layers or one slice of a layer per transaction,
committing each step's tensors by hash and publishing them in events, and stores the
outputs on chain for any contract to read (docs/CONTRACTS.md). Here, one concept per module:

- :mod:`~eternal.jobs.command`: the ``--on-chain`` options of ``predict``, and the table it prints.
- :mod:`~eternal.jobs.driver`: one sample from open to stored outputs, journaled and resumable
  like a deployment (it reuses :mod:`eternal.deploy`'s journal, sender, keys and locks).
- :mod:`~eternal.jobs.planner`: the next step that fits the gas budget, from each layer's gas.
- :mod:`~eternal.jobs.state`: a job's state on chain, its hashes and the tensors in its events.
- :mod:`~eternal.jobs.result`: what a run returns and remembers.
"""
