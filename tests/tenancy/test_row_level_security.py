"""Row-level security: the database keeps shops apart even when the code forgets.

The suite connects as the owner (a superuser, which row-level security never limits), so these
tests take the app's role inside their transaction with `SET LOCAL ROLE benchdesk_app`, as the
app connecting as benchdesk_app would be; one test logs in as benchdesk_app for real.
"""

from __future__ import annotations

import contextlib
import importlib
from decimal import Decimal

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

import tenancy
from audit.models import Change
from shops.models import Shop
from tenancy.rls import ALL_SHOPS_ROLE, APP_ROLE
from tests.factories import CustomerFactory, WorksOrderFactory
from tickets import services as tickets_services

SHOP_TABLES = """
SELECT c.relname, a.attname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND NOT a.attisdropped
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  AND (a.attname = 'shop_id' OR (c.relname = 'shops_shop' AND a.attname = 'id'))
ORDER BY 1
"""


POLICY_SHOP = (
    "( SELECT (NULLIF(current_setting('benchdesk.shop'::text, true), ''::text))::bigint "
    'AS "nullif")'
)


def fetch(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def run(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def count(table: str) -> int:
    return fetch(f"SELECT count(*) FROM {table}")[0][0]


@contextlib.contextmanager
def as_app():
    """The block runs as the app's role, without the cross-shop role the suite's own code has."""
    with transaction.atomic():
        (outer,) = fetch("SELECT current_setting('role')")[0]
        run(f"SET LOCAL ROLE {APP_ROLE}")
        try:
            yield
        finally:
            if not connection.needs_rollback:
                run("SELECT set_config('role', %s, true)", [outer])


@pytest.fixture
def two_shops(personas):
    """Works orders (with customers, devices, quotes, timelines) in both shops."""
    for _ in range(2):
        WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    WorksOrderFactory(branch=personas.outsider.branches.first(), by=personas.outsider)
    return personas


def test_every_table_with_a_shop_is_under_the_shop_policy(db):
    tables = fetch(SHOP_TABLES)
    assert len(tables) > 50  # the catalogue query itself works
    policies = {
        (table, policy): (command, using, check)
        for table, policy, command, using, check in fetch(
            "SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies "
            "WHERE schemaname = current_schema()"
        )
    }
    unprotected = []
    for table, column in tables:
        enabled, forced = fetch(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = %s::regclass",
            [table],
        )[0]
        command, using, check = policies.get((table, "shop_isolation"), (None, "", ""))
        expected = f"({column} = {POLICY_SHOP})"
        if not (enabled and forced and command == "ALL" and using == expected == check):
            unprotected.append(table)
    assert unprotected == [], "protect these with tenancy.rls.protect() in their migration"


def test_only_sign_in_tables_have_a_second_way_in(db):
    extra = {
        (table, policy, command)
        for table, policy, command in fetch(
            "SELECT tablename, policyname, cmd FROM pg_policies "
            "WHERE schemaname = current_schema() AND policyname <> 'shop_isolation'"
        )
    }
    # Read-only, and only the signed-in user's own memberships and their shops.
    assert extra == {
        ("shops_membership", "own_rows", "SELECT"),
        ("shops_shop", "own_rows", "SELECT"),
    }


def test_the_app_role_owns_nothing_and_cannot_bypass(db):
    login, superuser, bypass = fetch(
        "SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [APP_ROLE]
    )[0]
    assert (login, superuser, bypass) == (True, False, False)
    login, superuser, bypass = fetch(
        "SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s",
        [ALL_SHOPS_ROLE],
    )[0]
    assert (login, superuser, bypass) == (False, False, True)
    owned = fetch(
        "SELECT relname FROM pg_class WHERE relowner IN "
        "(SELECT oid FROM pg_roles WHERE rolname IN (%s, %s))",
        [APP_ROLE, ALL_SHOPS_ROLE],
    )
    assert owned == []
    assert fetch("SELECT pg_has_role(%s, %s, 'SET')", [APP_ROLE, ALL_SHOPS_ROLE]) == [(True,)]


def test_without_a_shop_the_app_sees_no_rows_in_any_tenant_table(two_shops):
    tables = [table for table, _ in fetch(SHOP_TABLES)]
    with_rows = [table for table in tables if count(table)]
    assert {"tickets_worksorder", "customers_customer", "shops_shop"} <= set(with_rows)
    with as_app():
        assert {table: count(table) for table in with_rows} == dict.fromkeys(with_rows, 0)
        # A setting once set reads '' after its transaction: that is no shop too, not an error.
        fetch("SELECT set_config('benchdesk.shop', '', true)")
        assert count("tickets_worksorder") == 0


def test_with_a_shop_the_app_sees_that_shops_rows_only(two_shops):
    shop, elsewhere = two_shops.shop, two_shops.outsider.shop
    with as_app():
        with tenancy.for_shop(shop):
            assert count("tickets_worksorder") == 2
            assert set(fetch("SELECT DISTINCT shop_id FROM customers_customer")) == {(shop.pk,)}
            assert fetch("SELECT id FROM shops_shop") == [(shop.pk,)]
        with tenancy.for_shop(elsewhere):
            assert count("tickets_worksorder") == 1
            assert fetch("SELECT id FROM shops_shop") == [(elsewhere.pk,)]
        assert count("tickets_worksorder") == 0  # the block took its shop away again


def test_the_app_cannot_write_a_row_of_another_shop(two_shops):
    shop, elsewhere = two_shops.shop, two_shops.outsider.shop
    theirs = CustomerFactory(shop=elsewhere)
    with as_app(), tenancy.for_shop(shop):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            CustomerFactory(shop=elsewhere)
        ours = CustomerFactory(shop=shop, full_name="Ours")
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            run("UPDATE customers_customer SET shop_id = %s WHERE id = %s", [elsewhere.pk, ours.pk])
        # Another shop's row is not there to change or delete.
        run("UPDATE customers_customer SET full_name = 'Mine now' WHERE id = %s", [theirs.pk])
        run("DELETE FROM customers_customer WHERE id = %s", [theirs.pk])
    theirs.refresh_from_db()
    assert theirs.full_name != "Mine now"


def test_before_a_shop_is_chosen_a_user_sees_their_own_memberships_and_shops(two_shops):
    user = two_shops.owner.user
    with as_app(), tenancy.for_shop(None, user=user):
        assert set(fetch("SELECT user_id, shop_id FROM shops_membership")) == {
            (user.pk, two_shops.shop.pk)
        }
        assert fetch("SELECT id FROM shops_shop") == [(two_shops.shop.pk,)]
        assert count("tickets_worksorder") == 0
        # Reading only: a membership needs the shop to be written.
        run("UPDATE shops_membership SET role = 'front_desk' WHERE user_id = %s", [user.pk])
    two_shops.owner.refresh_from_db()
    assert two_shops.owner.role == "owner"


def test_the_cross_shop_path_sees_every_shop(two_shops):
    with as_app():
        assert count("tickets_worksorder") == 0
        with tenancy.all_shops():
            assert fetch("SELECT current_user") == [(ALL_SHOPS_ROLE,)]
            assert count("tickets_worksorder") == 3
            assert count("shops_shop") == 2
        assert fetch("SELECT current_user") == [(APP_ROLE,)]
        assert count("tickets_worksorder") == 0


def test_audit_triggers_and_sealed_tables_work_for_the_app(two_shops):
    shop = two_shops.shop
    works_order = WorksOrderFactory(branch=two_shops.branch, by=two_shops.front_desk)
    with as_app(), tenancy.for_shop(shop):
        Shop.objects.filter(pk=shop.pk).update(approval_threshold=Decimal("77.00"))
        two_shops.technician.role = "manager"
        two_shops.technician.save(update_fields=["role"])
        entry = tickets_services.note_add(
            works_order=works_order, text="Back cover loose", kind="internal", by=two_shops.owner
        )
        kinds = set(Change.objects.for_shop(shop).values_list("table_name", flat=True))
        assert {"shops_shop", "shops_membership"} <= kinds
        # The timeline stays sealed for the app as for the owner.
        with pytest.raises(DatabaseError, match="cannot be"), transaction.atomic():
            run("UPDATE tickets_timelineentry SET text = 'x' WHERE id = %s", [entry.pk])


@pytest.mark.django_db(transaction=True)
def test_a_real_app_login_can_take_the_cross_shop_path_for_one_transaction(two_shops):
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params.update(user=APP_ROLE, autocommit=True)
    params.pop("password", None)
    with psycopg.connect(**params) as app:
        assert app.execute("SELECT session_user, current_user").fetchone() == (APP_ROLE, APP_ROLE)
        assert app.execute("SELECT count(*) FROM tickets_worksorder").fetchone() == (0,)
        with app.transaction():
            app.execute(f"SET LOCAL ROLE {ALL_SHOPS_ROLE}")
            # BYPASSRLS is the current role's attribute: it applies after SET ROLE.
            assert app.execute("SELECT count(*) FROM tickets_worksorder").fetchone() == (3,)
        assert app.execute("SELECT count(*) FROM tickets_worksorder").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("SET ROLE postgres")


def test_the_suite_logs_in_as_the_app_role(db, settings):
    if not settings.DATABASE_APP_USER:
        pytest.skip("DATABASE_APP_USER is not set: the suite logs in as the owner")
    assert fetch("SELECT session_user") == [(APP_ROLE,)]


def test_a_request_runs_as_the_app_role_with_its_shop(personas, rf, settings):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    from shops.middleware import CurrentShopMiddleware

    seen = {}

    def view(request):
        seen["as"] = fetch(
            "SELECT current_user, current_setting('benchdesk.shop'), "
            "current_setting('benchdesk.user')"
        )[0]
        seen["jobs"] = count("tickets_worksorder")
        from django.http import HttpResponse

        return HttpResponse()

    WorksOrderFactory(branch=personas.outsider.branches.first(), by=personas.outsider)
    member = personas.owner
    request = rf.get("/")
    request.session = SessionStore()
    request.session["_auth_user_id"] = str(member.user.pk)
    request.user = member.user
    CurrentShopMiddleware(view)(request)
    expected_role = APP_ROLE if settings.DATABASE_APP_USER else seen["as"][0]
    assert seen["as"] == (expected_role, str(personas.shop.pk), str(member.user.pk))
    assert seen["jobs"] == (0 if settings.DATABASE_APP_USER else 1)  # the other shop's job

    request.user = AnonymousUser()
    request.session = SessionStore()
    CurrentShopMiddleware(view)(request)
    assert seen["as"][1:] == ("", "")


def test_docker_compose_runs_the_app_as_the_app_role():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(
        line.split("=", 1)
        for line in (root / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    # web, worker and beat log in as benchdesk_app; migrate as the owner (tenancy's migrate).
    assert env["DATABASE_APP_USER"] == APP_ROLE and "DATABASE_APP_PASSWORD" in env
    assert env["DATABASE_URL"].startswith(f"postgres://{env['POSTGRES_USER']}:")


def test_search_functions_are_leakproof_so_indexes_serve_them_under_the_policy(db):
    names = [
        *importlib.import_module("tenancy.migrations.0002_leakproof_search_operators").FUNCTIONS,
        *importlib.import_module("tenancy.migrations.0005_leakproof_name_similarity").FUNCTIONS,
    ]
    assert fetch(
        "SELECT count(*), bool_and(proleakproof) FROM pg_proc WHERE oid = ANY(%s::regprocedure[])",
        [names],
    ) == [(len(names), True)]


def test_a_number_search_uses_its_index_as_the_app(two_shops):
    with as_app(), tenancy.for_shop(two_shops.shop):
        # A table of a few rows is cheapest read whole whatever its indexes; the question is
        # whether the index can take the condition beneath the policy, so the whole read is
        # priced out (it stays the plan when the index cannot).
        run("SELECT set_config('enable_seqscan', 'off', true)")
        plan = "\n".join(
            row[0]
            for row in fetch(
                "EXPLAIN SELECT id FROM tickets_worksorder WHERE shop_id = %s "
                "AND reverse(number) ~>=~ '1000-' AND reverse(number) ~<~ '1000.'",
                [two_shops.shop.pk],
            )
        )
    assert "Index Cond" in plan and "~>=~" in plan.split("Index Cond", 1)[1], plan


def test_a_customer_search_by_name_asks_only_what_indexes_answer_under_the_policy(personas):
    from customers.selectors import customer_search

    # Every arm of the search's OR must be able to be an index condition beneath the policy
    # (only LEAKPROOF operators may), or the OR as a whole reads each of the shop's customers and
    # works out each one's trigrams: 370 ms for "smith" among 235,000. (On a test's few rows the
    # planner reads them whole whatever the indexes, so the operators are checked, not a plan.)
    sql = str(customer_search(personas.shop, "smith").query)
    assert "UPPER(" not in sql and " LIKE " not in sql, sql  # icontains, startswith
    written = {"ILIKE": "~~*", "%>": "%>", "~>=~": "~>=~", "~<~": "~<~"}
    assert all(f" {word} " in sql for word in written), sql
    operators = list(written.values())
    leakproof = fetch(
        "SELECT o.oprname, p.proleakproof FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode"
        " WHERE o.oprname = ANY(%s) AND o.oprleft = 'text'::regtype"
        " AND o.oprright = 'text'::regtype",
        [operators],
    )
    assert dict(leakproof) == dict.fromkeys(operators, True)


def test_a_customer_search_by_name_reads_the_name_index_within_its_shop(personas):
    from customers.selectors import customer_search
    from devices.selectors import device_model_for_imei

    # The trigram index holds (shop, name): the shop must be searched in it, not filtered after
    # it, or every shop's "Smith"s are read (6,096 rows where the big shop had 1,418). psycopg
    # sends a small shop id as a smallint, which a GIN column of bigints (btree_gin's int8_ops)
    # cannot be searched with, so the search sends it as a bigint. (On a test's few rows the
    # planner reads the shop's rows along a btree whatever the GIN can do: the SQL is checked.)
    sql, _params = customer_search(personas.shop, "smith").query.sql_with_params()
    assert '"customers_customer"."shop_id" = (%s)::bigint' in sql, sql
    with as_app(), tenancy.for_shop(personas.shop):
        types = fetch("SELECT pg_typeof(%s), pg_typeof((%s)::bigint)", [personas.shop.pk] * 2)
        assert types == [("smallint", "bigint")]  # what the cast is for
        with CaptureQueriesContext(connection) as queries:
            device_model_for_imei(personas.shop, "352099001761481")
    shop_key = f'"devices_devicemodel"."shop_id" = ({personas.shop.pk})::bigint'
    assert shop_key in queries[0]["sql"], queries[0]["sql"]
