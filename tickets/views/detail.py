"""The works-order page and the actions on it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from customers.selectors import returning_customer
from shops.access import ShopRequest, shop_member_required
from shops.models import COUNTER, MANAGERS, Role
from shops.services import PhotoStorageFull
from tickets import bench_parts, board, services
from tickets.access import get_photo, get_works_order
from tickets.forms import (
    ApprovalForm,
    AssignForm,
    CancelForm,
    ConsentForm,
    DiagnosisForm,
    ExtraWorkForm,
    FinalPriceForm,
    NoteForm,
    PartFittedForm,
    PartNeededForm,
    PhotosForm,
    PlanForm,
    TimeEntryForm,
)
from tickets.lifecycle import allowed_steps, auto_assign
from tickets.models import (
    Approval,
    Consent,
    Photo,
    QuoteLine,
    Status,
    TimeEntry,
    TimelineEntry,
    TransitionRefused,
    WorksOrder,
)

# Roles that may ask for a passcode at all; services.may_see_passcode narrows technicians to
# the one the job is assigned to.
PASSCODE_ROLES = (*MANAGERS, Role.TECHNICIAN)


def _page_works_order(request: ShopRequest, number: str) -> WorksOrder:
    """The works order with everything the page shows, in a fixed number of queries."""
    shop = request.shop
    works_orders = (
        WorksOrder.objects.for_shop(shop)
        .select_related(
            "branch",
            "customer",
            "device",
            "assigned_to__user",
            "created_by__user",
            "consent__recorded_by__user",
            "consent__terms",
            "qc_signed_by__user",
        )
        .annotate(returning=returning_customer(shop))
    )
    works_order = get_object_or_404(works_orders, number=number)
    works_order.shop = shop  # the same row: the guards and the page read it from here
    lookups = [
        Prefetch("lines", queryset=QuoteLine.objects.for_shop(shop)),
        Prefetch("photos", queryset=Photo.objects.for_shop(shop)),
        Prefetch(
            "timeline",
            queryset=TimelineEntry.objects.for_shop(shop).select_related("actor__user"),
        ),
    ]
    if _on_the_bench(works_order):  # bench time and approvals show only while it is worked on
        lookups += [
            Prefetch(
                "time_entries",
                queryset=TimeEntry.objects.for_shop(shop).select_related("technician__user"),
            ),
            Prefetch(
                "approvals",
                queryset=Approval.objects.for_shop(shop).select_related("requested_by__user"),
            ),
        ]
    prefetch_related_objects([works_order], *lookups)
    return works_order


def _on_the_bench(works_order: WorksOrder) -> bool:
    return works_order.is_open and works_order.status != Status.INTAKE


def _consent_of(works_order: WorksOrder) -> Consent | None:
    try:
        return works_order.consent
    except Consent.DoesNotExist:
        return None


def _bench(request: ShopRequest, works_order: WorksOrder, forms: dict) -> dict:
    """What the bench section shows while the job is worked on: time, the approval waiting,
    and its forms."""
    entries = list(works_order.time_entries.all())
    return {
        "time_entries": entries,
        "minutes_logged": sum(entry.minutes for entry in entries),
        "my_timer": next(
            (e for e in entries if e.ended_at is None and e.technician_id == request.member.pk),
            None,
        ),
        "waiting_approval": next(
            (a for a in works_order.approvals.all() if a.approved is None), None
        ),
        "diagnosis_form": forms.get("diagnosis_form")
        or DiagnosisForm(
            prefix="diagnosis",
            initial={"diagnosis": works_order.diagnosis, "codes": works_order.diagnostic_codes},
        ),
        "time_form": forms.get("time_form") or TimeEntryForm(prefix="time"),
        "extra_form": forms.get("extra_form")
        or ExtraWorkForm(
            prefix="extra", vat_rate=request.shop.vat_rate, may_discount=request.member.is_manager
        ),
        "approval_form": forms.get("approval_form") or ApprovalForm(prefix="approval"),
        "fit_form": forms.get("fit_form") or PartFittedForm(prefix="fit"),
    }


def _can_reassign(member, works_order: WorksOrder) -> bool:
    """Assigned jobs change hands at the counter until work starts; after that, managers."""
    if works_order.status == Status.INTAKE or member.role not in COUNTER:
        return False
    return member.is_manager or works_order.started_at is None


def _open_job(
    request: ShopRequest, works_order: WorksOrder, consent: Consent | None, gross, forms: dict
) -> dict:
    """The forms an open job's page offers: plan, reassigning, final price, consent, cancelling."""
    price = works_order.final_price
    reassign_form = forms.get("reassign_form")
    if reassign_form is None and _can_reassign(request.member, works_order):
        technicians = board.workload(request.shop, works_order.branch)
        reassign_form = AssignForm(
            prefix="reassign",
            technicians=technicians,
            initial={"technician": works_order.assigned_to_id},
        )
    return {
        "need_form": forms.get("need_form") or PartNeededForm(prefix="need"),
        "reassign_form": reassign_form,
        "plan_form": forms.get("plan_form") or PlanForm(prefix="plan", instance=works_order),
        "price_form": forms.get("price_form")
        or (
            FinalPriceForm(prefix="price", initial={"amount": gross if price is None else price})
            if services.may_set_final_price(request.member, works_order)
            else None
        ),
        "consent_form": forms.get("consent_form")
        or (None if consent else ConsentForm(prefix="consent", allow_later=False)),
        "cancel_form": forms.get("cancel_form") or CancelForm(prefix="cancel"),
    }


