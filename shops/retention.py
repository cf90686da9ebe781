"""The rows a shop's retention period has passed, oldest first, for the nightly sweep's deletes
(tickets/retention.py, notifications/retention.py): one SQL fragment for every kind of row."""


def expired_rows(*, table: str, at: str, months: str, where: str = "") -> str:
    """A `doomed AS (SELECT id …)` common table expression: up to %(batch)s rows of `table`
    whose `at` column is older than %(now)s less the shop's `months` setting, across every shop
    that set one. The names are the code's own constants, never input."""
    return f"""
doomed AS (
    SELECT r.id
    FROM shops_shop s
    CROSS JOIN LATERAL (
        SELECT id FROM {table} r
        WHERE r.shop_id = s.id
          AND r.{at} < %(now)s - make_interval(months => s.{months})
          {where}
        ORDER BY r.{at}
        LIMIT %(batch)s
    ) r
    WHERE s.{months} IS NOT NULL
    LIMIT %(batch)s
)"""
