"""The REST API, version 1: /api/v1/ (django-ninja; schema at /api/v1/openapi.json).

Thin like the views: load through the shop of the key (404 for anything else), validate with
the schemas, write only through the services the staff pages use — intake, devices, customers,
the lifecycle — so numbering, guards, timeline, audit and messages are the same as at the
counter. Errors are `{"errors": [{"field": …, "message": …}]}`.
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from api import schemas as s
from api.middleware import api_error
from customers.models import Customer
from customers.selectors import customer_search
from devices.models import Device
from devices.selectors import device_by_imei, device_by_serial
from parts.models import Part
from parts.selectors import with_stock
from pricebook.selectors import priced_entries, quote_lines_for, quote_option
from shops.models import Branch, Membership, Role
from tickets.models import TimelineEntry, TransitionRefused, WorksOrder


class KeyAuth(HttpBearer):
    """The key was checked by api.middleware.ApiKeyMiddleware (keys.key_for_request); this
    only says so to ninja, and puts the scheme in the schema."""

    def authenticate(self, request: HttpRequest, token: str):
        return getattr(request, "api_key", None)


api = NinjaAPI(
    title="Benchdesk API",
    version="1",
    description=(
        "Per-shop API keys (Settings → API keys): `Authorization: Bearer bdk_…`. Read keys may "
        'only GET. Errors are `{"errors": [{"field": …, "message": …}]}`.'
    ),
    auth=KeyAuth(),
    urls_namespace="api-v1",
    docs_url="/docs",
)

STATUSES = Literal[
    "intake",
    "assigned",
    "in_progress",
    "awaiting_parts",
    "awaiting_approval",
    "quality_control",
    "ready",
    "collected",
    "cancelled",
]
COMMON_ERRORS = {401: s.Errors, 403: s.Errors, 404: s.Errors, 422: s.Errors, 429: s.Errors}


# Errors --------------------------------------------------------------------------------


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    errors = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        # ("body", "data", "step") → "step": the payload's parameter name means nothing outside.
        loc = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
        errors.append({"field": ".".join(loc) or None, "message": error.get("msg", "Invalid.")})
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(DjangoValidationError)
def _refused(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": None if field == "__all__" else field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": None, "message": message} for message in exc.messages]
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(TransitionRefused)
def _transition_refused(request, exc: TransitionRefused):
    return api_error(409, str(exc) or "That step is not possible now.", "step")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api_error(404, "Not found.")


@api.exception_handler(ObjectDoesNotExist)
def _no_such(request, exc):
    return api_error(404, "Not found.")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api_error(401, "Send a valid, unrevoked API key: Authorization: Bearer bdk_…")


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api_error(403, str(exc) or "Not allowed.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return api_error(exc.status_code, str(exc))


def _may_write(request: HttpRequest) -> None:
    if not request.api_key.may_write:
        raise PermissionDenied("This API key may only read: make a read and write key.")


# Customers ------------------------------------------------------------------------------


def _page(rows: list, limit: int, cursor_of) -> tuple[list, str | None]:
    """Keyset paging: one row more than asked says whether there is a next page."""
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(cursor_of(rows[-1])) if more and rows else None)


@api.get("/customers", response={200: s.CustomerPage, **COMMON_ERRORS}, tags=["customers"])
def customers_list(
    request,
    q: s.Text(100) = "",
    cursor: s.Id | None = None,
    limit: s.Limit = 50,
):
    """Customers, newest first; `q` searches name, phone and email as the counter does."""
    rows = customer_search(request.shop, q) if q else Customer.objects.for_shop(request.shop)
    rows = rows.order_by("-id")
    if cursor:
        rows = rows.filter(id__lt=cursor)
    items, next_cursor = _page(list(rows[: limit + 1]), limit, lambda c: c.pk)
    return {"items": items, "next": next_cursor}


@api.get(
    "/customers/{customer_id}", response={200: s.CustomerOut, **COMMON_ERRORS}, tags=["customers"]
)
def customer_read(request, customer_id: s.Id):
    return get_object_or_404(Customer.objects.for_shop(request.shop), pk=customer_id)


@api.post("/customers", response={201: s.CustomerOut, **COMMON_ERRORS}, tags=["customers"])
def customer_create(request, data: s.CustomerIn):
    from customers.services import customer_create as create

    _may_write(request)
    return Status(201, create(shop=request.shop, **data.dict()))


# Devices --------------------------------------------------------------------------------


@api.get("/devices/lookup", response={200: s.DeviceOut, **COMMON_ERRORS}, tags=["devices"])
def device_lookup(request, imei: s.Text(40) = "", serial: s.Text(40) = ""):
    """The device on file with this IMEI (spaces and dashes allowed) or serial number."""
    device = device_by_imei(request.shop, imei) if imei else None
    if device is None and serial:
        device = device_by_serial(request.shop, serial)
    if device is None:
        raise Http404
    return device


@api.get("/devices/{device_id}", response={200: s.DeviceOut, **COMMON_ERRORS}, tags=["devices"])
def device_read(request, device_id: s.Id):
    return get_object_or_404(Device.objects.for_shop(request.shop), pk=device_id)


@api.post("/devices", response={201: s.DeviceOut, **COMMON_ERRORS}, tags=["devices"])
def device_create(request, data: s.DeviceIn):
    """A customer's device; one already on file with the same IMEI or serial is that device
    (it moves to this customer, its history kept), as at the counter."""
    from devices.services import device_for_intake

    _may_write(request)
    customer = get_object_or_404(Customer.objects.for_shop(request.shop), pk=data.customer_id)
    fields = data.dict(exclude={"customer_id"})
    return Status(201, device_for_intake(shop=request.shop, customer=customer, **fields))


# Works orders ---------------------------------------------------------------------------


def _by(entry: TimelineEntry) -> str:
    if entry.data.get("via"):
        return entry.data["via"]
    return entry.actor.user.full_name if entry.actor else "Benchdesk"


def _works_order_out(wo: WorksOrder) -> dict:
    return {
        "number": wo.number,
        "status": wo.status,
        "branch": wo.branch.code,
        "customer_id": wo.customer_id,
        "device_id": wo.device_id,
        "priority": wo.priority,
        "fault_reported": wo.fault_reported,
        "assigned_to": wo.assigned_to.user.full_name if wo.assigned_to else None,
        "created_at": wo.created_at,
        "status_since": wo.status_since,
        "sla_due_at": wo.sla_due_at,
        "agreed_gross": wo.agreed_gross,
        "final_price": wo.final_price,
    }


def _works_orders(request):
    return WorksOrder.objects.for_shop(request.shop).select_related("branch", "assigned_to__user")


def _works_order(request, number: str) -> WorksOrder:
    return get_object_or_404(_works_orders(request), number=number)


def _detail(wo: WorksOrder) -> dict:
    timeline = (
        TimelineEntry.objects.for_shop(wo.shop_id)
        .filter(works_order=wo)
        .select_related("actor__user")
        .order_by("at", "id")
    )
    return {
        **_works_order_out(wo),
        "lines": list(wo.lines.order_by("position", "id")),
        "timeline": [
            {"at": e.at, "event": e.event, "text": e.text, "by": _by(e)} for e in timeline
        ],
    }


@api.get("/works-orders", response={200: s.WorksOrderPage, **COMMON_ERRORS}, tags=["works orders"])
def works_orders_list(
    request,
    status: STATUSES | None = None,
    branch: s.Text(10) = "",
    cursor: s.Id | None = None,
    limit: s.Limit = 50,
):
    """Works orders, newest first, by keyset: pass `next` back as `cursor` for the next page."""
    rows = _works_orders(request).order_by("-id")
    if status:
        rows = rows.filter(status=status)
    if branch:
        rows = rows.filter(branch__code=branch)
    if cursor:
        rows = rows.filter(id__lt=cursor)
    items, next_cursor = _page(list(rows[: limit + 1]), limit, lambda wo: wo.pk)
    return {"items": [_works_order_out(wo) for wo in items], "next": next_cursor}


@api.get(
    "/works-orders/{number}",
    response={200: s.WorksOrderDetail, **COMMON_ERRORS},
    tags=["works orders"],
)
def works_order_read(request, number: s.Text(30)):
    return _detail(_works_order(request, number))


@api.post(
    "/works-orders",
    response={201: s.WorksOrderDetail, **COMMON_ERRORS},
    tags=["works orders"],
)
def works_order_create(request, data: s.WorksOrderIn):
    """Book a job in through the counter's intake (numbering, SLA, timeline, the customer's
    message). Give `customer_id` or `new_customer`. It waits in intake for the customer's
    consent, taken at the counter."""
    from tickets.services import works_order_intake

    _may_write(request)
    branch = get_object_or_404(
        Branch.objects.for_shop(request.shop), code=data.branch, is_active=True
    )
    customer = None
    if data.customer_id is not None:
        customer = get_object_or_404(Customer.objects.for_shop(request.shop), pk=data.customer_id)
    elif data.new_customer is None:
        raise DjangoValidationError({"customer_id": "Give customer_id or new_customer."})
    lines, parts, repair_type_id = [], [], None
    for option_id in data.option_ids:
        try:
            option = quote_option(request.shop, option_id)
        except ObjectDoesNotExist:
            raise DjangoValidationError(
                {"option_ids": f"No pricebook option {option_id}."}
            ) from None
        lines += quote_lines_for(option)
        parts += [(use.part_id, use.quantity, option.repair_type) for use in option.parts]
        repair_type_id = repair_type_id or option.repair_type_id
    device = data.device.dict()
    device = {key: value for key, value in device.items() if value or key in ("imei", "serial")}
    works_order = works_order_intake(
        branch=branch,
        by=request.member,
        customer=customer,
        new_customer=None if customer else data.new_customer.dict(),
        device=device,
        details={
            "fault_reported": data.fault_reported,
            "priority": data.priority,
            "repair_type_id": repair_type_id,
        },
        lines=lines,
        parts=parts,
    )
    return Status(201, _detail(_works_order(request, works_order.number)))


@api.post(
    "/works-orders/{number}/steps",
    response={200: s.WorksOrderDetail, 409: s.Errors, **COMMON_ERRORS},
    tags=["works orders"],
)
def works_order_step(request, number: s.Text(30), data: s.StepIn):
    """Move the job one step through the lifecycle, as the board does: the same guards apply
    (consent before assigning, a final price before QC, QC by someone other than the
    repairer, payment before collection…). A refused step is 409 with the reason."""
    from tickets.lifecycle import works_order_advance

    _may_write(request)
    works_order = _works_order(request, number)
    inputs: dict = {}
    if data.step == "assign":
        if data.technician_id is None:
            raise DjangoValidationError({"technician_id": "Say which technician."})
        inputs["technician"] = get_object_or_404(
            Membership.objects.for_shop(request.shop).filter(role=Role.TECHNICIAN),
            pk=data.technician_id,
        )
    elif data.step in ("wait_for_parts", "resume", "cancel"):
        inputs["reason"] = data.reason
    elif data.step in ("pass_qc", "fail_qc"):
        inputs["results"] = {k: v.dict() for k, v in data.results.items()}
    elif data.step == "collect":
        inputs |= {"signed_name": data.signed_name, "signature_png": None}
    works_order_advance(works_order=works_order, step=data.step, by=request.member, **inputs)
    return _detail(_works_order(request, number))


# Pricebook and stock --------------------------------------------------------------------


@api.get("/pricebook", response={200: s.PricebookPage, **COMMON_ERRORS}, tags=["pricebook"])
def pricebook_list(request, cursor: s.Id | None = None, limit: s.Limit = 50):
    """The shop's pricebook entries and their priced options (gross as the customer pays)."""
    from pricebook.selectors import entry_options

    rows = priced_entries(request.shop).order_by("id")
    if cursor:
        rows = rows.filter(id__gt=cursor)
    entries, next_cursor = _page(list(rows[: limit + 1]), limit, lambda e: e.pk)
    items = [
        {
            "id": entry.pk,
            "device_model": str(entry.device_model),
            "repair_type": entry.repair_type.name,
            "is_active": entry.is_active,
            "options": [
                {
                    "id": o.option_id,
                    "grade": o.grade,
                    "price": o.price,
                    "price_gross": o.price_gross,
                    "warranty_days": o.warranty_days,
                    "labour_minutes": o.labour_minutes,
                }
                for o in entry_options(request.shop, entry)
            ],
        }
        for entry in entries
    ]
    return {"items": items, "next": next_cursor}


@api.get("/stock", response={200: s.StockPage, **COMMON_ERRORS}, tags=["stock"])
def stock_levels(request, branch: s.Text(10, 1), cursor: s.Id | None = None, limit: s.Limit = 100):
    """Stock levels of the shop's parts at one branch."""
    where = get_object_or_404(Branch.objects.for_shop(request.shop), code=branch)
    parts = with_stock(Part.objects.for_shop(request.shop), request.shop, where).order_by("id")
    parts = parts.filter(Q(is_active=True) | ~Q(on_hand=0))
    if cursor:
        parts = parts.filter(id__gt=cursor)
    rows, next_cursor = _page(list(parts[: limit + 1]), limit, lambda p: p.pk)
    items = [
        {
            "part_id": p.pk,
            "part_number": p.part_number,
            "name": p.name,
            "on_hand": p.on_hand,
            "reserved": p.reserved,
            "available": p.available,
            "on_order": p.on_order,
            "reorder_point": p.reorder_point,
        }
        for p in rows
    ]
    return {"branch": where.code, "items": items, "next": next_cursor}
