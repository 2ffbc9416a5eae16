"""Django's Redis cache backend, keeping one redis-py client per connection pool.

Django builds a new `redis.Redis` object for every cache call; constructing one (its response
callbacks, its settings) costs more Python time than the GET it then sends. A client object is
safe to share between threads and survives a fork (its pool reconnects in the child), so one per
pool is enough. Everything else is Django's backend unchanged."""

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


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self):
        return ReusingRedisCacheClient(self._servers, **self._options)
