"""API keys: how they look, how they are kept, and the one place a request's shop is found.

A key is `bdk_<prefix>_<secret>`: the prefix (10 characters) finds the row, and only the
SHA-256 of the secret (32 random bytes) is stored, compared in constant time. The secret has
256 bits of its own, so a fast hash is enough: there is nothing to guess a password-style hash
would slow down.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone

import tenancy
from api.models import ApiKey
from shops.models import MANAGERS

PREFIX_LENGTH = 10
# last_used_at is written at most this often per key: not one UPDATE per request.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class NewKey:
    prefix: str
    secret: str

    @property
    def full(self) -> str:
        return f"bdk_{self.prefix}_{self.secret}"


def generate() -> NewKey:
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"  # no look-alikes when read aloud
    prefix = "".join(secrets.choice(alphabet) for _ in range(PREFIX_LENGTH))
    return NewKey(prefix=prefix, secret=secrets.token_urlsafe(32))


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _parse(authorization: str) -> tuple[str, str] | None:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or "\x00" in token:
        return None
    token = token.strip()
    head, prefix, secret = token[:4], token[4 : 4 + PREFIX_LENGTH], token[5 + PREFIX_LENGTH :]
    if head != "bdk_" or token[4 + PREFIX_LENGTH : 5 + PREFIX_LENGTH] != "_" or not secret:
        return None
    return prefix, secret


def key_for_request(request: HttpRequest) -> ApiKey | None:
    """THE place an API request's shop is decided: the key in `Authorization: Bearer …`, if it
    is known, matches, is not revoked, and the manager who made it still manages the shop.
    Sets request.api_key, request.shop and request.member (the key acts with its maker's
    membership: the services record that member, the timeline and audit name the key).

    Row-level security sets its shop setting here, from `key.shop_id`: everything after this
    runs inside that one shop."""
    request.api_key = None
    parsed = _parse(request.headers.get("Authorization", ""))
    if parsed is None:
        return None
    prefix, secret = parsed
    # Across shops on purpose (the named cross-shop path of row-level security): the prefix is
    # what names the shop. Nothing else is read so.
    with tenancy.all_shops():
        key = (
            ApiKey.objects.all_shops()
            .select_related("shop", "created_by__user", "created_by__shop")
            .filter(prefix=prefix)
            .first()
        )
    if key is None or not hmac.compare_digest(key.secret_hash, secret_hash(secret)):
        return None
    maker = key.created_by
    if key.revoked_at is not None or not maker.is_active or maker.role not in MANAGERS:
        return None
    tenancy.set_shop(key.shop_id, user=maker.user_id)  # the rest of the request: its shop only
    request.api_key, request.shop, request.member = key, key.shop, maker
    _touch(key)
    return key


def _touch(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
        ApiKey.objects.for_shop(key.shop_id).filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def actor_name(key: ApiKey) -> str:
    """How the timeline and the audit trail name what a key did."""
    return f"API key ‘{key.name}’"
