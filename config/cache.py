"""Django's Redis cache, keeping one redis-py client for each connection pool.

Django makes a new `redis.Redis` for every cache call, and making one costs about 80 µs (it
fills its table of reply handlers afresh). Every signed-in request reads its session through
the cache and every rate limit counts there, so the client is made once and shared: redis-py
clients are safe to share between threads (each command borrows a connection from the pool),
and the pool starts afresh in a forked worker by itself.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
