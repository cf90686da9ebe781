"""Views load works orders only through these: scoped to the current shop, 404 otherwise."""

from django.shortcuts import get_object_or_404

from parts.models import WorksOrderPart
from shops.access import ShopRequest
from tickets.models import Photo, WorksOrder


def get_works_order(request: ShopRequest, number: str, *, for_update: bool = False) -> WorksOrder:
    works_orders = WorksOrder.objects.for_shop(request.shop).select_related(
        "branch", "customer", "device", "assigned_to__user", "created_by__user"
    )
    if for_update:
        works_orders = works_orders.select_for_update(of=("self",))
    return get_object_or_404(works_orders, number=number)


def get_photo(request: ShopRequest, works_order: WorksOrder, photo_id: int) -> Photo:
    return get_object_or_404(works_order.photos.all(), pk=photo_id)


def get_part_line(request: ShopRequest, works_order: WorksOrder, line_id: int) -> WorksOrderPart:
    """A part on this works order's list (another job's, or another shop's, is a 404)."""
    lines = WorksOrderPart.objects.for_shop(request.shop).select_related("part")
    return get_object_or_404(lines, works_order=works_order, pk=line_id)
