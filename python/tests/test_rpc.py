"""The retrying transport against the fault-injecting proxy: reads survive drops and busy answers."""

from __future__ import annotations

import time

from eternal.chain import connect
from eternal.rpc import retry_policy

from rpc_faults import Faults, FaultyRpcProxy


def test_reads_survive_one_in_five_dropped_connections(hardhat_node):
    with FaultyRpcProxy(hardhat_node.url, Faults(drop=0.2), seed=5) as proxy:
        w3 = connect(proxy.url)
        assert w3.eth.chain_id == 31337
        for _ in range(60):
            assert w3.eth.get_block(0)["number"] == 0  # chain ids are cached: a read that is not
        assert proxy.counts.dropped >= 5


def test_busy_answers_are_retried_after_their_retry_after(hardhat_node):
    with FaultyRpcProxy(hardhat_node.url, Faults(http_error=0.5, retry_after=1), seed=2) as proxy:
        w3 = connect(proxy.url)
        before = proxy.counts.http_errors
        started = time.monotonic()
        for _ in range(6):
            assert w3.eth.block_number >= 0
        busy = proxy.counts.http_errors - before
        assert busy >= 2
        assert time.monotonic() - started >= 0.95 * busy  # each busy answer asked for a 1 s wait


def test_the_policy_retries_posts_and_is_bounded():
    policy = retry_policy()
    assert policy.allowed_methods is None and policy.respect_retry_after_header
    assert {429, 503} <= set(policy.status_forcelist)
    assert 0 < policy.connect <= 10  # nothing listening: said in seconds, not minutes
    assert all(0 < limit <= 30 for limit in (policy.read, policy.status, policy.other))
