import json
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.contrib import auth, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse

import tenancy
from shops.models import Membership

SESSION_KEY = "shop_id"


class CurrentShopMiddleware:
    """Sets request.shop and request.member from the session, re-checked on every request, and
    runs the rest of the request in one transaction in which the database shows that shop's rows
    only (row-level security, tenancy/).

    A membership that was deactivated (or a shop the user was removed from) stops
    working on the next click, not at the next sign-in.

    The transaction is opened here rather than by ATOMIC_REQUESTS, which wraps only the view:
    the memberships are read before the view, and TemplateResponses render after it, and both
    must see the same shop. A streamed response (CSV exports) is read after this returns, so
    its rows are read in a transaction of their own with the same shop. Public pages (status
    page, webhooks, invitations) start with no shop, find theirs through `tenancy.all_shops()`
    and then `tenancy.set_shop()` it for the rest of the request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.shop = request.member = None
        request.memberships = []
        # The session names the user and, usually, the shop: set both before the first query,
        # so the sign-in's membership query and the page share one round trip of settings.
        session_user = request.session.get(auth.SESSION_KEY)
        session_shop = request.session.get(SESSION_KEY)
        # savepoint=False: inside a test's transaction, no savepoint statements either. Its own
        # transaction (not a test's) ends with the request: nothing to put back at the end.
        ends = not transaction.get_connection().in_atomic_block
        with (
            transaction.atomic(savepoint=False),
            tenancy.for_shop(session_shop, user=session_user, ends_transaction=ends),
        ):
            if request.user.is_authenticated:
                member = current_membership(request)
                if member is not None:
                    request.member, request.shop = member, member.shop
                if (request.shop.pk if request.shop else None) != session_shop:
                    tenancy.set_shop(request.shop, user=request.user)
            if request.path.startswith(ADMIN_PREFIX) and request.user.is_superuser:
                with tenancy.all_shops():  # the Django admin: superusers only, every shop
                    response = self.get_response(request)
            else:
                response = self.get_response(request)
        if response.streaming:
            user = request.user if request.user.is_authenticated else None
            response.streaming_content = _streamed_in_shop(
                response.streaming_content, request.shop, user
            )
        return response


ADMIN_PREFIX = "/admin/"


def _streamed_in_shop(content: Iterable[bytes], shop, user) -> Iterator[bytes]:
    with transaction.atomic(), tenancy.for_shop(shop, user=user):
        yield from content


def active_memberships(user):
    return (
        Membership.objects.all_shops()
        .filter(user=user, is_active=True)
        .select_related("shop", "user")
        .order_by("shop__name")
    )


def current_membership(request: HttpRequest) -> Membership | None:
    # All of them: people work in one shop or a few, and the menu lists them all. The sign-in
    # backend (shops.auth) has usually read them with the user, in the same query.
    loaded = getattr(request.user, "active_memberships", None)
    request.memberships = list(active_memberships(request.user)) if loaded is None else loaded
    shop_id = request.session.get(SESSION_KEY)
    member = next((m for m in request.memberships if m.shop_id == shop_id), None)
    if member is None and request.memberships:
        member = request.memberships[0]
        request.session[SESSION_KEY] = member.shop_id
    elif member is None:
        request.session.pop(SESSION_KEY, None)
    return member


class HtmxMessagesMiddleware:
    """HTMX responses carry Django messages in HX-Trigger, so they still appear as toasts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or 300 <= response.status_code < 400:
            return response
        if "HX-Redirect" in response.headers or "HX-Location" in response.headers:
            return response  # the next full page shows them
        stored = [
            {"level": message.level_tag, "text": str(message)}
            for message in messages.get_messages(request)
        ]
        if stored:
            triggers = _triggers(response.headers.get("HX-Trigger", ""))
            triggers["toasts"] = stored
            response.headers["HX-Trigger"] = json.dumps(triggers)
        return response


def _triggers(header: str) -> dict:
    """HX-Trigger may already hold JSON or a comma-separated list of event names."""
    if header.startswith("{"):
        return json.loads(header)
    return {name.strip(): None for name in header.split(",") if name.strip()}


class SecurityHeadersMiddleware:
    """Permissions-Policy on every answer; `Cache-Control: private, no-store` on every answer to
    someone signed in, so no shared cache keeps a shop's page and the browser's back button
    does not show it after signing out. Static files (served before this runs in production,
    and skipped here) and public pages keep their own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        ):
            response["Cache-Control"] = "private, no-store"
        return response
