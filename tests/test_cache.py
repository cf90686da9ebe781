"""The Redis cache shares one redis-py client per connection pool (config/cache.py) instead of
making one for every call, and stays right when threads share it."""

import threading

from django.core.cache import caches


def test_every_call_uses_the_same_client_and_counts_stay_right_across_threads():
    cache = caches["ratelimit"]
    client = cache._cache.get_client("k", write=True)
    assert cache._cache.get_client("k", write=True) is client
    assert cache._cache.get_client("k") is client  # one server: reads use the same pool

    cache.set("counted", 0, 60)

    def count() -> None:
        for _ in range(200):
            cache.incr("counted")

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("counted") == 800
