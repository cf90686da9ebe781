"""Views load parts, suppliers, orders and stock takes only through these: scoped to the
current shop, 404 for anything else."""

from django.shortcuts import get_object_or_404

from parts.models import (
    Part,
    PurchaseOrder,
    PurchaseOrderLine,
    StockTake,
    Supplier,
    SupplierPart,
)
from shops.access import ShopRequest


def get_part(request: ShopRequest, part_id: int) -> Part:
    return get_object_or_404(Part.objects.for_shop(request.shop), pk=part_id)


def get_supplier(request: ShopRequest, supplier_id: int) -> Supplier:
    return get_object_or_404(Supplier.objects.for_shop(request.shop), pk=supplier_id)


def get_supplier_part(request: ShopRequest, part: Part, supplier_part_id: int) -> SupplierPart:
    return get_object_or_404(part.supplier_refs.all(), pk=supplier_part_id)


def get_purchase_order(request: ShopRequest, po_number: str) -> PurchaseOrder:
    orders = PurchaseOrder.objects.for_shop(request.shop).select_related(
        "supplier", "branch", "created_by__user"
    )
    return get_object_or_404(orders, number=po_number.upper())


def get_po_line(order: PurchaseOrder, line_id: int) -> PurchaseOrderLine:
    return get_object_or_404(order.lines.select_related("part"), pk=line_id)


def get_stock_take(request: ShopRequest, take_number: int) -> StockTake:
    takes = StockTake.objects.for_shop(request.shop).select_related("branch", "started_by__user")
    return get_object_or_404(takes, number=take_number)
