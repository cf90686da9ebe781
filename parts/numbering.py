"""Purchase-order and stock-take numbers: gap-free and never reused, per shop.

The same approach as tickets/numbering.py: one upsert on the series' counter row inside the
document's own transaction. Postgres holds that row's lock until commit, so concurrent writers
queue on it, and a transaction that rolls back takes its increment with it.
"""

from django.db import connection

from shops.models import Shop

_NEXT = """
INSERT INTO parts_documentcounter (shop_id, series, last) VALUES (%s, %s, 1)
ON CONFLICT (shop_id, series) DO UPDATE SET last = parts_documentcounter.last + 1
RETURNING last
"""


def _next_in_series(shop: Shop, series: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_NEXT, [shop.pk, series])
        return cursor.fetchone()[0]


def next_purchase_order_number(shop: Shop) -> str:
    """PO-000123. Call inside the order's transaction."""
    return f"PO-{_next_in_series(shop, 'PO'):06d}"


def next_stock_take_number(shop: Shop) -> int:
    """1, 2, 3…: shown as "stock take #3". Call inside the stock take's transaction."""
    return _next_in_series(shop, "ST")
