"""The purchase order as a PDF: what the supplier receives, on A4."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest

from config.pdf import render_pdf
from parts.models import PurchaseOrder, PurchaseOrderLine
from shops.money import format_money


def purchase_order_context(order: PurchaseOrder) -> dict:
    shop = order.shop
    lines = list(
        PurchaseOrderLine.objects.for_shop(shop).filter(order=order).select_related("part")
    )
    total = sum((line.total for line in lines), Decimal("0.00"))
    return {
        "shop": shop,
        "order": order,
        "supplier": order.supplier,
        "branch": order.branch,
        "lines": [
            {
                "sku": line.supplier_sku,
                "part_number": line.part.part_number,
                "name": line.part.name,
                "quantity": line.quantity,
                "unit_cost": format_money(line.unit_cost, shop.currency),
                "total": format_money(line.total, shop.currency),
            }
            for line in lines
        ],
        "units": sum(line.quantity for line in lines),
        "numbered": any(line.part.tracks_serials for line in lines),
        "total": format_money(total, shop.currency),
        "contact": order.created_by,
    }


def purchase_order_pdf(order: PurchaseOrder, *, request: HttpRequest | None = None) -> bytes:
    return render_pdf(
        "parts/printouts/purchase_order.html", purchase_order_context(order), request=request
    )


def purchase_order_filename(order: PurchaseOrder) -> str:
    return f"{order.number}-{order.supplier.name}.pdf".replace(" ", "-")
