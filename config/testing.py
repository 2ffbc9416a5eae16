"""Helpers the test suites of every app share (imported by tests only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import TypeVar

from django.db import connection
from rest_framework.test import APIClient

T = TypeVar("T")


def race(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run the callables at the same moment, one thread each (each thread has its own database
    connection, closed afterwards); return their results in order."""
    barrier = Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        try:
            barrier.wait(timeout=10)
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def bearer_client(user) -> APIClient:
    """An API client that sends a real Bearer access token for `user`."""
    from accounts.tokens import issue_token_pair

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token_pair(user).access}")
    return client


def statuses(responses) -> list[int]:
    return sorted(response.status_code for response in responses)
