"""The two ways a transaction gets at tenant rows under row-level security.

    with tenancy.for_shop(shop):        # one shop's rows (a task, a command, a request)
        ...
    with tenancy.all_shops():           # every shop's rows: the named cross-shop path
        ...

Both open a transaction (or a savepoint inside one) and set things with `SET LOCAL` semantics, so
nothing outlives the transaction and a pooled connection never carries a shop to the next user.
Both restore what an enclosing block had set when they end (on an error, the rollback of their
transaction or savepoint does). Both work as decorators.

`all_shops()` switches to the BYPASSRLS role only when the connection's role does not already
see every row (the owner or a superuser, as before the app connected as benchdesk_app).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from django.db import connections, transaction

from tenancy.rls import ALL_SHOPS_ROLE

if TYPE_CHECKING:
    from collections.abc import Iterator

_SET = (
    "SELECT current_setting('benchdesk.shop', true), current_setting('benchdesk.user', true), "
    "set_config('benchdesk.shop', %s, true), set_config('benchdesk.user', %s, true)"
)
_RESTORE = "SELECT set_config('benchdesk.shop', %s, true), set_config('benchdesk.user', %s, true)"
# Whether the role in use already sees every shop's rows; if not, switch for this transaction.
_SEES_ALL = (
    "SELECT r.rolsuper OR r.rolbypassrls, current_setting('role') FROM pg_roles r "
    "WHERE r.rolname = current_user"
)


def _id(value) -> str:
    if value is None:
        return ""
    return str(getattr(value, "pk", value))


@contextlib.contextmanager
def for_shop(shop, *, user=None, using: str = "default") -> Iterator[None]:
    """Within the block, the database shows and accepts `shop`'s rows only (`user`: also that
    user's own memberships and their shops, as at sign-in)."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(_SET, [_id(shop), _id(user)])
        outer_shop, outer_user, _, _ = cursor.fetchone()
        yield
        # Only on the way out without an error: on an error the atomic block rolls back (to its
        # savepoint), which takes the setting back with it.
        cursor.execute(_RESTORE, [outer_shop or "", outer_user or ""])


def set_shop(shop, *, user=None, using: str = "default") -> None:
    """Set the shop for the rest of the open transaction (the request middleware's call)."""
    with connections[using].cursor() as cursor:
        cursor.execute(_RESTORE, [_id(shop), _id(user)])


@contextlib.contextmanager
def all_shops(*, using: str = "default") -> Iterator[None]:
    """Within the block, every shop's rows: sweeps, the data generator, superusers' reports and
    public pages finding their shop by a token. Say why at each use."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(_SEES_ALL)
        sees_all, outer_role = cursor.fetchone()
        if not sees_all:
            cursor.execute(f"SET LOCAL ROLE {ALL_SHOPS_ROLE}")
        yield
        if not sees_all:
            cursor.execute("SELECT set_config('role', %s, true)", [outer_role])
