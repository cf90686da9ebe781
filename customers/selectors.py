"""Reads of customers: as-you-type matching, the list page, one customer's page.

"Returning customer" is derived from history, never typed: a customer is returning when they
have a works order earlier than the visit in question. At the counter the visit in question is
the one being booked now, so anyone with a works order on file is returning; on the customer
list and page it is their latest visit, so they are returning once they have come back.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

import phonenumbers
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Lookup
from django.utils import timezone

from customers.models import Customer
from customers.phones import try_e164
from devices.models import Device
from shops.lookups import like_escape, prefix_end
from shops.models import Shop
from shops.paging import planned_with_its_values
from tickets.models import NoteKind, QuoteLine, TimelineEntry, WorksOrder
from tickets.warranty import warranty_returns

LOOKUP_LIMIT = 8
MIN_PARTIAL_DIGITS = 6  # fewer digits than this match too many numbers to be useful
_PHONE_LIKE = re.compile(r"^[\d\s()+\-./]+$")


# Matching ------------------------------------------------------------------------------------
# Every condition is one an index answers beneath the shop policy (row-level security lets only
# LEAKPROOF operators be index conditions; tenancy 0002 and 0005): ILIKE and word similarity
# on the trigram index, byte-wise ranges for an email's beginning. One that cannot
# (Django's icontains is UPPER(name) LIKE …, startswith is LIKE) has the whole OR read each of
# the shop's customers: 370 ms a keystroke for "smith" among 235,000, where this takes 40 ms.


class _Operator(Lookup):
    """`lhs <operator> rhs` for an operator Django has no lookup for; used as an expression."""

    operator = ""

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} {self.operator} {rhs}", [*lhs_params, *rhs_params]


class _ILike(_Operator):
    lookup_name = "ilike"
    operator = "ILIKE"


class _AtLeastBytewise(_Operator):
    lookup_name = "pattern_gte"
    operator = "~>=~"


class _BelowBytewise(_Operator):
    lookup_name = "pattern_lt"
    operator = "~<~"


def _starts_with(column: str, prefix: str) -> Q:
    """`column` begins with `prefix`, as a byte-wise range a text_pattern_ops index answers."""
    condition = Q(_AtLeastBytewise(F(column), prefix))
    end = prefix_end(prefix)
    return condition & Q(_BelowBytewise(F(column), end)) if end is not None else condition


def _phone_conditions(shop: Shop, q: str) -> tuple[Q | None, Q | None]:
    """(exact, partial) conditions for a query typed as a phone number, in any format."""
    if not _PHONE_LIKE.match(q):
        return None, None
    digits = re.sub(r"\D", "", q)
    exact = partial = None
    e164 = try_e164(q, shop.phone_region)
    if e164:
        exact = Q(phone=e164)
    if len(digits) >= MIN_PARTIAL_DIGITS:
        # The last digits of a number (people read out the end of it), …
        partial = Q(phone__endswith=digits)
        # … or its beginning, typed as it is dialled: 07911 12…, +44 7911 12…, 0044 7911 12….
        if q.lstrip().startswith("+"):
            prefix = "+" + digits
        elif digits.startswith("00"):
            prefix = "+" + digits[2:]
        elif digits.startswith("0"):
            country = phonenumbers.country_code_for_region(shop.phone_region)
            prefix = f"+{country}{digits[1:]}" if country else ""
        else:
            prefix = ""
        if prefix:
            partial |= Q(phone__startswith=prefix)
    return exact, partial


def _email_conditions(q: str) -> tuple[Q | None, Q | None]:
    if " " in q or len(q) < 3 or _PHONE_LIKE.match(q):
        return None, None
    email = q.lower()
    # Emails are stored lower-case, so these are case-insensitive matches.
    return (Q(email=email) if "@" in email else None), _starts_with("email", email)


def _name_condition(q: str) -> Q | None:
    if len(q) < 2 or not any(ch.isalpha() for ch in q):
        return None
    # Both use the trigram GIN index on (shop, full_name). Word similarity (%>) finds a name
    # half typed ("Smi"), typed with a slip ("Jane Smtih") or the other way round ("Smith
    # Jane"). Whole-name similarity (%) found little more but cost much: "Mason" shares "son"
    # with a third of the big shop's names, 177,000 rows to look at again (700 ms).
    return Q(_ILike(F("full_name"), f"%{like_escape(q)}%")) | Q(
        TrigramWordSimilar(F("full_name"), Value(q))
    )


def customer_search(shop: Shop, q: str) -> QuerySet[Customer]:
    """Customers of `shop` matching `q` by phone (any format), email or name, best first.

    Exact phone or email first, then partial numbers and email prefixes, then names by
    trigram similarity. An empty or unusable query matches nobody.
    """
    q = " ".join((q or "").split())
    customers = Customer.objects.for_shop_in_gin(shop)  # the names' trigram index
    if "\x00" in q:  # no stored value holds a NUL (shops/lookups.py), and psycopg sends none
        return customers.none()
    phone_exact, phone_partial = _phone_conditions(shop, q)
    email_exact, email_prefix = _email_conditions(q)
    by_name = _name_condition(q)
    exact = [c for c in (phone_exact, email_exact) if c is not None]
    partial = [c for c in (phone_partial, email_prefix) if c is not None]
    conditions = [*exact, *partial, *([by_name] if by_name is not None else [])]
    if not conditions:
        return customers.none()
    anything = conditions[0]
    for condition in conditions[1:]:
        anything |= condition
    whens = [When(c, then=Value(0)) for c in exact] + [When(c, then=Value(1)) for c in partial]
    rank = Case(*whens, default=Value(2), output_field=IntegerField()) if whens else Value(2)
    return (
        customers.filter(anything)
        .annotate(
            match_rank=rank,
            word_similarity=TrigramWordSimilarity(q, "full_name"),
            similarity=TrigramSimilarity("full_name", q),
        )
        .order_by("match_rank", "-word_similarity", "-similarity", "full_name", "pk")
    )


def _works_orders_of(shop: Shop):
    return WorksOrder.objects.for_shop(shop).filter(customer=OuterRef("pk"))


def with_returning(
    customers: QuerySet[Customer], *, shop: Shop, before: datetime.datetime | None = None
) -> QuerySet[Customer]:
    """Annotate `is_returning`: a works order on file earlier than `before` (default: now)."""
    earlier = _works_orders_of(shop).filter(created_at__lt=before or timezone.now())
    return customers.annotate(is_returning=Exists(earlier))


def customer_matches(shop: Shop, q: str, *, limit: int = LOOKUP_LIMIT) -> list[Customer]:
    """As-you-type matches for the intake screen, best first, each with `is_returning`.

    Planned for the typed words each time: a prepared statement's generic plan (from its sixth
    run) cannot tell "Lee" from "Emma Smi" and read every customer of the big shop (750-900 ms
    a keystroke, 40-280 ms planned for the words)."""
    with planned_with_its_values():
        return list(with_returning(customer_search(shop, q), shop=shop)[:limit])


def returning_customer(shop: Shop | int) -> Exists:
    """For annotating works orders: had their customer been here before this one?"""
    earlier = WorksOrder.objects.for_shop(shop).filter(
        customer=OuterRef("customer"), created_at__lt=OuterRef("created_at")
    )
    return Exists(earlier)


def customer_duplicates(
    shop: Shop, *, phone: str, email: str, exclude_pk: int | None = None
) -> dict[str, Customer]:
    """Who already has this (normalised) phone or email: {"phone": …, "email": …}."""
    wanted = Q(pk__in=[])
    if phone:
        wanted |= Q(phone=phone)
    if email:
        wanted |= Q(email=email)
    if not (phone or email):
        return {}
    found: dict[str, Customer] = {}
    for customer in Customer.objects.for_shop(shop).filter(wanted).exclude(pk=exclude_pk):
        if phone and customer.phone == phone:
            found["phone"] = customer
        if email and customer.email == email:
            found["email"] = customer
    return found


# The list page -------------------------------------------------------------------------------


def _count_of(rows: QuerySet) -> Coalesce:
    counted = rows.order_by().values("customer").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def customers_for_list(shop: Shop, q: str = "") -> QuerySet[Customer]:
    """The customer list: matching `q` (or everyone, by name along customer_by_name), in the
    list's order; only what picks and orders them (customer_rows adds what the table shows)."""
    return customer_search(shop, q) if q.strip() else Customer.objects.for_shop(shop)


