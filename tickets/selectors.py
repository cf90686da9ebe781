"""Reads of works orders: the list page and the top-bar search. Every query names the shop."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from contextlib import nullcontext
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from customers.phones import try_e164
from shops.lookups import like_escape, prefix_end
from shops.paging import planned_with_its_values
from tickets.models import Priority, Status, WorksOrder
from tickets.sla_status import sla_status_filter, sla_status_sql

if TYPE_CHECKING:
    from pricebook.models import RepairType
    from shops.models import Branch, Membership, Shop


# The list page ---------------------------------------------------------------------------

STATUS_LABELS = dict(Status.choices)
PRIORITY_LABELS = dict(Priority.choices)


@dataclass(frozen=True)
class ListFilters:
    branch: Branch | None = None
    statuses: list[str] = field(default_factory=list)
    priority: str = ""
    technician: Membership | None = None
    booked_from: datetime.date | None = None
    booked_to: datetime.date | None = None
    sla: str = ""  # an SlaStatus value, or "" for any
    # From the reports' figures: the jobs behind a number on the dashboard.
    repair_type: RepairType | None = None
    no_repair_type: bool = False
    ready_from: datetime.date | None = None
    ready_to: datetime.date | None = None
    started_from: datetime.date | None = None
    started_to: datetime.date | None = None
    collected_from: datetime.date | None = None
    collected_to: datetime.date | None = None
    cancelled_from: datetime.date | None = None
    cancelled_to: datetime.date | None = None
    repaired_by: Membership | None = None
    failed_qc: bool = False
    came_back: bool = False
    promise: str = ""  # "promised" (had an SLA due time), "kept" or "broken" (ready by it or not)
    booked_online: bool = False  # customers' online bookings only (the partial index has them)

    @property
    def any(self) -> bool:
        """Whether any filter is set (every one is empty or false when it is not)."""
        return any(getattr(self, f.name) for f in fields(self))


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def works_order_list(shop: Shop, filters: ListFilters | None = None) -> QuerySet[WorksOrder]:
    """The shop's works orders that match the filters, newest first: only what picks and orders
    them, so that a page of them is read along one index (works_order_rows loads the rest)."""
    filters = filters or ListFilters()
    works_orders = WorksOrder.objects.for_shop(shop).order_by("-created_at", "-id")
    if filters.branch is not None:
        works_orders = works_orders.filter(branch=filters.branch)
    if filters.statuses:
        works_orders = works_orders.filter(status__in=filters.statuses)
    if filters.priority:
        works_orders = works_orders.filter(priority=filters.priority)
    if filters.technician is not None:
        works_orders = works_orders.filter(assigned_to=filters.technician)
    if filters.sla:
        # As the badge says: a cancelled job shows no SLA, so it is in no SLA status.
        works_orders = works_orders.filter(sla_status_filter(filters.sla)).exclude(
            status=Status.CANCELLED
        )
    # Whole days in the shop's time, as bounds on created_at so the (shop, -created_at) index works.
    if filters.booked_from:
        works_orders = works_orders.filter(created_at__gte=_start_of(filters.booked_from))
    if filters.booked_to:
        next_day = filters.booked_to + datetime.timedelta(days=1)
        works_orders = works_orders.filter(created_at__lt=_start_of(next_day))
    if filters.repair_type is not None:
        works_orders = works_orders.filter(repair_type=filters.repair_type)
    elif filters.no_repair_type:
        works_orders = works_orders.filter(repair_type__isnull=True)
    if filters.repaired_by is not None:
        works_orders = works_orders.filter(repaired_by=filters.repaired_by)
    if filters.booked_online:
        works_orders = works_orders.filter(drop_off_at__isnull=False)
    if filters.failed_qc:
        works_orders = works_orders.filter(qc_failures__gt=0)
    if filters.came_back:
        returns = WorksOrder.objects.for_shop(shop).filter(warranty_return_of=OuterRef("pk"))
        works_orders = works_orders.filter(Exists(returns))
    if filters.promise:
        works_orders = works_orders.filter(sla_due_at__isnull=False)
    if filters.promise == "kept":
        works_orders = works_orders.filter(ready_at__lte=F("sla_due_at"))
    elif filters.promise == "broken":
        works_orders = works_orders.filter(ready_at__gt=F("sla_due_at"))
    for name, first, last in (
        ("ready_at", filters.ready_from, filters.ready_to),
        ("started_at", filters.started_from, filters.started_to),
        ("collected_at", filters.collected_from, filters.collected_to),
        ("cancelled_at", filters.cancelled_from, filters.cancelled_to),
    ):
        if first:
            works_orders = works_orders.filter(**{f"{name}__gte": _start_of(first)})
        if last:
            next_day = last + datetime.timedelta(days=1)
            works_orders = works_orders.filter(**{f"{name}__lt": _start_of(next_day)})
    return works_orders


# What a page of the list shows of the works orders chosen ({chosen}: their ids, as
# works_order_list picks them). The quote's gross is summed as tickets.services.quote_totals
# sums it: net rounded per line, VAT worked out on the rounded net and rounded per line, gross =
# net + VAT (ROUND(numeric, 2) rounds half away from zero, which is Decimal's ROUND_HALF_UP), so
# the list shows the receipt's total. The SLA status is tickets.sla_status's comparison.
_ROWS_SQL = """
SELECT w.number, w.created_at, w.status, w.priority, w.fault_reported, w.sla_due_at,
       w.sla_paused_at, w.drop_off_at, w.dropped_off_at, w.customer_id, c.full_name,
       d.make, d.model_name, b.code, b.name, b.timezone, u.full_name,
       (SELECT SUM(ROUND(q.quantity * q.unit_price, 2)
                   + ROUND(ROUND(q.quantity * q.unit_price, 2) * q.vat_rate / 100, 2))
          FROM tickets_quoteline q
         WHERE q.shop_id = w.shop_id AND q.works_order_id = w.id),
       {sla_status}
  FROM tickets_worksorder w
  CROSS JOIN (SELECT %s::timestamptz) AS clock(now)
  JOIN shops_branch b ON b.id = w.branch_id
  JOIN customers_customer c ON c.id = w.customer_id
  JOIN devices_device d ON d.id = w.device_id
  LEFT JOIN shops_membership m ON m.id = w.assigned_to_id
  LEFT JOIN shops_user u ON u.id = m.user_id
 WHERE w.shop_id = %s AND w.id IN ({chosen})
 ORDER BY w.created_at DESC, w.id DESC"""


@dataclass(frozen=True)
class RowBranch:
    code: str
    name: str
    tz: zoneinfo.ZoneInfo


@dataclass(frozen=True)
class ListRow:
    """A works order as a row of the list shows it (tickets.templatetags.works_orders)."""

    number: str
    created_at: datetime.datetime
    status: str
    priority: str
    fault_reported: str
    sla_due_at: datetime.datetime | None
    sla_paused_at: datetime.datetime | None
    drop_off_at: datetime.datetime | None
    dropped_off_at: datetime.datetime | None
    customer_id: int
    customer_name: str
    device: str
    branch: RowBranch
    assigned_name: str | None
    quote_gross: Decimal | None
    sla_status: str

    def get_status_display(self) -> str:
        return STATUS_LABELS[self.status]

    def get_priority_display(self) -> str:
        return PRIORITY_LABELS[self.priority]


def works_order_rows(shop: Shop, chosen: QuerySet[WorksOrder]) -> list[ListRow]:
    """The works orders `chosen` (a page sliced from works_order_list) with what the list shows,
    in one query.

    The page is picked in a subquery of its own because statements are prepared: a generic plan
    of the whole join cannot tell a month's 12,000 works orders from a day's, and joined and
    totalled all of them before sorting (100 ms); picking 26 ids along the index that is already
    in the list's order costs the same whatever the parameters, and the join then sees 26 rows.

    Only the columns the list shows, written as SQL and read into plain rows: as a queryset of
    works orders with their customer, device, branch and user, building the query and six
    model instances a row took about half of the list's time in Python.
    """
    ids, ids_params = chosen.values("pk").query.sql_with_params()
    sql = _ROWS_SQL.format(sla_status=sla_status_sql("clock.now"), chosen=ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, (timezone.now(), shop.pk, *ids_params))
        found = cursor.fetchall()
    return [
        ListRow(
            *job,
            customer,
            f"{make} {model}",  # as str(Device)
            RowBranch(code, name, zoneinfo.ZoneInfo(zone)),  # ZoneInfo keeps each zone once
            assigned,
            quote,
            sla,
        )
        for *job, customer, make, model, code, name, zone, assigned, quote, sla in found
    ]


# Search ----------------------------------------------------------------------------------


class Kind:
    """What a result matched, in the words the dropdown shows."""

    NUMBER = "number"
    PHONE = "phone"
    EMAIL = "email"
    IMEI = "IMEI"
    SERIAL = "serial"
    NAME = "name"


# Rank: exact identifiers first, then partial identifiers, then names.
EXACT, PARTIAL, BY_NAME = 0, 1, 2

_SEQUENTIAL = re.compile(r"^WO-?0*(\d{1,9})$")
_BRANCH_PREFIXED = re.compile(r"^[A-Z]{2,5}-\d{4}-\d{1,6}$")
_DATE_BASED = re.compile(r"^\d{4}-\d{2}-\d{1,6}$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().-]+$")
_SEPARATORS = re.compile(r"[\s().+-]")


@dataclass
class SearchTerms:
    """What the typed text can be, decided from its shape alone (no queries)."""

    number: str = ""  # an exact works-order number
    number_suffixes: list[str] = field(default_factory=list)  # '-0042' for "42"
    phone: str = ""  # E.164
    email: str = ""
    imei: str = ""  # all 15 digits
    imei_part: str = ""  # 8 to 14 digits: the start or the end of an IMEI
    serial: str = ""  # upper-case
    name: str = ""

    @property
    def on_works_order(self) -> bool:
        return bool(self.number or self.number_suffixes)

    @property
    def on_customer(self) -> bool:
        return bool(self.phone or self.email or self.name)

    @property
    def on_device(self) -> bool:
        return bool(self.imei or self.imei_part or self.serial)


def read_search(q: str, *, phone_region: str) -> SearchTerms:
    """Sort the typed text into the identifiers it could be."""
    q = " ".join(q.split())
    terms = SearchTerms()
    if len(q) < 2 and not q.isdigit():  # "7" may be job 7; "a" finds half the customers
        return terms
    upper = q.upper()
    if "@" in q:
        terms.email = q.lower()
        return terms
    if sequential := _SEQUENTIAL.match(upper):
        terms.number = f"WO-{int(sequential[1]):06d}"
        return terms
    if _BRANCH_PREFIXED.match(upper) or _DATE_BASED.match(upper):
        terms.number = upper  # a date-based number is also phone-shaped: read on
    if _PHONE_CHARS.match(q):
        digits = _SEPARATORS.sub("", q)
        if len(digits) <= 9 and not q.startswith("+") and not terms.number:
            # A works-order number read aloud: its last digits, zeros optional.
            n = int(digits)
            terms.number = f"WO-{n:06d}" if n else ""
            widths = {len(digits), 3, 4, 6}
            terms.number_suffixes = sorted(
                {f"-{n:0{width}d}" for width in widths if width >= len(str(n))}
            )
        if len(digits) >= 7:
            terms.phone = try_e164(q, phone_region) or ""
        if len(digits) == 15:
            terms.imei = digits
        elif 8 <= len(digits) <= 14 and not q.startswith("+"):
            terms.imei_part = digits
        return terms
    if terms.number:
        return terms
    if any(c.isdigit() for c in q):
        if " " not in q and len(q) >= 4:
            terms.serial = upper  # names have no digits; serials do
    else:
        terms.name = q
    return terms


# The search itself is one hand-written query: every way the text can match is a branch of a
# UNION ALL, each written so that Postgres answers it from one index (see migration
# 0003_search_indexes and the customer indexes), each capped at the limit. The top bar asks on
# every keystroke, and building the same query through the ORM cost three times as long as
# running it.

_FROM = {
    "works_order": "tickets_worksorder w",
    "customer": (
        "tickets_worksorder w JOIN customers_customer c "
        "ON c.id = w.customer_id AND c.shop_id = %(shop)s"
    ),
    "device": (
        "tickets_worksorder w JOIN devices_device d ON d.id = w.device_id AND d.shop_id = %(shop)s"
    ),
}


@dataclass(frozen=True)
class Alternative:
    """One way the text can match: where, on what condition, and how it ranks."""

    table: str  # a key of _FROM
    condition: str  # SQL with %(name)s parameters
    kind: str
    rank: int
    similarity: str = "1.0"  # how close a name is, for ordering names


def _starts_with(column: str, prefix: str, name: str, params: dict) -> str:
    """`column` starts with `prefix`, as the range a btree text_pattern_ops index answers.

    Not `LIKE 'prefix%'`: the statement is prepared, and a prepared plan cannot turn a LIKE
    parameter into an index range, so it would read every row of the shop.
    """
    params[f"{name}_from"] = prefix
    params[f"{name}_to"] = prefix_end(prefix)  # the searches' digits and hyphens always have one
    return f"({column} ~>=~ %({name}_from)s AND {column} ~<~ %({name}_to)s)"


def _alternatives(terms: SearchTerms) -> tuple[list[Alternative], dict]:
    alternatives, params = [], {}
    if terms.number:
        alternatives.append(Alternative("works_order", "w.number = %(number)s", Kind.NUMBER, EXACT))
        params["number"] = terms.number
    if terms.number_suffixes:
        # reverse(number) LIKE '2854-%': a prefix search on the works_order_number_reversed index.
        condition = " OR ".join(
            _starts_with("reverse(w.number)", suffix[::-1], f"suffix{i}", params)
            for i, suffix in enumerate(terms.number_suffixes)
        )
        alternatives.append(Alternative("works_order", f"({condition})", Kind.NUMBER, PARTIAL))
    if terms.phone:
        alternatives.append(Alternative("customer", "c.phone = %(phone)s", Kind.PHONE, EXACT))
        params["phone"] = terms.phone
    if terms.email:
        alternatives.append(Alternative("customer", "c.email = %(email)s", Kind.EMAIL, EXACT))
        params["email"] = terms.email
    if terms.name:
        # ILIKE, not UPPER(x) LIKE: the trigram index on (shop, full_name) answers ILIKE.
        alternatives.append(
            Alternative(
                "customer",
                "c.full_name ILIKE %(name_like)s",
                Kind.NAME,
                BY_NAME,
                similarity="similarity(c.full_name, %(name)s)",
            )
        )
        params |= {"name": terms.name, "name_like": f"%{like_escape(terms.name)}%"}
    # Each device condition repeats its partial index's predicate (imei <> '', serial <> '').
    if terms.imei:
        alternatives.append(Alternative("device", "d.imei = %(imei)s", Kind.IMEI, EXACT))
        params["imei"] = terms.imei
    if terms.serial:
        condition = "upper(d.serial) = %(serial)s AND d.serial <> ''"
        alternatives.append(Alternative("device", condition, Kind.SERIAL, EXACT))
        params["serial"] = terms.serial
    if terms.imei_part:
        # The start or the end of an IMEI, each a prefix search on a btree index.
        start = _starts_with("d.imei", terms.imei_part, "imei_start", params)
        end = _starts_with("reverse(d.imei)", terms.imei_part[::-1], "imei_end", params)
        condition = f"(({start} AND d.imei <> '') OR ({end} AND d.imei <> ''))"
        alternatives.append(Alternative("device", condition, Kind.IMEI, PARTIAL))
    return alternatives, params


def _search_sql(alternatives: list[Alternative]) -> str:
    branches = [
        f"(SELECT w.id, w.created_at, {a.rank} AS rank, '{a.kind}' AS kind, "
        f"({a.similarity})::float8 AS similarity FROM {_FROM[a.table]} "
        f"WHERE w.shop_id = %(shop)s AND {a.condition} "
        "ORDER BY similarity DESC, w.created_at DESC, w.id DESC LIMIT %(limit)s)"
        for a in alternatives
    ]
    return f"""
