"""Customer messages past their shop's retention (Shop.message_retention_months), removed by
privacy's nightly sweep: sent messages in a final state (never one still queued or sending),
the providers' delivery reports about them (they repeat the number), and received SMS. One
statement per batch across every shop that set a period."""

from __future__ import annotations

from django.db import connection

SENT_EXPIRED = """
WITH doomed AS (
    SELECT m.id
    FROM shops_shop s
    CROSS JOIN LATERAL (
        SELECT id FROM notifications_message m
        WHERE m.shop_id = s.id
          AND m.created_at < %(now)s - make_interval(months => s.message_retention_months)
          AND m.state IN ('delivered', 'undelivered', 'failed', 'not_sent', 'sent')
          AND m.customer_id IS NOT NULL
        ORDER BY m.created_at
        LIMIT %(batch)s
    ) m
    WHERE s.message_retention_months IS NOT NULL
    LIMIT %(batch)s
), gone AS (
    DELETE FROM notifications_message m USING doomed WHERE m.id = doomed.id
    RETURNING m.provider_id
), reports AS (
    DELETE FROM notifications_deliveryreport r USING gone
    WHERE gone.provider_id <> '' AND r.provider_id = gone.provider_id
)
SELECT count(*) FROM gone
"""

RECEIVED_EXPIRED = """
WITH doomed AS (
    SELECT m.id
    FROM shops_shop s
    CROSS JOIN LATERAL (
        SELECT id FROM notifications_inboundmessage m
        WHERE m.shop_id = s.id
          AND m.received_at < %(now)s - make_interval(months => s.message_retention_months)
        ORDER BY m.received_at
        LIMIT %(batch)s
    ) m
    WHERE s.message_retention_months IS NOT NULL
    LIMIT %(batch)s
), gone AS (
    DELETE FROM notifications_inboundmessage m USING doomed WHERE m.id = doomed.id RETURNING 1
)
SELECT count(*) FROM gone
"""


def messages_expire(*, now, batch: int) -> int:
    """Delete up to `batch` expired sent and `batch` received messages; how many went."""
    with connection.cursor() as cursor:
        cursor.execute(SENT_EXPIRED, {"now": now, "batch": batch})
        (sent,) = cursor.fetchone()
        cursor.execute(RECEIVED_EXPIRED, {"now": now, "batch": batch})
        (received,) = cursor.fetchone()
    return sent + received
