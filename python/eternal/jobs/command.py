"""``eternal predict ADDRESS --input X.npy --on-chain``: inference by transactions, as jobs.

``eternal.predict`` parses the command line and checks the inputs against the model;
with ``--on-chain`` it hands the samples here. Each sample is one job (:class:`JobDriver`):
rerunning the same command after a crash resumes it, and once finished prints it again
without sending anything (``--again`` opens a new job). The table (or ``--json``) gives
the gas of every transaction and the total.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from eternal.deploy.journal import DEFAULT_DIR
from eternal.fixedpoint import from_fixed, to_fixed
from eternal.jobs.driver import DEFAULT_STEP_GAS, JobDriver
from eternal.jobs.planner import DEFAULT_STEP_BYTES
from eternal.jobs.result import JobResult


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``predict --on-chain`` (ignored without it)."""
    group = parser.add_argument_group("on-chain inference jobs (--on-chain)")
    group.add_argument("--on-chain", action="store_true",
                       help="run by transactions as an on-chain job (one per sample): each step one transaction "
                            "under the per-transaction gas cap, the outputs stored on chain; rerun to resume")
    group.add_argument("--jobs", metavar="ADDRESS",
                       help="the InferenceJobs contract to use (default: the one the journal directory knows on "
                            "this chain, else one is created and remembered)")
    group.add_argument("--keystore", help="encrypted JSON keystore (else ETERNAL_PRIVATE_KEY; dev key on local chains)")
    group.add_argument("--journal-dir", help=f"journal directory (default {DEFAULT_DIR}, or ETERNAL_JOURNAL_DIR)")
    group.add_argument("--max-step-gas", type=int, metavar="GAS",
                       help=f"the most gas one step may use (default {DEFAULT_STEP_GAS:,}; at most the chain's cap)")
    group.add_argument("--max-step-bytes", type=int, metavar="BYTES",
                       help=f"the most calldata one step may carry (default {DEFAULT_STEP_BYTES:,}: geth's and "
                            f"reth's transaction pools refuse a transaction over 131,072 bytes)")
    group.add_argument("--again", action="store_true", help="open a new job even if this input already ran here")
    group.add_argument("--fresh", action="store_true", help="set an unfinished job's journal aside and open a new job")


def run_jobs(args, batches: list[np.ndarray], signature: dict) -> int:
    """Runs each sample of ``batches`` (checked by ``eternal.predict``) as a job and prints the results.

    ``signature``: ``frac_bits`` and ``output_shapes`` of the model (``predict.model_signature``).
    """
    from eternal.errors import UsageError

    if args.max_step_gas is not None and args.max_step_gas < 100_000:
        raise UsageError(f"--max-step-gas {args.max_step_gas:,} is below what any step needs (100,000)")
    frac = signature["frac_bits"]
    if args.max_step_bytes is not None and args.max_step_bytes < 1_000:
        raise UsageError(f"--max-step-bytes {args.max_step_bytes:,} is below what any step needs (1,000)")
    driver = JobDriver(args.rpc_url, args.keystore, args.journal_dir, args.jobs, args.max_step_gas,
                       args.max_step_bytes, again=args.again, fresh=args.fresh, quiet=args.json)
    results = []
    for n in range(len(batches[0])):
        results.append(driver.run(args.address, [to_fixed(batch[n], frac) for batch in batches]))
    outputs = [[from_fixed(values, frac, shape) for values, shape in zip(r.outputs, signature["output_shapes"])]
               for r in results]
    single = all(len(sample) == 1 for sample in outputs)
    shown = [sample[0].ravel().tolist() if single else [o.ravel().tolist() for o in sample] for sample in outputs]
    argmax = [int(np.argmax(sample[0])) for sample in outputs]
    if args.json:
        print(json.dumps({"outputs": shown, "outputs_fixed": [r.outputs for r in results], "argmax": argmax,
                          "gas": [r.gas_used for r in results],
                          "samples": len(results), "complete": True, "jobs": results[0].jobs,
                          "job_ids": [r.job_id for r in results], "steps": [r.steps for r in results],
                          "max_step_gas": max((max(r.step_gas, default=0) for r in results), default=0),
                          "resumed": [r.resumed for r in results], "already_done": [r.already_done for r in results]}),
              flush=True)
        return 0
    for n, (result, values, top) in enumerate(zip(results, shown, argmax)):
        print_steps(result)
        shown_values = np.array2string(np.asarray(values), precision=6, max_line_width=120) if single else str(values)
        print(f"sample {n}: argmax {top}  job {result.job_id}  gas {result.gas_used:,}  outputs {shown_values}")
    return 0


def print_steps(result: JobResult) -> None:
    """The job's transactions and their gas, as a table with the total."""
    from rich.console import Console
    from rich.table import Table

    note = " (finished earlier: nothing sent)" if result.already_done else " (resumed)" if result.resumed else ""
    table = Table(title=f"Job {result.job_id} on {result.jobs}{note}")
    for name in ("step", "what", "gas"):
        table.add_column(name, justify="right" if name == "gas" else "left")
    for step in result.steps:
        table.add_row(step["step"], step["what"] + ("" if step["status"] == 1 else " (reverted)"), f"{step['gas']:,}")
    most = max(result.step_gas, default=0)
    table.add_row("total", f"{result.transactions} transactions; largest step {most:,}", f"{result.gas_used:,}",
                  style="bold")
    Console().print(table)
