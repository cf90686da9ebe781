"""Rate limits: fixed windows counted in Redis, one atomic round trip per request.

A limit is a name, a count and a window in seconds. `hit` counts one request by someone (a
client address, a hashed email address) and says how long they must wait when over the limit.
SET NX EX starts the window and INCR counts within it, in one MULTI/EXEC, so concurrent requests
on several workers never lose a count and a window always ends (Redis 6.2 has no EXPIRE NX).

Counts live in their own cache alias, "ratelimit" (Redis in every environment), apart from the
default cache: nothing else clears or evicts them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class Limit:
    name: str
    count: int  # allowed per window
    window: int  # seconds


# Customers' status page, its answers, documents and Pay button: a person clicks a few times a
# minute; guessing 132-bit tokens is pointless anyway.
STATUS_PAGE = Limit("status-page", count=60, window=60)
# Twilio and Stripe each call from a pool of addresses; a busy shop gets a few delivery reports
# a second at most. A signature is checked only after this, so floods cost little.
WEBHOOKS = Limit("webhooks", count=300, window=60)
# One email per address per five minutes: a second click sends nothing twice.
PASSWORD_RESET_EMAIL = Limit("password-reset-email", count=1, window=300)
INVITATION_EMAIL = Limit("invitation-email", count=1, window=300)


def client_address(request: HttpRequest) -> str:
    """The client's address. Behind RATELIMIT_PROXY_COUNT trusted proxies that each append to
    X-Forwarded-For, the entry that many places from the right (what the client sent before
    that is not to be trusted); with none, REMOTE_ADDR."""
    proxies = settings.RATELIMIT_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _who(value: str) -> str:
    # Email addresses are not kept in Redis as they are; the hash is as good a key.
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def hit(limit: Limit, who: str) -> int:
    """Count one request by `who`: 0 while within the limit, else the seconds to wait."""
    cache = caches["ratelimit"]
    key = cache.make_and_validate_key(f"{limit.name}:{_who(who)}")
    client = cache._cache.get_client(key, write=True)
    with client.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=limit.window, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
        _, count, ttl = pipe.execute()
    if count <= limit.count:
        return 0
    return max(int(ttl), 1)


def first_in_window(limit: Limit, who: str) -> bool:
    """Whether this is within `limit` for `who` (for emails: whether to send this one)."""
    return hit(limit, who) == 0


def too_many_requests(retry_after: int, body: str = "Too many requests. Try again later.\n"):
    response = HttpResponse(body, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response


def limited_by_address(limit: Limit) -> Callable:
    """A view decorator: over `limit` from one client address, 429 with Retry-After."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            wait = hit(limit, client_address(request))
            if wait:
                return too_many_requests(wait)
            return view(request, *args, **kwargs)

        return checked

    return decorate
