"""config.cache: `get_many` sends its MGET on a connection of the calling thread's own, without
redis-py's pool and command machinery. It must answer what Django's backend answers, a connection
that failed halfway must never serve a later call with the answer it left unread, and no two
threads or processes may share one."""

import os
import threading
import time

import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config import cache_breaker
from config.cache import RedisCache
from config.testing_servers import RedisServer

OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1, "pool_class": "config.cache_breaker.BreakerConnectionPool"}


@pytest.fixture
def server(tmp_path, settings):
    settings.CACHE_BREAKER_SECONDS = 0
    cache_breaker.reset()
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()
    cache_breaker.reset()


def caches(server):
    params = {"OPTIONS": OPTIONS, "KEY_PREFIX": "p"}
    return RedisCache(server.url, params), DjangoRedisCache(server.url, params)


def test_get_many_answers_what_djangos_backend_answers(server):
    ours, django = caches(server)
    values = {"int": 7, "negative": -3, "text": "naïve", "row": (1, "a", None, True), "bool": False, "zero": 0}
    ours.set_many(values)
    ours.set("other-version", "v2", version=2)
    keys = [*values, "missing", "other-version"]
    assert ours.get_many(keys) == django.get_many(keys) == values
    assert ours.get_many(["other-version"], version=2) == {"other-version": "v2"}
    assert ours.get_many([]) == {}


def test_a_connection_that_timed_out_is_closed_not_reused(server):
    ours, _ = caches(server)
    ours.set_many({"a": "first", "b": "second"})
    assert ours.get_many(["a"]) == {"a": "first"}
    server.freeze()
    started = time.monotonic()
    with pytest.raises((RedisTimeoutError, RedisConnectionError)):
        ours.get_many(["a"])
    assert time.monotonic() - started < 3
    server.thaw()  # the MGET it sent is answered now, onto a connection nobody reads
    time.sleep(0.2)
    assert ours.get_many(["b"]) == {"b": "second"}
    assert ours.get_many(["a", "b"]) == {"a": "first", "b": "second"}


def test_each_thread_and_each_forked_process_has_its_own_connection(server):
    ours, _ = caches(server)
    ours.set("k", "v")
    assert ours.get_many(["k"]) == {"k": "v"}
    mine = ours._cache._threads.connection
    pool = ours._cache.get_client(None).connection_pool
    in_pool = len(pool._available_connections)
    assert ours.get_many(["k"]) == {"k": "v"} and ours._cache._threads.connection is mine
    assert len(pool._available_connections) == in_pool and not pool._in_use_connections

    seen = []

    def other() -> None:
        seen.append((ours.get_many(["k"]), ours._cache._threads.connection))

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen[0][0] == {"k": "v"} and seen[0][1] is not mine

    child = os.fork()
    if child == 0:  # the child's first call must connect anew, not speak on the parent's socket
        ok = getattr(ours._cache._threads, "connection", None) is None and ours.get_many(["k"]) == {"k": "v"}
        os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert ours.get_many(["k"]) == {"k": "v"} and ours._cache._threads.connection is mine