WITH found AS ({" UNION ALL ".join(branches)}),
best AS (SELECT DISTINCT ON (id) * FROM found ORDER BY id, rank, similarity DESC)
SELECT w.id, w.shop_id, w.number, w.status, w.created_at, c.full_name,
       btrim(d.make || ' ' || d.model_name), b.code, b.name, best.kind, best.rank, best.similarity
FROM best
JOIN tickets_worksorder w ON w.id = best.id AND w.shop_id = %(shop)s
JOIN customers_customer c ON c.id = w.customer_id
JOIN devices_device d ON d.id = w.device_id
JOIN shops_branch b ON b.id = w.branch_id
ORDER BY best.rank, best.similarity DESC, w.created_at DESC, w.id DESC
LIMIT %(limit)s"""


@dataclass(frozen=True)
class SearchResult:
    """A works order as a search result shows it."""

    pk: int
    shop_id: int
    number: str
    status: str
    created_at: datetime.datetime
    customer_name: str
    device_name: str
    branch_code: str
    branch_name: str
    search_kind: str
    search_rank: int
    search_similarity: float

    def get_status_display(self) -> str:
        return STATUS_LABELS[self.status]


def works_order_search(shop: Shop, q: str, limit: int = 10) -> list[SearchResult]:
    """The shop's works orders that `q` finds, best first: exact number, phone, email, IMEI or
    serial before partial numbers and IMEIs, before customer names (closest first); then newest.

    One query, whatever the text turns out to be. Each result says what matched
    (`search_kind`) and how well (`search_rank`).
    """
    alternatives, params = _alternatives(read_search(q, phone_region=shop.phone_region))
    if not alternatives:
        return []
    # A name is planned for its words each time: the generic plan of a prepared statement
    # (from its sixth run) read the shop's customers along (shop, full_name) and checked each
    # one's name (95 ms where the trigram index takes 5). Numbers, phones and IMEIs keep theirs.
    by_name = any(a.kind == Kind.NAME for a in alternatives)
    with planned_with_its_values() if by_name else nullcontext(), connection.cursor() as cursor:
        cursor.execute(_search_sql(alternatives), params | {"shop": shop.pk, "limit": limit})
        rows = cursor.fetchall()
    return [SearchResult(*row) for row in rows]


def is_number_match(results: list[WorksOrder]) -> bool:
    """One result, found by its number (all of it, or its last digits): nothing to choose."""
    return len(results) == 1 and results[0].search_kind == Kind.NUMBER


__all__ = [
    "Kind",
    "ListFilters",
    "ListRow",
    "SearchTerms",
    "is_number_match",
    "read_search",
    "works_order_list",
    "works_order_rows",
    "works_order_search",
]
