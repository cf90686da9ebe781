"""Customer messages past their shop's retention (Shop.message_retention_months), removed by
privacy's nightly sweep: sent messages in a final state (never one still queued or sending),
the providers' delivery reports about them (they repeat the number), and received SMS. One
statement per batch across every shop that set a period."""

from __future__ import annotations

from django.db import connection

from shops.retention import expired_rows

SENT_DOOMED = expired_rows(
    table="notifications_message",
    at="created_at",
    months="message_retention_months",
    where="AND r.state IN ('delivered', 'undelivered', 'failed', 'not_sent', 'sent') "
    "AND r.customer_id IS NOT NULL",
)
RECEIVED_DOOMED = expired_rows(
    table="notifications_inboundmessage", at="received_at", months="message_retention_months"
)

SENT_EXPIRED = f"""
WITH {SENT_DOOMED}, gone AS (
    DELETE FROM notifications_message m USING doomed WHERE m.id = doomed.id
    RETURNING m.provider_id
), reports AS (
    DELETE FROM notifications_deliveryreport r USING gone
    WHERE gone.provider_id <> '' AND r.provider_id = gone.provider_id
)
SELECT count(*) FROM gone
"""

RECEIVED_EXPIRED = f"""
WITH {RECEIVED_DOOMED}, gone AS (
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
