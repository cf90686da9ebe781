"""Part of a request's reading done on a second database connection, at the same time.

The dashboard's figures are some twenty statements, each waiting for the one before on the
request's connection while the database's other core idles. Half of them read by a helper
thread on its own connection take about a third off a year's dashboard of the big shop and a
quarter off a month's, the same statements either way (README, Benchmarks, "7 December,
night").

The helper reads in a transaction of its own with the request's shop and user, so row-level
security holds for it as for the request (and the same ContextVars: the dashboard's rollups
mark). One helper per process, started on first use (after gunicorn has forked): a request that
finds it busy, with another dashboard in a threaded worker, reads everything itself. Settings:
DASHBOARD_CONNECTIONS, 1 to read on the request's connection only (the tests' default: their
rows are in a transaction no second connection sees)."""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.conf import settings
from django.db import close_old_connections, connection, transaction

import tenancy

T = TypeVar("T")

HELPER_THREAD = "benchdesk-reports-helper"

_free = threading.Lock()  # held while the helper reads for one request
_started = threading.Lock()
_helper: tuple[int, ThreadPoolExecutor] | None = None  # (the process it belongs to, its pool)


def read_both(
    here: Callable[[], dict[str, T]],
    beside: Callable[[], dict[str, T]],
    *,
    setup: Callable[[], object] = lambda: None,
) -> dict[str, T]:
    """`here()` on the request's connection while `beside()` runs on the helper's, after
    `setup()` there (what the request's transaction was given before), their dicts merged; or
    both here, one after the other, when there is no helper to be had."""
    if (
        settings.DASHBOARD_CONNECTIONS < 2
        or connection.get_autocommit()  # not in a request's transaction: no shop to pass on
        or not _free.acquire(blocking=False)
    ):
        return {**here(), **beside()}
    try:
        shop, user = _tenancy()
        context = contextvars.copy_context()
        read = _helper_pool().submit(context.run, _in_own_transaction, shop, user, setup, beside)
        try:
            mine = here()
        except BaseException:
            read.exception()  # the helper finishes before it is free for another request
            raise
        return {**mine, **read.result()}
    finally:
        _free.release()


def _tenancy() -> tuple[str, str]:
    """The shop and user the request's transaction reads as (tenancy.for_shop set them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('benchdesk.shop', true),"
            " current_setting('benchdesk.user', true)"
        )
        shop, user = cursor.fetchone()
    return shop or "", user or ""


def _in_own_transaction(
    shop: str, user: str, setup: Callable[[], object], read: Callable[[], T]
) -> T:
    # As a request does: a connection past its age or broken is replaced before and after.
    close_old_connections()
    try:
        with transaction.atomic(), tenancy.for_shop(shop or None, user=user or None):
            setup()
            return read()
    finally:
        close_old_connections()


def _helper_pool() -> ThreadPoolExecutor:
    # Started on first use in each process: a worker forked from a parent that had one does not
    # inherit its thread (a pool carried over would take work and never run it).
    global _helper
    with _started:
        if _helper is None or _helper[0] != os.getpid():
            _helper = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix=HELPER_THREAD))
        return _helper[1]
