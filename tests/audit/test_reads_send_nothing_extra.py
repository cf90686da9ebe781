"""The audit settings go to PostgreSQL only before a write, and once for a block's writes: a
read, a read-only WITH query included, sends nothing more, and later writes send nothing until a
rollback or a new connection has undone them. Counted at the driver, where the audit's own
statements go (Django's query capture does not see them). The board's poll, the busiest request
of the load test (make load), was 4 statements for its 2 queries before read-only WITH queries
were told apart; a booking in sent who it was before each of its nine writes."""

import contextlib
import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse

import tenancy
from audit.context import _is_write, acting
from audit.models import Change
from pricebook.models import PriceOption
from shops.models import Branch
from tests.factories import PriceOptionFactory
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


def test_writes_in_one_block_send_who_once(personas, sent):
    with acting(member=personas.manager, source="test"):
        for name in ("Birmingham 2", "Birmingham 3", "Birmingham 4"):
            Branch.objects.for_shop(personas.shop).filter(code="BHM").update(name=name)
    settings = [s for s in sent if "set_config" in s]
    assert len(settings) == 2  # who, before the first UPDATE only; cleared at the end
    assert len([s for s in sent if "UPDATE" in s]) == 3


def test_an_inner_block_sends_its_own_who_and_the_outer_one_comes_back(personas):
    option = PriceOptionFactory(shop=personas.shop, price=Decimal("5.00"))
    prices = PriceOption.objects.for_shop(personas.shop).filter(pk=option.pk)
    with acting(member=personas.manager, source="outer"):
        prices.update(price=Decimal("6.00"))
        with acting(name="Nightly repricing", source="inner"):
            prices.update(price=Decimal("7.00"))
        prices.update(price=Decimal("8.00"))
    recorded = [(c.after["price"], c.actor, c.source) for c in _option_changes(personas)[-3:]]
    assert recorded == [
        (6.0, "Tom Fletcher", "outer"),
        (7.0, "Nightly repricing", "inner"),
        (8.0, "Tom Fletcher", "outer"),
    ]


def _option_changes(personas) -> list[Change]:
    changes = Change.objects.for_shop(personas.shop).filter(table_name="pricebook_priceoption")
    return list(changes.order_by("id"))


def test_a_write_after_a_savepoint_rolled_back_still_names_who(personas):
    option = PriceOptionFactory(shop=personas.shop, price=Decimal("5.00"))
    prices = PriceOption.objects.for_shop(personas.shop).filter(pk=option.pk)
    with acting(member=personas.manager, source="test"):
        with contextlib.suppress(RuntimeError), transaction.atomic():
            prices.update(price=Decimal("6.00"))  # who is sent inside the savepoint…
            raise RuntimeError("…and rolled back with it")
        prices.update(price=Decimal("7.00"))
    last = _option_changes(personas)[-1]
    assert last.after == {"price": 7.0}
    assert (last.actor, last.actor_member_id) == ("Tom Fletcher", personas.manager.pk)


@pytest.mark.django_db(transaction=True)
def test_a_write_after_a_rollback_or_on_a_new_connection_still_names_who(personas):
    option = PriceOptionFactory(shop=personas.shop, price=Decimal("5.00"))
    prices = PriceOption.objects.for_shop(personas.shop).filter(pk=option.pk)
    with acting(member=personas.manager, source="task"):
        with tenancy.for_shop(personas.shop):
            with contextlib.suppress(RuntimeError), transaction.atomic():
                prices.update(price=Decimal("6.00"))
                raise RuntimeError("the whole transaction rolled back")
            with transaction.atomic():
                prices.update(price=Decimal("7.00"))
        connection.close()  # the next statement opens a new connection, with no settings
        with tenancy.for_shop(personas.shop):
            prices.update(price=Decimal("8.00"))
    with tenancy.for_shop(personas.shop):
        recorded = [(c.after["price"], c.actor) for c in _option_changes(personas)]
    assert recorded[-2:] == [(7.0, "Tom Fletcher"), (8.0, "Tom Fletcher")]


@pytest.mark.django_db(transaction=True)
def test_a_request_in_its_own_transaction_sets_the_shop_once_and_leaves_nothing(
    client_as, personas, sent
):
    client = client_as(personas.front_desk)
    client.get(reverse("board_changed"), {"branch": "BHM"}, headers=HTMX)  # the session warmed
    sent.clear()
    client.get(reverse("board_changed"), {"branch": "BHM"}, headers=HTMX)
    shop = [statement for statement in sent if "benchdesk.shop" in statement]
    assert len(shop) == 1, sent  # set for the transaction; its COMMIT takes it away
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('benchdesk.shop', true)")
        assert cursor.fetchone()[0] in ("", None)