def _qc_rows(works_order: WorksOrder) -> list[tuple[str, dict]]:
    """The last QC's results in the order of the shop's checklist (the database keeps them by
    name); checks since taken off the list come last."""
    order = {item: i for i, item in enumerate(works_order.shop.qc_checklist)}
    return sorted(works_order.qc_results.items(), key=lambda row: order.get(row[0], len(order)))


def _render(request: ShopRequest, works_order: WorksOrder, **forms) -> HttpResponse:
    lines = list(works_order.lines.all())
    net, vat, gross = services.quote_totals(lines)
    consent = _consent_of(works_order)
    context = {
        "wo": works_order,
        "lines": lines,
        "totals": {"net": net, "vat": vat, "gross": gross},
        "consent": consent,
        "returning": works_order.returning,
        "can_see_passcode": services.may_see_passcode(request.member, works_order),
        "can_cancel": request.member.role in COUNTER and works_order.is_open,
        # "Move to…" as on the board; cancelling has its own panel on this page.
        "move_steps": [
            entry for entry in allowed_steps(works_order, request.member) if entry.step != "cancel"
        ],
        "photos_form": forms.get("photos_form") or PhotosForm(prefix="photos"),
        "note_form": forms.get("note_form") or NoteForm(prefix="note"),
        "qc_rows": _qc_rows(works_order),
        "part_lines": bench_parts.parts_of(works_order),
    }
    if works_order.is_open:
        context |= _open_job(request, works_order, consent, gross, forms)
    if _on_the_bench(works_order):
        context |= _bench(request, works_order, forms)
    status = 400 if any(f.errors for f in forms.values() if f is not None) else 200
    return render(request, "tickets/detail.html", context, status=status)


def assign_if_automatic(request: ShopRequest, works_order: WorksOrder) -> str:
    """Where the shop assigns new jobs automatically, give this one to a technician now that it
    may leave intake. Returns ", assigned to Jack" for the message, or ""."""
    try:
        works_order = auto_assign(works_order=works_order, by=request.member)
    except TransitionRefused as refused:
        messages.warning(request, f"{works_order.number} was not assigned automatically: {refused}")
        return ""
    if works_order.assigned_to_id is None:
        return ""
    return f", assigned to {works_order.assigned_to.user.first_name}"


