"""What a job's step costs besides its layers, as the planner models it, and how a node says
a call ran out of gas.

The model only has to be close: the node's estimate of the real transaction has the last word
(:mod:`eternal.jobs.planner`).
"""

from __future__ import annotations

from eternal.chain import revert_reason

# The job's own share of a stage, measured on the Hardhat node: upper bounds more than estimates
# (the node's estimate of the real transaction has the last word).
STAGE_GAS = 50_000  # per step: job record, hash checks, storage writes, event, runStage's walk
LAYER_CALL_GAS = 12_000  # per layer of a stage: the call into the layer, its inputs copied
TENSOR_BYTE_GAS = 10  # per byte of packed tensors in and out: hashing, the event's log data
# Memory, quadratic: the jobs contract holds the packed tensors about twice (hashed, passed on,
# returned); the model holds them unpacked (32 bytes a value) while the stage runs.
JOBS_MEMORY_COPIES = 2
OUTPUT_BYTE_GAS = 260  # per byte of ABI-encoded outputs stored at the last step (SSTORE2: 200)
OUTPUT_GAS = 60_000  # the last step: the data contract's creation, the outputs' lookup

OUT_OF_GAS_WORDS = ("out of gas", "outofgas", "oog", "gas required exceeds", "exceeds allowance",
                    "couldn't infer the reason", "without a reason")
"""How nodes say a call ran out of gas: Hardhat ``Transaction ran out of gas``, geth ``out of gas``
and ``gas required exceeds allowance``, anvil ``EvmError: OutOfGas`` and ``EVM error MemoryOOG``.
A revert with no data is taken as one too: a layer call that ran out of gas inside the model's
call fails the model with nothing to say (Hardhat: ``Transaction reverted and Hardhat couldn't
infer the reason``), while every error of the model and its layers is a custom error."""


def is_out_of_gas(exc: Exception) -> bool:
    """Whether a failed call ran out of gas (under the node's cap) rather than reverting with a reason."""
    reason = revert_reason(exc).lower().strip()
    return reason == "execution reverted" or any(words in reason for words in OUT_OF_GAS_WORDS)


def memory_gas(words: int) -> int:
    """The EVM's cost of ``words`` words of memory in one call frame."""
    return 3 * words + words * words // 512


def tensors_gas(given: list[bytes], returned: list[bytes]) -> int:
    """Modelled gas a step spends on its packed tensors, apart from calldata: hashing, logging, memory."""
    packed = sum(map(len, given)) + sum(map(len, returned))
    values = sum((len(t) - 1) // max(t[0], 1) for t in [*given, *returned] if t)
    return (TENSOR_BYTE_GAS * packed + memory_gas(JOBS_MEMORY_COPIES * packed // 32)
            + memory_gas(values + sum(map(len, given)) // 32))


def calldata_bytes(data: str) -> int:
    """Bytes of hex calldata ``0x...``."""
    return (len(data) - 2) // 2
