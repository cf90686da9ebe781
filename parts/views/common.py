"""What every stock page shares: who may change stock, the branch being looked at, errors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed

from shops.access import ShopRequest
from shops.models import COUNTER, MANAGERS, Branch

# Everyone reads stock. Managers change the catalogue, suppliers, orders and figures; the counter
# also takes deliveries in; anyone may count shelves in a stock take.
RECEIVERS = COUNTER
EDITORS = MANAGERS


def can_edit(request: ShopRequest) -> bool:
    return request.member.role in EDITORS


def can_receive(request: ShopRequest) -> bool:
    return request.member.role in RECEIVERS


def wants_fragment(request: ShopRequest) -> bool:
    # A history restore (back button after a cache miss) needs the whole page, not the fragment.
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def chosen_branch(request: ShopRequest, code: str | None = None) -> Branch | None:
    """The branch in ?branch=, else the first one the member works at, else the first open one."""
    branches = Branch.objects.for_shop(request.shop).filter(is_active=True).order_by("name")
    code = code if code is not None else request.GET.get("branch", "")
    return (
        (branches.filter(code=code.upper()).first() if code else None)
        or request.member.branches.filter(is_active=True).order_by("name").first()
        or branches.first()
    )


def refusal_text(problem: ValidationError) -> str:
    return " ".join(problem.messages)


def say_refused(request: ShopRequest, problem: ValidationError) -> None:
    messages.error(request, refusal_text(problem))


def not_get(request: ShopRequest) -> HttpResponseNotAllowed | None:
    """For a page with an object in its path: load the object first (so another shop's is a
    404 whatever the method), then refuse anything but GET."""
    return None if request.method == "GET" else HttpResponseNotAllowed(["GET"])
