"""The JSON-RPC transport: one HTTP session that retries what a busy or flaky node does.

Connection errors, read time-outs and answers lost mid-way (the node closed the
connection) are retried for every method, ``eth_sendRawTransaction`` included:
resending the same signed bytes is idempotent (same hash; a node that already has
it says so). HTTP 429/502/503/504 are retried too, honouring ``Retry-After``.
Waits grow exponentially with jitter, and the number of tries is bounded, so a
node that stays down still fails in bounded time: a refused connection (nothing
listening) is tried again :data:`RETRIES` times, a busy or flaky node (lost answers,
429/503) :data:`BUSY_RETRIES` times, since it does answer some of the time. The retrying is urllib3's
``Retry`` under a requests session; web3.py's own retry layer is turned off so
tries do not multiply.
"""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry
from web3 import HTTPProvider
from web3.types import RPCEndpoint

CONNECT_RETRIES = 4  # for the first call to a node: nothing listening is reported in ~2 s
RETRIES = 8  # refused connections after the first try: a node that died is reported in ~30 s
BUSY_RETRIES = 24  # lost answers and 429/502/503/504 after the first try: with 60% of tries failing
#                    (20% dropped, half the rest busy) all 25 fail once in ~350,000 calls
BACKOFF_SECONDS = 0.25  # the first wait; it doubles with each try (0.25, 0.5, 1, 2, 4, 8, ...)
BACKOFF_MAX_SECONDS = 8.0  # no single wait is longer
JITTER_SECONDS = 0.25  # added at random to each wait, so clients do not retry in step
RETRY_STATUSES = frozenset({429, 502, 503, 504})  # busy, bad gateway, unavailable, gateway time-out
REQUEST_TIMEOUT_SECONDS = 120.0  # one answer; a big eth_call on a slow node takes tens of seconds


def retry_policy(retries: int = RETRIES, busy_retries: int = BUSY_RETRIES) -> Retry:
    """urllib3's retry rules for JSON-RPC over HTTP POST: ``retries`` refused connections,
    ``busy_retries`` of each other failure (lost answers, busy statuses)."""
    return Retry(
        total=None,  # each kind is bounded on its own
        connect=retries,
        read=busy_retries,
        status=busy_retries,
        other=busy_retries,
        allowed_methods=None,  # JSON-RPC is all POST: every call may be retried (sends are idempotent)
        status_forcelist=RETRY_STATUSES,
        respect_retry_after_header=True,
        backoff_factor=BACKOFF_SECONDS / 2,  # urllib3 waits factor * 2^(n-1) from the second try on
        backoff_max=BACKOFF_MAX_SECONDS,
        backoff_jitter=JITTER_SECONDS,
        raise_on_status=True,
    )


def retrying_session(retries: int = RETRIES) -> requests.Session:
    """A requests session whose HTTP(S) adapters retry by :func:`retry_policy`."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry_policy(retries))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def http_provider(url: str, timeout: float = REQUEST_TIMEOUT_SECONDS, retries: int = RETRIES) -> HTTPProvider:
    """web3's HTTP provider on a :func:`retrying_session` (web3's own retries off).

    ``eth_chainId`` is asked once: web3 checks it before every call and estimate, which
    was two in five of a deployment's requests, each one more chance for a fault.
    """
    return HTTPProvider(url, request_kwargs={"timeout": timeout}, session=retrying_session(retries),
                        exception_retry_configuration=None, cache_allowed_requests=True,
                        cacheable_requests={RPCEndpoint("eth_chainId")})
