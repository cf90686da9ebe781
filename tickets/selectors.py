"""Reads of works orders: the list page and the top-bar search. Every query names the shop."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import (
    Case,
    DecimalField,
    F,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Reverse, Round, Upper
from django.utils import timezone

from customers.phones import try_e164
from tickets.models import QuoteLine, WorksOrder

if TYPE_CHECKING:
    from shops.models import Branch, Membership, Shop


# The list page ---------------------------------------------------------------------------

MONEY = DecimalField(max_digits=12, decimal_places=2)


def _line_gross():
    # The same sums as tickets.services.quote_totals: net rounded per line, VAT worked out on the
    # rounded net and rounded per line, gross = net + VAT. Postgres ROUND(numeric, 2) rounds half
    # away from zero, which is Decimal's ROUND_HALF_UP, so the list shows the receipt's total.
    net = Round(F("quantity") * F("unit_price"), 2, output_field=MONEY)
    return net + Round(net * F("vat_rate") / Value(Decimal(100)), 2, output_field=MONEY)


def quote_gross_subquery(shop: Shop) -> Subquery:
    """Each works order's quote total (gross), for annotating a works-order queryset."""
    per_order = (
        QuoteLine.objects.for_shop(shop)
        .filter(works_order=OuterRef("pk"))
        .order_by()
        .values("works_order")
        .annotate(total=Sum(_line_gross(), output_field=MONEY))
        .values("total")
    )
    return Subquery(per_order, output_field=MONEY)


@dataclass(frozen=True)
class ListFilters:
    branch: Branch | None = None
    statuses: list[str] = field(default_factory=list)
    priority: str = ""
    technician: Membership | None = None
    booked_from: datetime.date | None = None
    booked_to: datetime.date | None = None

    @property
    def any(self) -> bool:
        return bool(
            self.branch
            or self.statuses
            or self.priority
            or self.technician
            or self.booked_from
            or self.booked_to
        )


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def works_order_list(shop: Shop, filters: ListFilters | None = None) -> QuerySet[WorksOrder]:
    """The shop's works orders, newest first, with what the list shows in one query per page."""
    filters = filters or ListFilters()
    works_orders = (
        WorksOrder.objects.for_shop(shop)
        .select_related("branch", "customer", "device", "assigned_to__user")
        .defer("passcode_secret")
        .annotate(quote_gross=quote_gross_subquery(shop))
        .order_by("-created_at", "-id")
    )
    if filters.branch is not None:
        works_orders = works_orders.filter(branch=filters.branch)
    if filters.statuses:
        works_orders = works_orders.filter(status__in=filters.statuses)
    if filters.priority:
        works_orders = works_orders.filter(priority=filters.priority)
    if filters.technician is not None:
        works_orders = works_orders.filter(assigned_to=filters.technician)
    # Whole days in the shop's time, as bounds on created_at so the (shop, -created_at) index works.
    if filters.booked_from:
        works_orders = works_orders.filter(created_at__gte=_start_of(filters.booked_from))
    if filters.booked_to:
        next_day = filters.booked_to + datetime.timedelta(days=1)
        works_orders = works_orders.filter(created_at__lt=_start_of(next_day))
    return works_orders


# Search ----------------------------------------------------------------------------------


class ILike(Lookup):
    """`lhs ILIKE rhs`: Django's icontains says UPPER(x) LIKE …, which a trigram index ignores."""

    lookup_name = "ilike"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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


@dataclass(frozen=True)
class Alternative:
    """One way the text can match, with what the dropdown says and how well it ranks."""

    matches: Q | Lookup
    kind: str
    rank: int


def _ranked(queryset: QuerySet, alternatives: list[Alternative], similarity=None) -> QuerySet:
    matches = Q()
    for alternative in alternatives:
        matches |= alternative.matches
    return queryset.filter(matches).annotate(
        search_rank=Case(*[When(a.matches, then=Value(a.rank)) for a in alternatives]),
        search_kind=Case(*[When(a.matches, then=Value(a.kind)) for a in alternatives]),
        search_similarity=similarity if similarity is not None else Value(1.0),
    )


