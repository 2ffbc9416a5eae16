"""With Redis frozen, the first cache call waits out its one-second timeout and trips the circuit;
the calls after it fail at once, so one request touching the cache several times waits once."""

import time

import pytest
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError

from config import cache_breaker
from config.testing_servers import RedisServer


@pytest.fixture
def frozen_cache(tmp_path, settings):
    settings.CACHE_BREAKER_SECONDS = 5
    cache_breaker.reset()
    server = RedisServer(tmp_path / "redis").start()
    pool = "config.cache_breaker.BreakerConnectionPool"
    options = {"socket_connect_timeout": 1, "socket_timeout": 1, "pool_class": pool}
    cache = RedisCache(server.url, {"OPTIONS": options})
    cache.set("warm", 1)
    server.freeze()
    yield server, cache
    server.stop()
    cache_breaker.reset()


def test_after_one_timeout_cache_calls_fail_at_once(frozen_cache):
    server, cache = frozen_cache
    started = time.monotonic()
    with pytest.raises(Exception):  # noqa: B017 - redis's TimeoutError
        cache.get("warm")
    first = time.monotonic() - started

    started = time.monotonic()
    for _ in range(5):
        with pytest.raises(RedisConnectionError):
            cache.get("warm")
    rest = time.monotonic() - started

    assert 0.9 < first < 2
    assert rest < 0.1


def test_the_circuit_closes_again(frozen_cache, settings):
    server, cache = frozen_cache
    settings.CACHE_BREAKER_SECONDS = 0
    with pytest.raises(Exception):  # noqa: B017
        cache.get("warm")
    server.thaw()

    assert cache.get("warm") == 1
