"""What a web process does once it has loaded the app, before it serves anyone."""

import gc


def settle() -> None:
    """Keep what the process has loaded (Django, the apps, the models: some 230,000 objects) out
    of the garbage collector's way, and let it run less often.

    Every 700 new objects Python looks for cycles among the youngest; now and then it walks every
    object there is, which took 165 ms on this machine with the app loaded, a request stuck
    behind it. Frozen objects are never walked, and a first pass every 10,000 new objects (a
    works-order page makes about 5,000) cut the collector's share from 1.1–1.3 ms to 0.2 ms a
    request (scripts/bench.py settles the same way before measuring)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