def _by_number(shop: Shop, terms: SearchTerms) -> QuerySet[WorksOrder]:
    alternatives = []
    if terms.number:
        alternatives.append(Alternative(Q(number=terms.number), Kind.NUMBER, EXACT))
    if terms.number_suffixes:
        # reverse(number) LIKE '2400-%': a prefix search on the works_order_number_reversed index.
        suffixes = Q()
        for suffix in terms.number_suffixes:
            suffixes |= Q(number_reversed__startswith=suffix[::-1])
        alternatives.append(Alternative(suffixes, Kind.NUMBER, PARTIAL))
    works_orders = WorksOrder.objects.for_shop(shop).alias(number_reversed=Reverse("number"))
    return _ranked(works_orders, alternatives)


def _by_customer(shop: Shop, terms: SearchTerms) -> QuerySet[WorksOrder]:
    alternatives = []
    if terms.phone:
        alternatives.append(Alternative(Q(customer__phone=terms.phone), Kind.PHONE, EXACT))
    if terms.email:
        alternatives.append(Alternative(Q(customer__email=terms.email), Kind.EMAIL, EXACT))
    similarity = None
    if terms.name:
        pattern = f"%{_like_escape(terms.name)}%"
        alternatives.append(
            Alternative(ILike(F("customer__full_name"), pattern), Kind.NAME, BY_NAME)
        )
        similarity = TrigramSimilarity("customer__full_name", terms.name)
    # Naming the customer's shop lets Postgres use the (shop, …) indexes on customers.
    works_orders = WorksOrder.objects.for_shop(shop).filter(customer__shop=shop)
    return _ranked(works_orders, alternatives, similarity)


def _by_device(shop: Shop, terms: SearchTerms) -> QuerySet[WorksOrder]:
    alternatives = []
    # Each condition repeats its partial index's predicate (imei <> '', serial <> '') so that
    # Postgres may use the index (see migration 0003_search_indexes).
    has_imei, has_serial = ~Q(device__imei=""), ~Q(device__serial="")
    if terms.imei:
        alternatives.append(Alternative(Q(device__imei=terms.imei), Kind.IMEI, EXACT))
    if terms.serial:
        serial = Q(serial_upper=terms.serial) & has_serial
        alternatives.append(Alternative(serial, Kind.SERIAL, EXACT))
    if terms.imei_part:
        # The start or the end of an IMEI, each a prefix search on a btree index.
        part = Q(device__imei__startswith=terms.imei_part) & has_imei
        part |= Q(imei_reversed__startswith=terms.imei_part[::-1]) & has_imei
        alternatives.append(Alternative(part, Kind.IMEI, PARTIAL))
    works_orders = (
        WorksOrder.objects.for_shop(shop)
        .filter(device__shop=shop)
        .alias(imei_reversed=Reverse("device__imei"), serial_upper=Upper("device__serial"))
    )
    return _ranked(works_orders, alternatives)


def works_order_search(shop: Shop, q: str, limit: int = 10) -> list[WorksOrder]:
    """The shop's works orders that `q` finds, best first: exact number, phone, email, IMEI or
    serial before partial numbers and IMEIs, before customer names (closest first); then newest.

    One query per table the text could be about (usually one, never more than three). Each
    result carries `search_kind` (what matched) and `search_rank`.
    """
    terms = read_search(q, phone_region=shop.phone_region)
    searches = []
    if terms.on_works_order:
        searches.append(_by_number(shop, terms))
    if terms.on_customer:
        searches.append(_by_customer(shop, terms))
    if terms.on_device:
        searches.append(_by_device(shop, terms))
    found: dict[int, WorksOrder] = {}
    for search in searches:
        rows = (
            search.select_related("branch", "customer", "device")
            .defer("passcode_secret")
            .order_by("search_rank", "-search_similarity", "-created_at", "-id")[:limit]
        )
        for works_order in rows:
            best = found.get(works_order.pk)
            if best is None or _order_key(works_order) < _order_key(best):
                found[works_order.pk] = works_order
    return sorted(found.values(), key=_order_key)[:limit]


def _order_key(works_order: WorksOrder) -> tuple:
    return (
        works_order.search_rank,
        -works_order.search_similarity,
        -works_order.created_at.timestamp(),
        -works_order.pk,
    )


def is_number_match(results: list[WorksOrder]) -> bool:
    """One result, found by its number (all of it, or its last digits): nothing to choose."""
    return len(results) == 1 and results[0].search_kind == Kind.NUMBER


__all__ = [
    "ILike",
    "Kind",
    "ListFilters",
    "SearchTerms",
    "is_number_match",
    "quote_gross_subquery",
    "read_search",
    "works_order_list",
    "works_order_search",
]
