"""The dashboard read on two connections (reports/beside.py): the same page as on one, half the
figures read by the helper in the request's shop, and nothing lost when it is busy or fails.

Committed rows (transaction=True): the helper's connection cannot see a test's transaction."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.db import connection
from django.urls import reverse

from reports import beside, kpis
from tests.reports.kpi_scenes import known_week

pytestmark = pytest.mark.django_db(transaction=True)
URL = reverse("kpi_dashboard")
THE_WEEK = {"period": "custom", "start": "2026-11-02", "end": "2026-11-08"}


@pytest.fixture
def week(personas):
    return known_week(personas)


@pytest.fixture
def read_by(monkeypatch):
    """{figure: the name of the thread that read it}, for every dashboard read from now on;
    read_by.shops: {figure: the shop its connection's row-level security showed}."""
    seen = ReadBy()

    def spied(name, figure):
        def read(*args, **kwargs):
            seen[name] = threading.current_thread().name
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('benchdesk.shop', true)")
                seen.shops[name] = cursor.fetchone()[0]
            return figure(*args, **kwargs)

        return read

    for figures in (kpis.TABLES, kpis.FIRST_ROWS):  # the page reads some tables' first rows
        for name, figure in list(figures.items()):
            monkeypatch.setitem(figures, name, spied(name, figure))
    return seen


class ReadBy(dict):
    def __init__(self) -> None:
        super().__init__()
        self.shops: dict[str, str] = {}


def page(client) -> str:
    response = client.get(URL, THE_WEEK)
    assert response.status_code == 200
    # The CSRF token is masked afresh for every response.
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", response.text)


def test_two_connections_show_the_page_one_shows(client_as, personas, week, settings, read_by):
    client = client_as(personas.manager)
    settings.DASHBOARD_CONNECTIONS = 1
    on_one = page(client)
    assert set(read_by.values()) == {threading.current_thread().name}

    settings.DASHBOARD_CONNECTIONS = 2
    read_by.clear()
    on_two = page(client)
    assert on_two == on_one
    assert "18 h" in on_two  # the screens' median intake → ready: a figure the helper read
    helper = {name for name, thread in read_by.items() if thread.startswith(beside.HELPER_THREAD)}
    assert helper == kpis.READ_BESIDE
    assert set(read_by) == set(kpis.TABLES)


def test_the_helper_reads_in_the_requests_shop_only(client_as, personas, week, settings, read_by):
    settings.DASHBOARD_CONNECTIONS = 2
    text = page(client_as(personas.outsider))
    # Turnaround by repair type and the common repairs are the helper's: this shop's only.
    assert "Screen" not in text and "Birmingham" not in text
    # Row-level security holds on the helper's connection as on the request's.
    assert read_by.shops == {name: str(personas.outsider.shop_id) for name in kpis.TABLES}


def test_a_busy_helper_leaves_the_request_to_read_everything(
    client_as, personas, week, settings, read_by
):
    settings.DASHBOARD_CONNECTIONS = 2
    with beside._free:  # another dashboard of this process has the helper
        text = page(client_as(personas.manager))
    assert "18 h" in text
    assert set(read_by.values()) == {threading.current_thread().name}


def test_a_figure_failing_on_the_helper_fails_the_request_and_frees_the_helper(
    client_as, personas, week, settings, monkeypatch
):
    settings.DASHBOARD_CONNECTIONS = 2
    client = client_as(personas.manager)
    client.raise_request_exception = True

    def broken(*args):
        raise RuntimeError("the helper's figure failed")

    with monkeypatch.context() as patched:
        patched.setitem(kpis.TABLES, "repairs", broken)
        with pytest.raises(RuntimeError, match="helper's figure"):
            client.get(URL, THE_WEEK)
    assert not beside._free.locked()
    assert "18 h" in page(client)


def test_a_figure_failing_here_waits_for_the_helper_before_the_request_ends(
    client_as, personas, week, settings, monkeypatch
):
    settings.DASHBOARD_CONNECTIONS = 2
    client = client_as(personas.manager)
    client.raise_request_exception = True
    helper_done = threading.Event()
    slow_repairs = kpis.TABLES["repairs"]

    def slow(*args):
        time.sleep(0.3)  # still reading when the request's own figure fails
        table = slow_repairs(*args)
        helper_done.set()
        return table

    def broken(*args):
        raise RuntimeError("the request's figure failed")

    with monkeypatch.context() as patched:
        patched.setitem(kpis.TABLES, "repairs", slow)
        patched.setitem(kpis.TABLES, "volume", broken)
        with pytest.raises(RuntimeError, match="request's figure"):
            client.get(URL, THE_WEEK)
        # Its transaction ended before the request's did, and the helper is free again.
        assert helper_done.is_set()
    assert not beside._free.locked()
