"""Invoices and payments for the scale data (tickets/scale.py generates the works orders).

Set-based, in one transaction: every collected job without an invoice gets one, made as
billing.services.invoice_lines_for makes it (each quote line, VAT per line by billing/vat.py's
rule, then the difference to the final price as a VAT-inclusive adjustment line), numbered on
from the shop's INV counter in order of collection (gap-free, the counter left at the last
number), and a payment of its total, taken when the device was collected by a method that
varies from job to job (cash with change, card terminal, bank transfer, and account for
business customers). A job already invoiced is left alone, so running it again adds nothing.
"""

from __future__ import annotations

from django.db import connection, transaction

# Jobs to invoice, with their numbers: the shop's counter, then one more per job in order of
# collection. The supplier's and customer's facts are copied as invoice_issue copies them.
_TODO = """
CREATE TEMP TABLE billing_scale_todo ON COMMIT DROP AS
SELECT w.id, w.shop_id, w.number, w.final_price, w.collected_at, w.created_by_id,
       (w.collected_at AT TIME ZONE b.timezone)::date AS time_of_supply,
       s.currency, s.pricebook_prices_include_vat, s.name AS supplier_name,
       b.address AS supplier_address, s.vat_number, s.vat_rate AS shop_rate,
       c.full_name AS customer_name, c.address AS customer_address,
       c.customer_type, e.warranty_days,
       COALESCE(k.last, 0) + row_number() OVER (
           PARTITION BY w.shop_id ORDER BY w.collected_at, w.id) AS n
FROM tickets_worksorder w
JOIN shops_shop s ON s.id = w.shop_id
JOIN shops_branch b ON b.id = w.branch_id
JOIN customers_customer c ON c.id = w.customer_id
JOIN devices_device d ON d.id = w.device_id
LEFT JOIN pricebook_pricebookentry e
       ON e.shop_id = w.shop_id AND e.device_model_id = d.device_model_id
      AND e.repair_type_id = w.repair_type_id
LEFT JOIN billing_documentcounter k ON k.shop_id = w.shop_id AND k.series = 'INV'
WHERE w.status = 'collected'
  AND (%(shop)s::bigint IS NULL OR w.shop_id = %(shop)s::bigint)
  AND NOT EXISTS (SELECT 1 FROM billing_invoice i
                  WHERE i.shop_id = w.shop_id AND i.works_order_id = w.id AND i.kind = 'invoice')
"""

# Their lines: each quote line priced net (net = round(qty × unit), VAT = round(net × rate)),
# then, where a final price differs from what the lines come to, one adjustment line with VAT
# included at the shop's rate (net = round(gross × 100 / (100 + rate)), VAT = gross − net).
# PostgreSQL's round() on numeric rounds half away from zero, as ROUND_HALF_UP does.
_LINES = """
CREATE TEMP TABLE billing_scale_lines ON COMMIT DROP AS
WITH quoted AS (
    SELECT t.id AS works_order_id, t.shop_id,
           (row_number() OVER (PARTITION BY t.id ORDER BY q.position, q.id) - 1)::int AS position,
           q.kind, q.description, q.quantity, q.unit_price, q.vat_rate,
           round(q.quantity * q.unit_price, 2) AS net,
           round(round(q.quantity * q.unit_price, 2) * q.vat_rate / 100, 2) AS vat,
           CASE WHEN q.kind IN ('labour', 'part') THEN t.warranty_days END AS warranty_days
    FROM billing_scale_todo t
    JOIN tickets_quoteline q ON q.shop_id = t.shop_id AND q.works_order_id = t.id
), adjusted AS (
    SELECT t.id AS works_order_id, t.shop_id, t.shop_rate,
           t.final_price - COALESCE(sum(q.net + q.vat), 0) AS difference,
           count(q.position)::int AS position
    FROM billing_scale_todo t
    LEFT JOIN quoted q ON q.works_order_id = t.id
    GROUP BY t.id, t.shop_id, t.shop_rate, t.final_price
    HAVING t.final_price IS NOT NULL AND t.final_price <> COALESCE(sum(q.net + q.vat), 0)
)
SELECT works_order_id, shop_id, position, kind, description, quantity, unit_price, vat_rate,
       net, vat, warranty_days
FROM quoted
UNION ALL
SELECT works_order_id, shop_id, position,
       CASE WHEN difference < 0 THEN 'discount' ELSE 'other' END,
       'Adjustment to the agreed final price', 1.00,
       round(difference * 100 / (100 + shop_rate), 2), shop_rate,
       round(difference * 100 / (100 + shop_rate), 2),
       difference - round(difference * 100 / (100 + shop_rate), 2), NULL
FROM adjusted
"""

