"""Works-order numbers: short, gap-free, never reused, per the shop's scheme.

The counter row is incremented with one upsert inside the works order's own transaction.
Postgres holds the row lock until commit, so concurrent bookings queue on it, and a booking
that rolls back takes its increment with it: no gaps, no duplicates.
"""

import datetime

from django.db import connection

from shops.models import Branch, NumberingScheme, Shop

_NEXT = """
INSERT INTO tickets_numbercounter (shop_id, series, last) VALUES (%s, %s, 1)
ON CONFLICT (shop_id, series) DO UPDATE SET last = tickets_numbercounter.last + 1
RETURNING last
"""


def _next_in_series(shop_id: int, series: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_NEXT, [shop_id, series])
        return cursor.fetchone()[0]


def next_number(*, shop: Shop, branch: Branch, on: datetime.date) -> str:
    """WO-004582, 2603-15-001 or BHM-2603-0042. Call inside the booking's transaction."""
    if shop.numbering == NumberingScheme.DATE_BASED:
        day = f"{on:%y%m-%d}"
        return f"{day}-{_next_in_series(shop.pk, day):03d}"
    if shop.numbering == NumberingScheme.BRANCH_PREFIXED:
        series = f"{branch.code}-{on:%y%m}"
        return f"{series}-{_next_in_series(shop.pk, series):04d}"
    return f"WO-{_next_in_series(shop.pk, 'WO'):06d}"
