"""Photos past their shop's retention (Shop.photo_retention_months), removed by privacy's nightly
sweep: one statement per batch across every shop that set a period, giving the bytes back to
each shop's storage count; the files go once the batch commits."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import connection, transaction

from shops.retention import expired_rows

DOOMED = expired_rows(table="tickets_photo", at="uploaded_at", months="photo_retention_months")
PHOTOS_EXPIRED = f"""
WITH {DOOMED}, gone AS (
    DELETE FROM tickets_photo p USING doomed WHERE p.id = doomed.id
    RETURNING p.shop_id, p.image, p.size
), released AS (
    UPDATE shops_photostorage st
    SET used_bytes = GREATEST(st.used_bytes - g.size, 0),
        photo_count = GREATEST(st.photo_count - g.photos, 0)
    FROM (SELECT shop_id, sum(size)::bigint AS size, count(*)::int AS photos
          FROM gone GROUP BY shop_id) g
    WHERE st.shop_id = g.shop_id
)
SELECT image FROM gone
"""


def photos_expire(*, now, batch: int) -> int:
    """Delete up to `batch` expired photos; how many went. Running it again finds the rest."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PHOTOS_EXPIRED, {"now": now, "batch": batch})
        files = [name for (name,) in cursor.fetchall() if name]
        transaction.on_commit(lambda: _delete_files(files), robust=True)
    return len(files)


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
