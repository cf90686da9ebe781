"""The two logins to the one database: the owner (migrations) and the app (everything else).

`DATABASE_URL` names the owner of the tables. With `DATABASE_APP_USER` set, the `default`
connection logs in as that role instead (benchdesk_app: no bypass of row-level security, owns
nothing), and keeps the owner's credentials in its OWNER entry for `as_owner()`, which
`migrate` and `flush` use (tenancy/management/commands) and the test suite's database setup.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connections

if TYPE_CHECKING:
    from collections.abc import Iterator


def app_login(alias: str = "default") -> bool:
    """Whether `alias` is set up to log in as the app role (rather than as the owner)."""
    return bool(connections[alias].settings_dict.get("OWNER"))


def log_in_as(who: str, alias: str = "default") -> None:
    """Make `alias`'s next connection log in as "owner" or "app" (closing the current one)."""
    settings_dict = connections[alias].settings_dict
    owner = settings_dict.get("OWNER")
    if not owner:
        return
    login = (
        owner
        if who == "owner"
        else {"USER": settings.DATABASE_APP_USER, "PASSWORD": settings.DATABASE_APP_PASSWORD}
    )
    if settings_dict["USER"] != login["USER"]:
        connections[alias].close()
        settings_dict.update(login)


@contextlib.contextmanager
def as_owner(alias: str = "default") -> Iterator[None]:
    """Within the block, `alias` logs in as the tables' owner."""
    was_owner = connections[alias].settings_dict["USER"] == (
        connections[alias].settings_dict.get("OWNER") or {}
    ).get("USER")
    log_in_as("owner", alias)
    try:
        yield
    finally:
        if not was_owner:
            log_in_as("app", alias)
