"""Warranty comebacks for the scale data (tickets/scale.py generates the works orders).

Set-based, in one transaction: about 3 % of the jobs collected at least three weeks ago (chosen
by their id, so every run and machine picks the same) come back under warranty 3 to 17 days
after collection, as tickets.services.warranty_return_book_in books them: a new works order of
the same customer and device, numbered in the shop's scheme on from its counters (gap-free,
counters left at the last number), priority warranty, linked to the original, one zero line
"No charge: warranty return of …", consent to that, repaired by the original's technician and
collected the next day, with the timelines of both saying so. The original is not changed. A
job that already came back is left alone, so running it again adds nothing.

The status link's token hash is worked out in SQL as tickets.models.status_token_for does it
(Django's salted HMAC-SHA256: the key's inner and outer pads are computed once here, then each
row is two SHA-256s), so the generated jobs' status pages open.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import connection, transaction

from tickets.models import STATUS_TOKEN_LENGTH, STATUS_TOKEN_SALT

SHARE_PER_MILLE = 30
MIN_AGE_DAYS = 21

_PLAN = """
CREATE TEMP TABLE comeback_plan ON COMMIT DROP AS
WITH chosen AS (
    SELECT w.*, s.numbering, s.vat_rate AS shop_rate, s.sla_risk_percent,
           s.terms_version, b.code AS branch_code, b.timezone AS tz,
           w.collected_at + make_interval(days => 3 + mod(w.id, 15)::int, hours => 2)
               AS back_at
    FROM tickets_worksorder w
    JOIN shops_shop s ON s.id = w.shop_id
    JOIN shops_branch b ON b.id = w.branch_id
    WHERE w.status = 'collected' AND w.warranty_return_of_id IS NULL
      AND w.collected_at < now() - make_interval(days => %(min_age)s)
      AND mod(w.id * 2654435761, 1000) < %(share)s
      AND (%(shop)s::bigint IS NULL OR w.shop_id = %(shop)s::bigint)
      AND NOT EXISTS (SELECT 1 FROM tickets_worksorder r
                      WHERE r.shop_id = w.shop_id AND r.warranty_return_of_id = w.id)
), series AS (
    SELECT c.*,
           CASE c.numbering
               WHEN 'date' THEN to_char(c.back_at AT TIME ZONE c.tz, 'YYMM-DD')
               WHEN 'branch'
                   THEN c.branch_code || '-' || to_char(c.back_at AT TIME ZONE c.tz, 'YYMM')
               ELSE 'WO' END AS series
    FROM chosen c
), numbered AS (
    SELECT s.*, COALESCE(k.last, 0) + row_number() OVER (
               PARTITION BY s.shop_id, s.series ORDER BY s.back_at, s.id) AS n
    FROM series s
    LEFT JOIN tickets_numbercounter k ON k.shop_id = s.shop_id AND k.series = s.series
)
SELECT n.*,
       CASE n.numbering
           WHEN 'date' THEN n.series || '-' || lpad(n.n::text, greatest(3, length(n.n::text)), '0')
           WHEN 'branch'
               THEN n.series || '-' || lpad(n.n::text, greatest(4, length(n.n::text)), '0')
           ELSE 'WO-' || lpad(n.n::text, greatest(6, length(n.n::text)), '0') END AS new_number
FROM numbered n
"""

_WORKS_ORDERS = """
INSERT INTO tickets_worksorder (
    shop_id, number, status_token_hash, status_link_version, branch_id, customer_id, device_id,
    status, priority, assigned_to_id, condition, condition_notes, accessories, accessories_other,
    passcode_kind, fault_reported, diagnosis, diagnostic_codes, scope_agreed, scope_excluded,
    estimated_completion, estimated_minutes, agreed_gross, final_price, repaired_by_id,
    qc_results, qc_signed_by_id, qc_failures, collected_by_name, created_by_id, created_at,
    assigned_at, started_at, ready_at, collected_at, cancel_reason, repair_type_id,
    sla_due_at, sla_risk_at, sla_paused_at, sla_paused_seconds, warranty_return_of_id,
    status_since)
SELECT p.shop_id, p.new_number,
       encode(sha256(convert_to(left(translate(encode(sha256(%(outer)s::bytea || sha256(
           %(inner)s::bytea || convert_to(p.shop_id || ':' || p.new_number || ':1', 'UTF8')
       )), 'base64'), '+/', '-_'), %(token_length)s), 'UTF8')), 'hex'),
       1, p.branch_id, p.customer_id, p.device_id, 'collected', 'warranty', p.assigned_to_id,
       '{}', '', '{}', '', 'none', 'Came back after the repair: ' || p.fault_reported,
       'Checked under warranty', '', '', '', p.back_at + interval '3 days', p.estimated_minutes,
       0, 0, p.repaired_by_id, '{}', p.qc_signed_by_id, 0, p.collected_by_name,
       p.created_by_id, p.back_at, p.back_at + interval '10 minutes',
       p.back_at + interval '1 hour', p.back_at + interval '20 hours',
       p.back_at + interval '1 day', '', NULL,
       p.back_at + interval '3 days',
       p.back_at + make_interval(secs => 3 * 86400 * p.sla_risk_percent / 100.0),
       p.back_at + interval '20 hours', 0, p.id, p.back_at + interval '1 day'
