"""Sign-in protection with django-axes: failed sign-ins are counted per account and per client
address, and either reaching its limit pauses sign-in for the cool-off.

Axes compares one count with one limit (AXES_FAILURE_LIMIT, here the account's). An address
gets a higher limit of its own, since a shop's counter and bench share one: `SignInLockouts`
reports the account limit as reached once the address's count reaches SIGNIN_ADDRESS_LIMIT.

A failure during a lockout is not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off),
so the time the page shows stays true. A successful sign-in, or a password set from an emailed
reset link, clears the account's failures (not the address's: one good account must not wipe
an address's record). Owners and managers lift a lockout of their shop's staff on the Staff
page (`account_unlock`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from shops.forms import SignInForm


def normalised(email: str | None) -> str:
    return (email or "").strip().lower()


def username_of(request: HttpRequest, credentials: dict | None) -> str:
    """The account a sign-in tries: its email as typed, in lower case (so 'Desk@…' and
    'desk@…' count as one account)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        return normalised(credentials.get(field))
    return normalised(request.POST.get(field))


def _cool_off_start() -> datetime.datetime:
    return timezone.now() - settings.AXES_COOLOFF_TIME


def _failures(**who) -> int:
    attempts = AccessAttempt.objects.filter(attempt_time__gte=_cool_off_start(), **who)
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class SignInLockouts(AxesDatabaseHandler):
    """Axes' database handler with a limit per account and a higher one per address."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        by_account = _failures(username=username_of(request, credentials))
        if _failures(ip_address=request.axes_ip_address) >= settings.SIGNIN_ADDRESS_LIMIT:
            return max(by_account, settings.AXES_FAILURE_LIMIT)
        return by_account

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        return account_unlock(username_of(request, credentials))


def _newest_first(attempts) -> list[tuple[datetime.datetime, int]]:
    return list(
        attempts.order_by("-attempt_time").values_list("attempt_time", "failures_since_start")
    )


def _ends(newest_first: list[tuple[datetime.datetime, int]], limit: int):
    """When a lockout by these (time, failures) ends, None if there is none: the newest
    attempts that alone reach the limit stop counting one cool-off after the oldest of them."""
    total = 0
    for at, failures in newest_first:
        total += failures
        if total >= limit:
            return at + settings.AXES_COOLOFF_TIME
    return None


@dataclass(frozen=True)
class Lockout:
    by_account: bool  # else by address
    until: datetime.datetime


def lockout_of(email: str, address: str) -> Lockout | None:
    recent = AccessAttempt.objects.filter(attempt_time__gte=_cool_off_start())
    by_account = _newest_first(recent.filter(username=normalised(email)))
    if until := _ends(by_account, settings.AXES_FAILURE_LIMIT):
        return Lockout(by_account=True, until=until)
    by_address = _newest_first(recent.filter(ip_address=address))
    if until := _ends(by_address, settings.SIGNIN_ADDRESS_LIMIT):
        return Lockout(by_account=False, until=until)
    return None


def locked_accounts(emails: list[str]) -> dict[str, datetime.datetime]:
    """Of these accounts, those locked out now, with when their lockout ends (one query)."""
    recent = AccessAttempt.objects.filter(
        attempt_time__gte=_cool_off_start(), username__in=[normalised(e) for e in emails]
    )
    by_account: dict[str, list[tuple[datetime.datetime, int]]] = {}
    for username, at, failures in recent.order_by("-attempt_time").values_list(
        "username", "attempt_time", "failures_since_start"
    ):
        by_account.setdefault(username, []).append((at, failures))
    ends = {name: _ends(rows, settings.AXES_FAILURE_LIMIT) for name, rows in by_account.items()}
    return {name: until for name, until in ends.items() if until is not None}


def account_unlock(email: str) -> int:
    """Forget the account's failed sign-ins (from every address); returns how many records."""
    deleted, _ = AccessAttempt.objects.filter(username=normalised(email)).delete()
    return deleted


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The sign-in page again, saying why it refuses, until when, and who can help sooner
    (AXES_LOCKOUT_CALLABLE)."""
    email = username_of(request, credentials)
    lockout = lockout_of(email, request.axes_ip_address) or Lockout(
        by_account=True, until=timezone.now() + settings.AXES_COOLOFF_TIME
    )
    form = SignInForm(request, initial={"username": email})
    context = {
        "form": form,
        "lockout": lockout,
        "minutes_left": max(1, -(-int((lockout.until - timezone.now()).total_seconds()) // 60)),
        "account_limit": settings.AXES_FAILURE_LIMIT,
        "next": request.POST.get("next", ""),
    }
    response = render(request, "registration/sign_in.html", context, status=429)
    response["Retry-After"] = str(max(1, int((lockout.until - timezone.now()).total_seconds())))
    return response
