"""Django's Redis cache backend, keeping one redis-py client per connection pool, with a leaner
`get_many`.

Django builds a new `redis.Redis` object for every cache call; constructing one (its response
callbacks, its settings) costs more Python time than the GET it then sends. A client object is
safe to share between threads and survives a fork (its pool reconnects in the child), so one per
pool is enough.

`get_many` is what authentication sends on every request (the user's row and the token denylist,
config.api.user_cache). Each thread sends it on a connection of its own, without redis-py's pool
and per-command machinery (retries, event hooks, metrics, response callbacks, and the pool's
process and readiness checks: four of a call's eight system calls), which cost more than the
round trip. The connection is made like the pool's (same settings, the circuit breaker of
config.cache_breaker included) and only this thread uses it, always reading each answer whole; one
that fails halfway is closed, and the next call connects again. A forked child starts without
the parent's. Everything else is Django's backend."""

from __future__ import annotations

import os
import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        self._threads = threading.local()
        os.register_at_fork(after_in_child=self._forked)

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(index))
        return client

    def get_many(self, keys):
        keys = list(keys)
        if not keys:
            return {}
        connection = self._own_connection()
        try:
            connection.send_command("MGET", *keys)
            values = connection.read_response()
        except BaseException:
            connection.disconnect()
            raise
        loads = self._serializer.loads
        return {key: loads(value) for key, value in zip(keys, values, strict=True) if value is not None}

    def _own_connection(self):
        connection = getattr(self._threads, "connection", None)
        if connection is None:
            pool = self.get_client(None).connection_pool
            connection = self._threads.connection = pool.connection_class(**pool.connection_kwargs)
        return connection

    def _forked(self) -> None:
        self._threads = threading.local()


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self):
        return ReusingRedisCacheClient(self._servers, **self._options)