FROM comeback_plan p
"""

# The new jobs, by original: each original came back once in this run.
_NEW = """
CREATE TEMP TABLE comeback_new ON COMMIT DROP AS
SELECT r.id, r.shop_id, r.number, r.created_at, r.ready_at, r.collected_at, r.created_by_id,
       p.id AS original_id, p.number AS original_number, p.shop_rate, p.terms_version,
       p.assigned_to_id, p.branch_id
FROM comeback_plan p
JOIN tickets_worksorder r ON r.shop_id = p.shop_id AND r.warranty_return_of_id = p.id
"""

_COUNTERS = """
INSERT INTO tickets_numbercounter (shop_id, series, last)
SELECT shop_id, series, max(n) FROM comeback_plan GROUP BY shop_id, series
ON CONFLICT (shop_id, series) DO UPDATE SET last = EXCLUDED.last
"""

_LINES = """
INSERT INTO tickets_quoteline (
    shop_id, works_order_id, position, kind, description, quantity, unit_price, vat_rate, note)
SELECT shop_id, id, 0, 'labour', 'No charge: warranty return of ' || original_number, 1, 0,
       shop_rate, ''
FROM comeback_new
"""

_CONSENTS = """
INSERT INTO tickets_consent (
    shop_id, works_order_id, method, signed_name, recorded_by_id, recorded_at, quote_net,
    quote_gross, terms_id)
SELECT n.shop_id, n.id, 'on_behalf', c.full_name, n.created_by_id, n.created_at, 0, 0, t.id
FROM comeback_new n
JOIN tickets_worksorder w ON w.id = n.id
JOIN customers_customer c ON c.id = w.customer_id
JOIN shops_termsversion t ON t.shop_id = n.shop_id AND t.version = n.terms_version
"""

_TIMELINE = """
INSERT INTO tickets_timelineentry (shop_id, works_order_id, event, actor_id, at, text,
                                   note_kind, data, from_status, time_in_from_status)
SELECT n.shop_id, e.works_order_id, e.event, e.actor_id, e.at, e.text, '', e.data::jsonb,
       e.from_status, e.time_in_from_status
FROM comeback_new n
JOIN shops_branch b ON b.id = n.branch_id
CROSS JOIN LATERAL (VALUES
    (n.id, 'booked_in', n.created_by_id, n.created_at, 'Booked in at ' || b.name, '{}', '',
     NULL::interval),
    (n.id, 'details', n.created_by_id, n.created_at + interval '1 second',
     'Warranty return of ' || n.original_number || ': no charge',
     json_build_object('warranty_return_of', n.original_number, 'final_price', '0.00')::text,
     '', NULL),
    (n.original_id, 'details', n.created_by_id, n.created_at + interval '1 second',
     'Came back under warranty: ' || n.number,
     json_build_object('warranty_return', n.number)::text, '', NULL),
    -- the step out of "ready" (the steps before it are not timed here)
    (n.id, 'collected', n.created_by_id, n.collected_at, 'Ready for collection → Collected',
     '{"source": "ready", "target": "collected", "step": "collect"}', 'ready',
     n.collected_at - n.ready_at)
) AS e(works_order_id, event, actor_id, at, text, data, from_status, time_in_from_status)
"""


def _pads() -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer key pads for the status link's salted key."""
    key = hashlib.sha256(STATUS_TOKEN_SALT.encode() + settings.SECRET_KEY.encode()).digest()
    block = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def comeback_backfill(*, shop_id: int | None = None, share_per_mille: int = SHARE_PER_MILLE) -> int:
    """Warranty returns of a few collected jobs (every shop, or one) that have none; returns
    how many were booked."""
    inner, outer = _pads()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_PLAN, {"min_age": MIN_AGE_DAYS, "share": share_per_mille, "shop": shop_id})
        cursor.execute(
            _WORKS_ORDERS,
            {"inner": inner, "outer": outer, "token_length": STATUS_TOKEN_LENGTH},
        )
        booked = cursor.rowcount
        for sql in (_NEW, _COUNTERS, _LINES, _CONSENTS, _TIMELINE):
            cursor.execute(sql)
        # Gone now, not only at commit: the caller's transaction may go on and run this again.
        cursor.execute("DROP TABLE comeback_plan, comeback_new")
    return booked
