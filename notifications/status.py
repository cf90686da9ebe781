"""The customer's status page, /s/<token>/: no login, no JavaScript needed, nothing internal.

Only what the template is given can reach the customer, so the page is built from a short,
explicit list of facts below (never the model objects' internal fields): the shop's and
branch's public contact, the device, the stage with its times, parts on order, updates written
for the customer, the quote and the final price, and an approval waiting for an answer.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.csrf import csrf_exempt, csrf_protect

import tenancy
from audit.context import STATUS_PAGE, acting_as
from billing.models import Invoice
from billing.payments import configured as online_payment_configured
from billing.selectors import invoice_owed_sql
from mailin.selectors import parcel_facts, parcel_sql
from parts.models import Part, PartStatus, PurchaseOrder, PurchaseOrderLine, WorksOrderPart
from shops import ratelimit
from shops.models import OpeningHours
from shops.money import format_money
from shops.prepared import Prepared
from shops.ratelimit import client_address
from tickets.models import (
    Approval,
    NoteKind,
    QuoteLine,
    Status,
    TimelineEntry,
    WorksOrder,
    status_token_hash,
)
from tickets.services import approval_record

HEADERS = {
    "Referrer-Policy": "no-referrer",  # the token must not leak to a link the page shows
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-store",
}

# The progress line, in the customer's words. The middle step says what the bench is doing.
STEPS = [
    ("booked_in", "Booked in"),
    ("assigned", "With a technician"),
    ("bench", "Being repaired"),
    ("quality_control", "Quality check"),
    ("ready", "Ready for collection"),
    ("collected", "Collected"),
]
STEP_OF_STATUS = {
    Status.INTAKE: "booked_in",
    Status.ASSIGNED: "assigned",
    Status.IN_PROGRESS: "bench",
    Status.AWAITING_PARTS: "bench",
    Status.AWAITING_APPROVAL: "bench",
    Status.QUALITY_CONTROL: "quality_control",
    Status.READY: "ready",
    Status.COLLECTED: "collected",
}
BENCH_LABEL = {
    Status.AWAITING_PARTS: "Waiting for parts",
    Status.AWAITING_APPROVAL: "Waiting for your approval",
}


@dataclass
class Step:
    label: str
    at: datetime.datetime | None
    done: bool
    current: bool


class StatusPageCsrf(CsrfViewMiddleware):
    """The page sends `Referrer-Policy: no-referrer`, so the browser posts its form with
    `Origin: null` and no Referer, which Django's origin and Referer checks refuse. The CSRF
    token (cookie and form) is still checked; and a forged post would need the unguessable
    token in the address too."""

    def _origin_verified(self, request: HttpRequest) -> bool:
        return request.META.get("HTTP_ORIGIN") == "null" or super()._origin_verified(request)

    def _check_referer(self, request: HttpRequest) -> None:
        if request.META.get("HTTP_REFERER"):
            super()._check_referer(request)


def over_rate_limit(request: HttpRequest) -> int:
    """Seconds this client address must wait (0: go ahead): enough to make guessing tokens
    pointless (they have 132 bits)."""
    return ratelimit.hit(ratelimit.STATUS_PAGE, client_address(request))


def _respond(request: HttpRequest, template: str, context: dict, status: int = 200):
    response = render(request, template, context, status=status)
    for name, value in HEADERS.items():
        response[name] = value
    if context.get("pay_online"):
        # The Pay button's post is answered with a redirect to Stripe Checkout, which the
        # browser follows only if the page's form-action allows it.
        response._csp_update = {"form-action": [settings.STRIPE_CHECKOUT_ORIGIN]}
    return response


def gone(request: HttpRequest) -> HttpResponse:
    """Unknown, guessed, revoked or expired: one page, so a guess learns nothing."""
    return _respond(request, "notifications/status_gone.html", {}, status=404)


def slow_down(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = _respond(request, "notifications/status_slow_down.html", {}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _linked(token_hash: str) -> QuerySet[WorksOrder]:
    return (
        WorksOrder.objects.all_shops()
        .select_related("shop", "branch", "device", "assigned_to__user")
        .defer("passcode_secret", "collection_signature_png")  # never needed here
        .filter(status_token_hash=token_hash)
        .order_by()[:1]  # the hash is unique: no ordering to work out or sort by
    )


# Every customer's click on an SMS link asks it: put together once (2 ms a time).
LINKED = Prepared(_linked, token_hash=str)


def find_works_order(token: str) -> WorksOrder | None:
    """The works order whose link this is, if it is still open to the customer. The token alone
    identifies it (and so the shop)."""
    if not 16 <= len(token) <= 64:
        return None
    with tenancy.all_shops():  # the token is global by design: it names the shop
        found = LINKED.fetch(token_hash=status_token_hash(token))
    if not found:
        return None
    works_order = found[0]
    tenancy.set_shop(works_order.shop_id)  # the rest of the request is that shop's
    ended = works_order.collected_at or works_order.cancelled_at
    if works_order.status in (Status.COLLECTED, Status.CANCELLED):
        ended = ended or works_order.created_at
        if ended < timezone.now() - datetime.timedelta(days=works_order.shop.status_page_days):
            return None
    return works_order


def progress(works_order: WorksOrder, reached: dict[str, datetime.datetime]) -> list[Step]:
    current = STEP_OF_STATUS.get(works_order.status)
    times = {
        "booked_in": works_order.created_at,
        "assigned": works_order.assigned_at or reached.get(Status.ASSIGNED),
        "bench": works_order.started_at or reached.get(Status.IN_PROGRESS),
        "quality_control": reached.get(Status.QUALITY_CONTROL),
        "ready": works_order.ready_at or reached.get(Status.READY),
        "collected": works_order.collected_at,
    }
    order = [key for key, _ in STEPS]
    position = order.index(current) if current else -1
    steps = []
    for index, (key, label) in enumerate(STEPS):
        if key == "bench" and works_order.status in BENCH_LABEL:
            label = BENCH_LABEL[works_order.status]
        steps.append(
            Step(
                label=label,
                at=times[key] if index <= position else None,
                done=index < position,
                current=index == position,
            )
        )
    return steps


_TABLES = {
    "line": QuoteLine._meta.db_table,
    "entry": TimelineEntry._meta.db_table,
    "job_part": WorksOrderPart._meta.db_table,
    "part": Part._meta.db_table,
    "po_line": PurchaseOrderLine._meta.db_table,
    "po": PurchaseOrder._meta.db_table,
    "approval": Approval._meta.db_table,
    "hours": OpeningHours._meta.db_table,
    "invoice_table": Invoice._meta.db_table,
}
# Everything on the page besides the works order itself, in one statement: the page is opened
# from every SMS link, and five ORM queries cost more in building their SQL than in running it.
# Money goes as text (JSON numbers would be floats); the visible-to-customer filter is the same
# as the timeline's: customer updates, and the status steps (entries with a "target"). Billing's
# part, the invoice with what is still owed on it, is billing's SQL (billing/selectors.py).
FACTS_SQL = """
SELECT
  (SELECT coalesce(json_agg(json_build_array(l.id, l.description, l.quantity::text,
                                             l.unit_price::text, l.vat_rate::text)
                            ORDER BY l.position, l.id), '[]')
     FROM {line} l
    WHERE l.shop_id = %(shop)s AND l.works_order_id = %(job)s),
  (SELECT coalesce(json_agg(json_build_array(e.at, e.text, e.note_kind, e.data ->> 'target')
                            ORDER BY e.at, e.id), '[]')
     FROM {entry} e
    WHERE e.shop_id = %(shop)s AND e.works_order_id = %(job)s
      AND (e.note_kind = %(customer)s OR e.data ? 'target')),
  (SELECT coalesce(json_agg(json_build_array(p.name, wp.status, o.expected_on, o.received_on)
                            ORDER BY wp.added_at, wp.id), '[]')
     FROM {job_part} wp
     JOIN {part} p ON p.id = wp.part_id
     JOIN {po_line} pl ON pl.id = wp.po_line_id
     JOIN {po} o ON o.id = pl.order_id
    WHERE wp.shop_id = %(shop)s AND wp.works_order_id = %(job)s AND wp.status <> %(released)s),
  (SELECT json_build_array(a.id, a.reason, a.previous_gross::text, a.new_gross::text, a.line_ids)
     FROM {approval} a
    WHERE a.shop_id = %(shop)s AND a.works_order_id = %(job)s AND a.approved IS NULL
      AND %(awaiting)s
    ORDER BY a.id DESC
    LIMIT 1),
  (SELECT coalesce(json_agg(json_build_array(h.weekday, h.opens, h.closes)
                            ORDER BY h.weekday), '[]')
     FROM {hours} h
    WHERE h.shop_id = %(shop)s AND h.branch_id = %(branch)s),
  {invoice},
  (SELECT coalesce(json_agg(json_build_array(i.number, i.kind, i.gross::text)
                            ORDER BY i.issued_at, i.id), '[]')
     FROM {invoice_table} i
    WHERE i.shop_id = %(shop)s AND i.works_order_id = %(job)s),
  {parcel}
