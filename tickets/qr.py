"""Links printed on paper, and their QR codes (segno, drawn as SVG so they print sharp)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import segno
from django.conf import settings
from django.urls import reverse

if TYPE_CHECKING:
    from django.http import HttpRequest

    from tickets.models import WorksOrder

# The customer's status page (built by the notifications issue) answers at /s/<status_token>/.
STATUS_PATH = "/s/{token}/"


def absolute_url(request: HttpRequest, path: str) -> str:
    """`path` on the public address when PUBLIC_BASE_URL is set, else on the request's host."""
    base = getattr(settings, "PUBLIC_BASE_URL", "")
    if base:
        return base.rstrip("/") + path
    return request.build_absolute_uri(path)


def status_url(request: HttpRequest, works_order: WorksOrder) -> str:
    """The customer's unguessable status link, as printed on the receipt and sent by SMS."""
    return absolute_url(request, STATUS_PATH.format(token=works_order.status_token))


def status_link(works_order: WorksOrder) -> str:
    """The status link for messages, which have no request: on PUBLIC_BASE_URL."""
    path = STATUS_PATH.format(token=works_order.status_token)
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def staff_url(request: HttpRequest, works_order: WorksOrder) -> str:
    """The works order's page for staff (signed in); what the device tag's QR opens at the bench."""
    return absolute_url(request, reverse("works_order_detail", args=[works_order.number]))


def without_scheme(url: str) -> str:
    """What a person types: `shop.example/s/…/` rather than `https://shop.example/s/…/`."""
    return url.split("://", 1)[-1]


def qr_svg_data_uri(text: str, *, border: int = 4) -> str:
    """A QR code of `text` as an SVG data: URI, for an <img> in a PDF or a page.

    Error level M survives a scuffed label. Scanners expect a 4-module quiet zone; a label
    whose own white edge provides it can ask for less and get bigger modules.
    """
    qr = segno.make(text, error="m", micro=False)
    return qr.svg_data_uri(border=border, dark="#000", omitsize=True)  # sized by CSS
