"""Shared fixtures: a shop with two branches and one person of each role, plus an outsider."""

import os
from dataclasses import dataclass

import pytest
from django.core.cache import caches
from django.db import connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.test import Client
from hypothesis import settings as hypothesis_settings

from shops.middleware import SESSION_KEY
from shops.models import Branch, Membership, Role, Shop
from tenancy.db import log_in_as
from tenancy.rls import ALL_SHOPS_ROLE, APP_ROLE
from tests.factories import BranchFactory, MembershipFactory, ShopFactory

# Property-based tests: the same examples on every run (CI's and yours) unless asked to explore:
# HYPOTHESIS_PROFILE=explore draws fresh random examples, ten times as many.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, deadline=None)
hypothesis_settings.register_profile("explore", max_examples=1000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded photos go to a folder of the test's own, never into the dev data."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def rate_limits_reset():
    """Each test starts with no requests counted against any rate limit."""
    caches["ratelimit"].clear()


@dataclass
class Personas:
    shop: Shop
    branch: Branch
    other_branch: Branch
    owner: Membership
    manager: Membership
    front_desk: Membership
    technician: Membership
    second_technician: Membership
    outsider: Membership  # works in another shop


@pytest.fixture
def personas(db) -> Personas:
    shop = ShopFactory(name="Fix Corner Repairs", slug="fix-corner")
    branch = BranchFactory(shop=shop, code="BHM", name="Birmingham")
    other = BranchFactory(shop=shop, code="COV", name="Coventry")
    both = [branch, other]

    def member(role: Role, name: str, email: str, branches=both) -> Membership:
        return MembershipFactory(
            shop=shop, role=role, branches=branches, user__full_name=name, user__email=email
        )

    elsewhere = ShopFactory(name="Gadget Hospital", slug="gadget-hospital")
    return Personas(
        shop=shop,
        branch=branch,
        other_branch=other,
        owner=member(Role.OWNER, "Priya Shah", "owner@example.com"),
        manager=member(Role.MANAGER, "Tom Fletcher", "manager@example.com"),
        front_desk=member(Role.FRONT_DESK, "Amira Haddad", "desk@example.com", [branch]),
        technician=member(Role.TECHNICIAN, "Jack Morgan", "jack@example.com", [branch]),
        second_technician=member(Role.TECHNICIAN, "Sofia Kowalski", "sofia@example.com"),
        outsider=MembershipFactory(
            shop=elsewhere,
            role=Role.OWNER,
            branches=[BranchFactory(shop=elsewhere, code="GHX")],
            user__full_name="Olly Outsider",
            user__email="olly@example.com",
        ),
    )


def sign_in(client: Client, member: Membership) -> Client:
    client.force_login(member.user)
    session = client.session
    session[SESSION_KEY] = member.shop_id
    session.save()
    return client


@pytest.fixture
def client_as(client):
    """client_as(member) → a test client signed in as that member, in that member's shop."""
    return lambda member: sign_in(client, member)


# Browser tests ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": CHROMIUM_FLAGS,
    }


@pytest.fixture
def signed_in_page(page, live_server, client):
    """signed_in_page(member) → a Playwright page carrying that member's session cookie."""

    def open_as(member: Membership):
        sign_in(client, member)
        cookie = client.cookies["sessionid"]
        page.context.add_cookies(
            [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
        )
        return page

    return open_as


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # British staff see 24-hour times and day-first dates, as the shop's browsers would show them.
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London"}


# --- Row-level security (tenancy/) ------------------------------------------------------------
# The test database is created and migrated by the owner of its tables, as in production; then
# the suite logs in as benchdesk_app (when DATABASE_APP_USER is set, as `make test` does).
# Requests run as benchdesk_app with the middleware's shop, Celery tasks with the shop they
# name (tenancy.celery), and tests' own code — factories, assertions that look across shops —
# on the named cross-shop role, set for each new connection below. tests/tenancy checks the
# policies themselves as benchdesk_app, without the cross-shop role.


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    log_in_as("owner")
    yield
    log_in_as("owner")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Test scenes back-date sealed history with session_replication_role (tests/reports/
    # scenes.py): the tests' cross-shop role may, for this run only; production's may not.
    grant = f"SET ON PARAMETER session_replication_role TO {ALL_SHOPS_ROLE}"
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"GRANT {grant}")
    log_in_as("app")
    yield
    log_in_as("owner")
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"REVOKE {grant.replace(' TO ', ' FROM ')}")


@pytest.fixture(autouse=True)
def owner_login(request):
    """@pytest.mark.owner_login: the whole test logs in as the owner (migration tests)."""
    if request.node.get_closest_marker("owner_login") is None:
        yield
        return
    log_in_as("owner")
    yield
    log_in_as("app")


@receiver(connection_created)
def _tests_see_every_shop(sender, connection, **kwargs):
    if connection.settings_dict["USER"] == APP_ROLE:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {ALL_SHOPS_ROLE}")
