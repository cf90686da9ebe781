"""The audit settings go to PostgreSQL only before a write: a read, a read-only WITH query
included, sends nothing more. Counted at the driver, where the audit's own statements go (Django's
query capture does not see them). The board's poll, the busiest request of the load test
(make load), was 4 statements for its 2 queries before read-only WITH queries were told apart."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from audit.context import _is_write, acting
from shops.models import Branch
from tests.tickets.test_board import HTMX, advance, assigned

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """Every statement handed to the driver, in order."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        driver_cursor = type(cursor.cursor)
    statements: list[str] = []
    execute = driver_cursor.execute

    def counting(self, query, *args, **kwargs):
        statements.append(query if isinstance(query, str) else str(query))
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(driver_cursor, "execute", counting)
    return statements


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ("SELECT 1", False),
        ("\n  WITH open AS (SELECT id FROM t) SELECT count(*) FROM open", False),
        ("(WITH x AS (SELECT updated_at, last_update FROM t) SELECT * FROM x)", False),
        ("WITH moved AS (UPDATE t SET a = 1 RETURNING id) SELECT count(*) FROM moved", True),
        ("with n as (select 1) insert into t select * from n", True),
        ("WITH gone AS (DELETE FROM t RETURNING id) SELECT 1", True),
        ("WITH s AS (SELECT 1) MERGE INTO t USING s ON true WHEN MATCHED THEN DO NOTHING", True),
        ("INSERT INTO t VALUES (1)", True),
        ("  update t set a = 2", True),
        ("COPY t FROM STDIN", True),
    ],
)
def test_a_statement_counts_as_a_write_only_when_it_can_write(sql, writes):
    assert _is_write(sql) is writes


def test_the_board_poll_sends_its_two_queries_and_nothing_for_the_audit(client_as, personas, sent):
    works_order = assigned(personas)
    client = client_as(personas.front_desk)
    body = client.get(reverse("board")).content.decode()
    since = re.search(r"since=([\d.]+)", body).group(1)
    poll = {"branch": "BHM", "since": since}
    client.get(reverse("board_changed"), poll, headers=HTMX)  # the session warmed

    sent.clear()
    assert client.get(reverse("board_changed"), poll, headers=HTMX).status_code == 204
    # Row-level security's shop for the request (set, then put back): nothing else is a setting.
    shop = [statement for statement in sent if "benchdesk.shop" in statement]
    queries = [statement for statement in sent if statement not in shop]
    assert len(shop) == 2, sent
    assert len(queries) == 2, sent  # the user with memberships, and the board's version (a WITH)
    assert not any("set_config" in statement for statement in queries)

    advance(works_order, "start", personas.technician)  # a change: the poll says so
    assert client.get(reverse("board_changed"), poll, headers=HTMX).status_code == 200


def test_a_write_still_sends_who_before_it_and_clears_it_after(personas, sent):
    with acting(member=personas.manager, source="test"):
        Branch.objects.for_shop(personas.shop).filter(code="BHM").update(name="Birmingham 2")
    settings = [s for s in sent if "set_config" in s]
    assert len(settings) == 2  # who, before the UPDATE; cleared at the end of the block
    assert sent.index(settings[0]) < next(i for i, s in enumerate(sent) if "UPDATE" in s)
