"""Views load works orders only through these: scoped to the current shop, 404 otherwise."""

from django.shortcuts import get_object_or_404

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
