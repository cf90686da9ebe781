"""Error pages that keep the app around the person: the 403 page says who may, and offers a way
back (Django's own handler would show the bare message, with no navigation)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

REFUSED = "Your role in this shop does not allow this."


def _back_url(request: HttpRequest) -> str:
    """The page the person came from, if it is one of ours and not this one."""
    referer = request.META.get("HTTP_REFERER", "")
    ours = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if ours and referer != request.build_absolute_uri() else ""


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: what was refused and who may do it (the PermissionDenied message)."""
    context = {"refusal": str(exception or "") or REFUSED, "back_url": _back_url(request)}
    return render(request, "403.html", context, status=403)
