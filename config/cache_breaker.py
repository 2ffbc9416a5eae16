"""A circuit breaker for the Redis cache: once a cache call fails to connect or times out, every
cache call in this process fails at once for CACHE_BREAKER_SECONDS (per server), instead of each waiting out
its own socket timeout. A request touches the cache several times (the signed-in user, throttles,
rate limits); with Redis frozen each would wait a second or two, so without the breaker one
request waits many. Callers see the same redis ConnectionError they would after the timeout, and
fail open (throttles, the user cache) or closed (sign-in rate limits) exactly as before.

Used through the cache's OPTIONS: `"pool_class": "config.cache_breaker.BreakerConnectionPool"`."""

from __future__ import annotations

import threading
import time

import redis
from django.conf import settings
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

_FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)
_lock = threading.Lock()
# Per server (host, port): until when calls to it fail at once.
_open_until: dict[tuple, float] = {}


def _check(server: tuple) -> None:
    if time.monotonic() < _open_until.get(server, 0.0):
        raise RedisConnectionError("The cache is unavailable (circuit open after a recent failure).")


def _trip(server: tuple) -> None:
    with _lock:
        _open_until[server] = time.monotonic() + getattr(settings, "CACHE_BREAKER_SECONDS", 5)


def reset() -> None:
    """Close every circuit (tests)."""
    _open_until.clear()


class BreakerConnection(redis.connection.Connection):
    @property
    def _server(self) -> tuple:
        return (self.host, self.port)

    def connect(self, *args, **kwargs):
        _check(self._server)
        try:
            return super().connect(*args, **kwargs)
        except _FAILURES:
            _trip(self._server)
            raise

    def send_packed_command(self, *args, **kwargs):
        _check(self._server)
        try:
            return super().send_packed_command(*args, **kwargs)
        except _FAILURES:
            _trip(self._server)
            raise

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except _FAILURES:
            _trip(self._server)
            raise


class BreakerConnectionPool(redis.ConnectionPool):
    def __init__(self, *args, **kwargs):
        if kwargs.get("connection_class", redis.connection.Connection) is redis.connection.Connection:
            kwargs["connection_class"] = BreakerConnection
        super().__init__(*args, **kwargs)