def customer_rows(shop: Shop, chosen: QuerySet[Customer]) -> list[Customer]:
    """The customers `chosen` (a page sliced from customers_for_list), in its order, with their
    devices, works orders and last visit counted: for that page's rows only. Counted in the
    same query as the page's slice, the counts ran for every row the page skipped over too
    (page 300 of the big shop: 450 ms)."""
    ids = list(chosen.values_list("pk", flat=True))
    works_orders = _works_orders_of(shop)
    rows = (
        Customer.objects.for_shop(shop)
        .filter(pk__in=ids)
        .annotate(
            devices_count=_count_of(Device.objects.for_shop(shop).filter(customer=OuterRef("pk"))),
            works_orders_count=_count_of(works_orders),
            last_visit=Subquery(works_orders.order_by("-created_at").values("created_at")[:1]),
            is_returning=ExpressionWrapper(
                Q(works_orders_count__gte=2), output_field=BooleanField()
            ),
        )
    )
    place = {pk: i for i, pk in enumerate(ids)}
    return sorted(rows, key=lambda customer: place[customer.pk])


# One customer's page -------------------------------------------------------------------------


@dataclass
class DeviceWithHistory:
    device: Device
    works_orders: list[WorksOrder] = field(default_factory=list)


@dataclass
class CustomerProfile:
    customer: Customer
    devices: list[DeviceWithHistory]
    works_orders: list[WorksOrder]
    messages: list[TimelineEntry]

    @property
    def is_returning(self) -> bool:
        return len(self.works_orders) >= 2


def customer_profile(customer: Customer) -> CustomerProfile:
    """Everything the customer page shows, in a fixed number of queries.

    A device keeps its history from before it came to this customer, so each device lists
    all of its works orders; `works_orders` are this customer's own.
    """
    shop_id = customer.shop_id
    lines = Prefetch("lines", queryset=QuoteLine.objects.for_shop(shop_id))
    works_orders = list(
        WorksOrder.objects.for_shop(shop_id)
        .filter(customer=customer)
        .select_related("device", "branch")
        .prefetch_related(lines)
    )
    devices = list(
        customer.devices.order_by("-created_at").prefetch_related(
            Prefetch(
                "works_orders",
                queryset=WorksOrder.objects.for_shop(shop_id)
                .select_related("customer", "warranty_return_of")
                .annotate(came_back_as=warranty_returns(shop_id))
                .prefetch_related(lines)
                .order_by("-created_at"),
            )
        )
    )
    messages = list(
        TimelineEntry.objects.for_shop(shop_id)
        .filter(works_order__customer=customer, note_kind=NoteKind.CUSTOMER)
        .select_related("works_order", "actor__user")
        .order_by("-at", "-id")
    )
    for works_order in works_orders:
        works_order.total = sum((line.gross for line in works_order.lines.all()), Decimal("0.00"))
    return CustomerProfile(
        customer=customer,
        devices=[DeviceWithHistory(d, list(d.works_orders.all())) for d in devices],
        works_orders=works_orders,
        messages=messages,
    )
