"""The only way views load shop objects: scoped to request.shop, 404 for anything else."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect

from shops.models import Branch, Invitation, Membership, Role, Shop

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from django.http import HttpResponse


class ShopRequest(HttpRequest):
    """A request from a signed-in member of the current shop (set by CurrentShopMiddleware)."""

    shop: Shop
    member: Membership


# Roles as a refusal names them, from the counter up.
_ROLE_PLURALS = {
    Role.TECHNICIAN: "technicians",
    Role.FRONT_DESK: "front desk staff",
    Role.MANAGER: "managers",
    Role.OWNER: "owners",
}


def who_may(roles: Iterable[Role]) -> str:
    """'managers and owners': the roles named as people, in the order of the shop floor."""
    names = [plural for role, plural in _ROLE_PLURALS.items() if role in roles]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def shop_member_required(*roles: Role, to: str = "") -> Callable:
    """Signed in, a member of the current shop, and (if roles are named) holding one of them.

    Anyone else gets 403 with a message the 403 page shows: who may, and what (`to`, e.g.
    "change shop settings"; without it, "open this page" or "do this").
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: ShopRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(request, "member", None) is None:
                return redirect("no_shop")
            if roles and request.member.role not in roles:
                doing = to or ("open this page" if request.method in ("GET", "HEAD") else "do this")
                raise PermissionDenied(f"Only {who_may(roles)} can {doing}.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def get_branch(request: ShopRequest, code: str) -> Branch:
    return get_object_or_404(Branch.objects.for_shop(request.shop), code=code)


def get_member(request: ShopRequest, member_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.for_shop(request.shop).select_related("user"), pk=member_id
    )


def get_invitation(request: ShopRequest, invitation_id: int) -> Invitation:
    return get_object_or_404(Invitation.objects.for_shop(request.shop), pk=invitation_id)