""".format(
    invoice=invoice_owed_sql(shop="%(shop)s", works_order_id="%(job)s"),
    parcel=parcel_sql(shop="%(shop)s", works_order_id="%(job)s"),
    **_TABLES,
)


def _on(day: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(day) if day else None


def page_context(works_order: WorksOrder) -> dict:
    shop, branch = works_order.shop, works_order.branch
    currency = shop.currency
    with connection.cursor() as cursor:
        cursor.execute(
            FACTS_SQL,
            {
                "shop": shop.pk,
                "job": works_order.pk,
                "branch": branch.pk,
                "customer": NoteKind.CUSTOMER.value,
                "released": PartStatus.RELEASED.value,
                "awaiting": works_order.status == Status.AWAITING_APPROVAL,
            },
        )
        (
            line_rows,
            entry_rows,
            part_rows,
            approval_row,
            hours_rows,
            invoice_row,
            document_rows,
            parcel_row,
        ) = cursor.fetchone()
    lines = [
        QuoteLine(
            id=pk, description=text, quantity=Decimal(q), unit_price=Decimal(u), vat_rate=Decimal(v)
        )
        for pk, text, q, u, v in line_rows
    ]
    reached: dict[str, datetime.datetime] = {}
    updates = []
    for at, text, note_kind, target in entry_rows:
        at = datetime.datetime.fromisoformat(at)
        if target:
            reached[target] = at  # the latest time it got there
        if note_kind == NoteKind.CUSTOMER:
            updates.append({"at": at, "text": text})
    updates.reverse()
    parts = []
    for name, status, expected_on, received_on in part_rows:
        arrived = status in (PartStatus.RESERVED, PartStatus.USED)
        parts.append(
            {
                "name": name,
                "expected_on": None if arrived else _on(expected_on),
                "arrived": arrived,
                "arrived_on": _on(received_on) if arrived else None,
            }
        )
    approval = None
    if approval_row is not None:
        pk, reason, previous, new, line_ids = approval_row
        approval = Approval(
            id=pk,
            reason=reason,
            previous_gross=Decimal(previous),
            new_gross=Decimal(new),
            line_ids=line_ids,
        )
    opening_hours = [
        OpeningHours(
            weekday=day,
            opens=datetime.time.fromisoformat(opens),
            closes=datetime.time.fromisoformat(closes),
        )
        for day, opens, closes in hours_rows
    ]
    quote_total = sum((line.gross for line in lines), Decimal("0.00"))
    invoice_number, owed, exempt = "", None, False
    if invoice_row:
        invoice_number, owed, exempt = invoice_row[0], Decimal(invoice_row[1]), invoice_row[2]
    cancelled = works_order.status == Status.CANCELLED
    to_pay = owed is not None and owed > 0 and not exempt and not cancelled
    technician = (
        works_order.assigned_to.user.full_name.split()[:1] if works_order.assigned_to else []
    )
    return {
        "number": works_order.number,
        "status": works_order.status,
        "status_label": works_order.get_status_display(),
        "shop_name": shop.name,
        "branch_tz": branch.tz,
        "branch": {"name": branch.name, "phone": branch.phone, "address": branch.address},
        "opening_hours": opening_hours,
        "device": str(works_order.device),
        "technician_first_name": technician[0] if technician else "",
        "steps": progress(works_order, reached),
        "estimated_completion": works_order.ready_by if works_order.is_open else None,
        "parts": parts,
        "updates": updates,
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "gross": format_money(line.gross, currency),
                "extra": approval is not None and line.pk in approval.line_ids,
            }
            for line in lines
        ],
        "quote_total": format_money(quote_total, currency),
        "final_price": (
            format_money(works_order.final_price, currency)
            if works_order.final_price is not None
            else ""
        ),
        "approval": approval,
        # A mail-in's parcel: where it is, as staff recorded it, and its tracking number.
        "parcel": parcel_facts(parcel_row),
        "approval_previous": approval and format_money(approval.previous_gross, currency),
        "approval_new": approval and format_money(approval.new_gross, currency),
        "cancelled": cancelled,
        "invoice_number": invoice_number,
        "owed": format_money(owed, currency) if to_pay else "",
        "paid_in_full": owed is not None and owed <= 0,
        "no_payment_due": exempt,
        # Online payment: only with Stripe set up, for an issued invoice with money owed.
        "pay_online": to_pay and online_payment_configured(),
        # The invoice and its credit notes, each a PDF under this page's address.
        "documents": [
            {
                "number": number,
                "label": "Credit note" if kind == "credit_note" else "Invoice",
                "gross": format_money(Decimal(gross), currency),
            }
            for number, kind, gross in document_rows
        ],
    }


@csrf_protect
def status_page(request: HttpRequest, token: str) -> HttpResponse:
    if wait := over_rate_limit(request):
        return slow_down(request, wait)
    works_order = find_works_order(token)
    if works_order is None:
        return gone(request)  # whatever the method: an unknown token says nothing more
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    context = page_context(works_order)
    context["answer"] = request.GET.get("answer", "")
    # Back from Stripe's payment page: "done" says thank you once the payment is recorded
    # (Stripe's webhook), and until then that it is being confirmed; "cancelled" that nothing
    # was taken.
    payment = request.GET.get("payment", "")
    context["payment"] = payment if payment in ("done", "cancelled") else ""
    return _respond(request, "notifications/status.html", context)


def _amount(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError):
        return None


@csrf_exempt  # from the site-wide check only: StatusPageCsrf checks the token
@decorator_from_middleware(StatusPageCsrf)
@acting_as(STATUS_PAGE)
def status_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The customer approves or declines the change they were shown, and only that change."""
    if wait := over_rate_limit(request):
        return slow_down(request, wait)
    works_order = find_works_order(token)
    if works_order is None:
        return gone(request)
    if request.method != "POST":
        return redirect("status_page", token=token)
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        return redirect("status_page", token=token)
    with transaction.atomic():
        # Locked, so a double submit waits here and then finds the approval answered.
        approval = (
            Approval.objects.for_shop(works_order.shop_id)
            .select_for_update()
            .filter(works_order=works_order, approved__isnull=True)
            .first()
        )
        shown = (
            _amount(request.POST.get("previous_gross")),
            _amount(request.POST.get("new_gross")),
            request.POST.get("lines", ""),
        )
        current = None
        if approval is not None:
            current = (
                approval.previous_gross,
                approval.new_gross,
                ",".join(str(pk) for pk in approval.line_ids),
            )
        if approval is None or works_order.status != Status.AWAITING_APPROVAL:
            return refused_page(request, works_order, "This change has already been answered.")
        if shown != current:
            return refused_page(
                request,
                works_order,
                "The price changed after you opened this page, so nothing was recorded. "
                "Please look at the new amounts below and answer again.",
            )
        lines = list(
            QuoteLine.objects.for_shop(works_order.shop_id)
            .filter(pk__in=approval.line_ids)
            .values_list("description", flat=True)
        )
        evidence = {
            "at": timezone.now().isoformat(),
            "ip": client_address(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:500],
            "previous_gross": str(approval.previous_gross),
            "new_gross": str(approval.new_gross),
            "lines_shown": lines,
            "line_ids": approval.line_ids,
        }
        try:
            approval_record(
                works_order=works_order,
                approved=decision == "approve",
                method="web",
                by=None,
                evidence=evidence,
            )
        except ValidationError:
            return refused_page(request, works_order, "This change has already been answered.")
    return redirect(reverse("status_page", args=[token]) + f"?answer={decision}")


def refused_page(
    request: HttpRequest, works_order: WorksOrder, reason: str, status: int = 409
) -> HttpResponse:
    """The status page again, saying why what the customer asked for was not done."""
    works_order.refresh_from_db()
    context = page_context(works_order)
    context["refusal"] = reason
    return _respond(request, "notifications/status.html", context, status=status)