def render_detail(request: ShopRequest, number: str, **forms) -> HttpResponse:
    """The works-order page again, showing the form that had a problem."""
    return _render(request, _page_works_order(request, number), **forms)


@shop_member_required()
def works_order_detail(request: ShopRequest, number: str) -> HttpResponse:
    return _render(request, _page_works_order(request, number))


@never_cache
@shop_member_required(*PASSCODE_ROLES)
def passcode_reveal(request: ShopRequest, number: str) -> HttpResponse:
    works_order = get_works_order(request, number)
    if request.method != "POST":
        return redirect(works_order_detail, number=number)
    try:
        passcode = services.passcode_reveal(works_order=works_order, by=request.member)
    except (ValidationError, ValueError) as refused:
        passcode, problem = None, " ".join(getattr(refused, "messages", [str(refused)]))
    else:
        problem = ""
    context = {"wo": works_order, "passcode": passcode, "problem": problem}
    return render(request, "tickets/detail.html#passcode", context)


@shop_member_required()
def photo_add(request: ShopRequest, number: str) -> HttpResponse:
    works_order = get_works_order(request, number)
    if request.method != "POST":
        return redirect(works_order_detail, number=number)
    form = PhotosForm(request.POST, request.FILES, prefix="photos")
    form.fields["photos"].required = True
    if form.is_valid():
        try:
            added = services.photos_add(
                works_order=works_order, images=form.cleaned_data["photos"], by=request.member
            )
        except PhotoStorageFull as refused:
            form.add_error("photos", refused)
        else:
            count = len(added)
            messages.success(request, f"{count} photo{'s' if count > 1 else ''} added.")
            return redirect(works_order_detail, number=number)
    return _render(request, _page_works_order(request, number), photos_form=form)


@shop_member_required()
def photo_file(request: ShopRequest, number: str, photo_id: int) -> HttpResponse:
    """Photos are private: served only to this shop's staff, never from a public media URL."""
    photo = get_photo(request, get_works_order(request, number), photo_id)
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@shop_member_required(*COUNTER)
def consent_record(request: ShopRequest, number: str) -> HttpResponse:
    works_order = get_works_order(request, number)
    if request.method != "POST":
        return redirect(works_order_detail, number=number)
    form = ConsentForm(request.POST, prefix="consent", allow_later=False)
    if form.is_valid():
        try:
            services.consent_record(
                works_order=works_order, consent=form.consent(), by=request.member
            )
        except ValidationError as refused:  # e.g. taken meanwhile at the other counter
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(
                request, f"Consent recorded{assign_if_automatic(request, works_order)}."
            )
        return redirect(works_order_detail, number=number)
    return _render(request, _page_works_order(request, number), consent_form=form)


@shop_member_required()
def note_add(request: ShopRequest, number: str) -> HttpResponse:
    works_order = get_works_order(request, number)
    if request.method != "POST":
        return redirect(works_order_detail, number=number)
    form = NoteForm(request.POST, prefix="note")
    if form.is_valid():
        services.note_add(works_order=works_order, by=request.member, **form.cleaned_data)
        messages.success(request, "Note added.")
        return redirect(works_order_detail, number=number)
    return _render(request, _page_works_order(request, number), note_form=form)


@shop_member_required(*COUNTER)
def works_order_cancel(request: ShopRequest, number: str) -> HttpResponse:
    works_order = get_works_order(request, number)
    if request.method != "POST":
        return redirect(works_order_detail, number=number)
    form = CancelForm(request.POST, prefix="cancel")
    if form.is_valid():
        try:
            services.works_order_cancel(
                works_order=works_order, reason=form.cleaned_data["reason"], by=request.member
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(request, f"{works_order.number} cancelled. Its number is retired.")
        return redirect(works_order_detail, number=number)
    return _render(request, _page_works_order(request, number), cancel_form=form)
