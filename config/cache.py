"""Django's Redis cache backend, keeping one redis-py client per connection pool, with a leaner
`get_many`.

Django builds a new `redis.Redis` object for every cache call; constructing one (its response
callbacks, its settings) costs more Python time than the GET it then sends. A client object is
safe to share between threads and survives a fork (its pool reconnects in the child), so one per
pool is enough.

`get_many` is what authentication sends on every request (the user's row and the token denylist,
config.api.user_cache). It takes a connection from the same pool and sends one MGET on it, without
redis-py's per-command machinery (retries, event hooks, metrics, response callbacks), which cost
more than the round trip. Failures are what they were: the pool's checks, the circuit breaker
(config.cache_breaker) and redis-py's exceptions all apply; a connection that failed halfway is
closed, never handed back with an answer left unread. Everything else is Django's backend."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

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
        pool = self.get_client(None).connection_pool
        connection = pool.get_connection()
        try:
            connection.send_command("MGET", *keys)
            values = connection.read_response()
        except BaseException:
            connection.disconnect()
            raise
        finally:
            pool.release(connection)
        loads = self._serializer.loads
        return {key: loads(value) for key, value in zip(keys, values, strict=True) if value is not None}


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self):
        return ReusingRedisCacheClient(self._servers, **self._options)
