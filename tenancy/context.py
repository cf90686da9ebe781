"""The two ways code gets at tenant rows under row-level security.

    with tenancy.for_shop(shop):        # one shop's rows (a request, a task, a command)
        ...
    with tenancy.all_shops():           # every shop's rows: the named cross-shop path
        ...

Inside a transaction (the request's, or any `atomic` block) both are transaction-local
(`set_config(…, true)`, i.e. `SET LOCAL`): nothing outlives the transaction, so a pooled
connection cannot carry a shop or the bypass on. Outside one (a Celery sweep that commits item
by item, as it did before row-level security) they set the session's value and put the previous
one back when the block ends, whatever happens inside. Either way an enclosing block's values
come back at the end, and both nest. Both work as decorators too.

`for_shop` also leaves the cross-shop role for its block (`SET LOCAL ROLE NONE`): one shop's work
inside a sweep is held to that shop. `all_shops` switches to the BYPASSRLS role only when the
role in use does not already see every row (the owner, a superuser).
"""

from __future__ import annotations

import contextlib
import functools
from typing import TYPE_CHECKING

from django.db import connections

from tenancy.rls import ALL_SHOPS_ROLE

if TYPE_CHECKING:
    from collections.abc import Iterator

# The outer values are read before the new ones are set: a target list is computed in order.
_READ_AND_WRITE = (
    "SELECT current_setting('benchdesk.shop', true), current_setting('benchdesk.user', true), "
    "current_setting('role'), set_config('benchdesk.shop', %s, {local}), "
    "set_config('benchdesk.user', %s, {local}), set_config('role', 'none', {local})"
)
_WRITE = (
    "SELECT set_config('benchdesk.shop', %s, {local}), set_config('benchdesk.user', %s, {local}), "
    "set_config('role', %s, {local})"
)
_SEES_ALL = (
    "SELECT r.rolsuper OR r.rolbypassrls, current_setting('role') FROM pg_roles r "
    "WHERE r.rolname = current_user"
)


_KEEP = object()


def _sql_bool(value: bool) -> str:
    return "true" if value else "false"


def _id(value) -> str:
    if value is None:
        return ""
    return str(getattr(value, "pk", value))


@contextlib.contextmanager
def _cursor(connection) -> Iterator:
    """The driver's own cursor: these statements are the connection's setup, like BEGIN, not
    queries of the app's (query counts in tests do not see them, as with audit.context)."""
    with connection.cursor() as cursor:
        yield cursor.cursor


def _usable(connection) -> bool:
    """Whether a statement can run now (not in a transaction that has already failed)."""
    from psycopg.pq import TransactionStatus

    raw = connection.connection
    return raw is not None and raw.info.transaction_status != TransactionStatus.INERROR


def _write(cursor, *, shop: str, user: str, role: str, local: bool) -> None:
    cursor.execute(_WRITE.format(local=_sql_bool(local)), [shop, user, role])


def _set_role(cursor, *, role: str, local: bool) -> None:
    cursor.execute("SELECT set_config('role', %s, %s)", [role, local])


@contextlib.contextmanager
def _restoring(connection, local: bool, restore) -> Iterator[None]:
    """Run the block, then put the outer values back with `restore(cursor, local=…)`, unless
    the transaction failed: its rollback takes the values back (and a statement would fail)."""
    try:
        yield
    finally:
        if _usable(connection) and not (local and connection.needs_rollback):
            with _cursor(connection) as cursor:
                restore(cursor, local=local)


@contextlib.contextmanager
def for_shop(
    shop, *, user=None, using: str = "default", ends_transaction: bool = False
) -> Iterator[None]:
    """Within the block, the database shows and accepts `shop`'s rows only (`user`: also that
    user's own memberships and their shops, as at sign-in). `shop=None`: no shop's rows.

    `ends_transaction`: the block ends with the transaction it is in (the request's), whose end
    takes the values away: they are set without reading the ones before or putting them back."""
    connection = connections[using]
    local = connection.in_atomic_block
    if local and ends_transaction:
        with _cursor(connection) as cursor:
            _write(cursor, shop=_id(shop), user=_id(user), role="none", local=True)
        yield
        return
    with _cursor(connection) as cursor:
        cursor.execute(_READ_AND_WRITE.format(local=_sql_bool(local)), [_id(shop), _id(user)])
        outer = cursor.fetchone()
    restore = functools.partial(_write, shop=outer[0] or "", user=outer[1] or "", role=outer[2])
    with _restoring(connection, local, restore):
        yield


def set_shop(shop, *, user=_KEEP, using: str = "default") -> None:
    """Set the shop (and the user, if given) for the rest of the open transaction: the request
    middleware's, once it knows the shop, or a public page's once its token has named one."""
    with _cursor(connections[using]) as cursor:
        if user is _KEEP:
            cursor.execute("SELECT set_config('benchdesk.shop', %s, true)", [_id(shop)])
        else:
            cursor.execute(
                "SELECT set_config('benchdesk.shop', %s, true), "
                "set_config('benchdesk.user', %s, true)",
                [_id(shop), _id(user)],
            )


@contextlib.contextmanager
def all_shops(*, using: str = "default") -> Iterator[None]:
    """Within the block, every shop's rows: sweeps, the data generator, superusers' reports and
    public pages finding their shop by a token. Say why at each use."""
    connection = connections[using]
    local = connection.in_atomic_block
    with _cursor(connection) as cursor:
        cursor.execute(_SEES_ALL)
        sees_all, outer_role = cursor.fetchone()
        if not sees_all:
            _set_role(cursor, role=ALL_SHOPS_ROLE, local=local)
    if sees_all:
        yield
        return
    restore = functools.partial(_set_role, role=outer_role)
    with _restoring(connection, local, restore):
        yield