_INVOICES = """
INSERT INTO billing_invoice (
    shop_id, kind, number, works_order_id, issued_at, time_of_supply, issued_by_id, reason,
    currency, prices_include_vat, supplier_name, supplier_address, supplier_vat_number,
    customer_name, customer_address, works_order_number, net, vat, gross)
SELECT t.shop_id, 'invoice', 'INV-' || lpad(t.n::text, greatest(6, length(t.n::text)), '0'),
       t.id, t.collected_at, t.time_of_supply, t.created_by_id, '', t.currency,
       t.pricebook_prices_include_vat, t.supplier_name, t.supplier_address, t.vat_number,
       t.customer_name, t.customer_address, t.number,
       COALESCE(l.net, 0), COALESCE(l.vat, 0), COALESCE(l.net, 0) + COALESCE(l.vat, 0)
FROM billing_scale_todo t
LEFT JOIN (SELECT works_order_id, sum(net) AS net, sum(vat) AS vat
           FROM billing_scale_lines GROUP BY works_order_id) l ON l.works_order_id = t.id
"""

_INVOICE_LINES = """
INSERT INTO billing_invoiceline (
    shop_id, invoice_id, position, kind, description, quantity, unit_price, vat_rate,
    net, vat, gross, warranty_days, part_grade)
SELECT l.shop_id, i.id, l.position, l.kind, l.description, l.quantity, l.unit_price,
       l.vat_rate, l.net, l.vat, l.net + l.vat, l.warranty_days, ''
FROM billing_scale_lines l
JOIN billing_invoice i
  ON i.shop_id = l.shop_id AND i.works_order_id = l.works_order_id AND i.kind = 'invoice'
"""

_COUNTERS = """
INSERT INTO billing_documentcounter (shop_id, series, last)
SELECT shop_id, 'INV', max(n) FROM billing_scale_todo GROUP BY shop_id
ON CONFLICT (shop_id, series) DO UPDATE SET last = EXCLUDED.last
"""

# A payment of each invoice's total, a few minutes before the device was handed over. The
# method follows from the job's id (so reruns and machines agree): business customers mostly
# on account; otherwise about 45 % card terminal, 40 % cash (handed over rounded up to the next
# five, the change recorded), 15 % bank transfer.
_PAYMENTS = """
INSERT INTO billing_payment (
    shop_id, works_order_id, method, amount, is_deposit, tendered, change_given, reference,
    reason, provider_id, taken_by_id, taken_at, recorded_at)
SELECT p.shop_id, p.id, p.method, p.gross, false,
       CASE WHEN p.method = 'cash' THEN ceil(p.gross / 5) * 5 END,
       CASE WHEN p.method = 'cash' THEN ceil(p.gross / 5) * 5 - p.gross END,
       CASE WHEN p.method = 'bank_transfer' THEN 'BACS ' || p.number ELSE '' END,
       '', '', p.created_by_id, p.collected_at - interval '3 minutes',
       p.collected_at - interval '3 minutes'
FROM (
    SELECT t.*, i.gross,
           CASE WHEN t.customer_type = 'business' AND mod(t.id * 7919, 10) < 7 THEN 'account'
                WHEN mod(t.id * 2654435761, 100) < 45 THEN 'card_terminal'
                WHEN mod(t.id * 2654435761, 100) < 85 THEN 'cash'
                ELSE 'bank_transfer' END AS method
    FROM billing_scale_todo t
    JOIN billing_invoice i ON i.shop_id = t.shop_id AND i.works_order_id = t.id
                          AND i.kind = 'invoice'
    WHERE i.gross > 0
) p
"""


def billing_backfill(*, shop_id: int | None = None) -> dict[str, int]:
    """Invoices, their lines and payments for collected jobs that have none (every shop, or
    one). Returns how many of each were written."""
    written = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_TODO, {"shop": shop_id})
        cursor.execute(_LINES)
        for name, sql in (
            ("invoices", _INVOICES),
            ("lines", _INVOICE_LINES),
            ("counters", _COUNTERS),
            ("payments", _PAYMENTS),
        ):
            cursor.execute(sql)
            written[name] = cursor.rowcount
        # Gone now, not only at commit: the caller's transaction may go on and run this again.
        cursor.execute("DROP TABLE billing_scale_todo, billing_scale_lines")
    return written
