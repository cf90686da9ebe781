"""Views load works orders only through these: scoped to the current shop, 404 otherwise."""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from parts.models import WorksOrderPart
from shops.access import ShopRequest
from shops.prepared import Prepared
from tickets.models import Photo, WorksOrder


def _works_order(shop_id: int, number: str) -> QuerySet:
    return (
        WorksOrder.objects.for_shop(shop_id)
        .filter(number=number)
        .select_related("branch", "customer", "device", "assigned_to__user", "created_by__user")
    )


# Every action on a job loads it first (card moves, notes, parts, panels): put together once.
WORKS_ORDER = Prepared(_works_order, shop_id=int, number=str)


def get_works_order(request: ShopRequest, number: str) -> WorksOrder:
    found = WORKS_ORDER.fetch(shop_id=request.shop.pk, number=number)
    if not found:
        raise Http404("No such works order.")
    return found[0]


def get_photo(request: ShopRequest, works_order: WorksOrder, photo_id: int) -> Photo:
    return get_object_or_404(works_order.photos.all(), pk=photo_id)


def get_part_line(request: ShopRequest, works_order: WorksOrder, line_id: int) -> WorksOrderPart:
    """A part on this works order's list (another job's, or another shop's, is a 404)."""
    lines = WorksOrderPart.objects.for_shop(request.shop).select_related("part")
    return get_object_or_404(lines, works_order=works_order, pk=line_id)
