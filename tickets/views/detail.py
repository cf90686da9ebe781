"""The works-order page and the actions on it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache

from customers.selectors import returning_customer
from shops.access import ShopRequest, shop_member_required
from shops.models import COUNTER, MANAGERS, Branch, Role
from shops.prepared import Prepared, keep_as_prefetched
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
    TransferForm,
)
from tickets.lifecycle import allowed_steps, auto_assign
from tickets.models import (
    Approval,
    BranchTransfer,
    ChecklistItem,
    Consent,
    Photo,
    QuoteLine,
    Status,
    TimeEntry,
    TimelineEntry,
    TransitionRefused,
    WorksOrder,
)
from tickets.sla_status import sla_status
from tickets.transfers import (
    may_move,
    transfers_of,
    works_order_receive,
    works_order_transfer,
)
from tickets.warranty import day_text, return_refusal, today_at, warranty_of, warranty_returns

# Roles that may ask for a passcode at all; services.may_see_passcode narrows technicians to
# the one the job is assigned to.
PASSCODE_ROLES = (*MANAGERS, Role.TECHNICIAN)


def _page_query(shop_id: int, number: str, now: datetime.datetime) -> QuerySet:
    """The works order with everything the page shows about it in one query."""
    return (
        WorksOrder.objects.for_shop(shop_id)
        .filter(number=number)
        .select_related(
            "branch",
            "customer",
            "device",
            "assigned_to__user",
            "created_by__user",
            "consent__recorded_by__user",
            "consent__terms",
            "qc_signed_by__user",
            "warranty_return_of",
        )
        .annotate(
            returning=returning_customer(shop_id),
            came_back_as=warranty_returns(shop_id),
            has_parts=bench_parts.has_parts(shop_id),
            sla_status=sla_status(now),
            # Whether "Move to another branch" has somewhere to go, and "Moved from" to say.
            other_branch=Exists(
                Branch.objects.filter(shop_id=OuterRef("shop_id"), is_active=True).exclude(
                    pk=OuterRef("branch_id")
                )
            ),
            has_checklist=Exists(
                ChecklistItem.objects.filter(
                    shop_id=OuterRef("shop_id"), works_order=OuterRef("pk")
                )
            ),
            moved=Exists(
                BranchTransfer.objects.filter(
                    shop_id=OuterRef("shop_id"), works_order=OuterRef("pk")
                )
            ),
        )
    )


# The page is the most asked-for in the shop: its query is put together once (3.7 ms a time).
PAGE_QUERY = Prepared(_page_query, shop_id=int, number=str, now=datetime.datetime)


def _of_the_job(model: type[Model], *related: str) -> Prepared:
    """A job's rows of `model` (e.g. its quote lines), with their related rows, the model's
    order: read for the page as works_order.<related name>.all() (keep_as_prefetched)."""

    def build(shop_id: int, works_order_id: int) -> QuerySet:
        rows = model.objects.for_shop(shop_id).filter(works_order_id=works_order_id)
        return rows.select_related(*related)

    build.__qualname__ = f"the {model._meta.verbose_name_plural} of a job"
    return Prepared(build, shop_id=int, works_order_id=int)


PAGE_LISTS = {
    "lines": _of_the_job(QuoteLine),
    "photos": _of_the_job(Photo),
    "timeline": _of_the_job(TimelineEntry, "actor__user"),
}
# Bench time and approvals show only while the job is worked on.
BENCH_LISTS = {
    "time_entries": _of_the_job(TimeEntry, "technician__user"),
    "approvals": _of_the_job(Approval, "requested_by__user"),
}


def _page_works_order(request: ShopRequest, number: str) -> WorksOrder:
    """The works order with everything the page shows, in a fixed number of queries."""
    shop = request.shop
    found = PAGE_QUERY.fetch(shop_id=shop.pk, number=number, now=timezone.now())
    if not found:
        raise Http404("No such works order.")
    works_order = found[0]
    works_order.shop = shop  # the same row: the guards and the page read it from here
    lists = {**PAGE_LISTS, **(BENCH_LISTS if _on_the_bench(works_order) else {})}
    for name, prepared in lists.items():
        rows = prepared.fetch(shop_id=shop.pk, works_order_id=works_order.pk)
        keep_as_prefetched(works_order, name, rows)
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
    and its forms (the collapsed ones are PANELS)."""
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
    """The forms an open job's page shows open: final price and consent."""
    price = works_order.final_price
    return {
        "price_form": forms.get("price_form")
        or (
            FinalPriceForm(prefix="price", initial={"amount": gross if price is None else price})
            if services.may_set_final_price(request.member, works_order)
            else None
        ),
        "consent_form": forms.get("consent_form")
        or (None if consent else ConsentForm(prefix="consent", allow_later=False)),
    }


# Panels ------------------------------------------------------------------------------------
# The page's collapsed panels draw their forms only when opened: drawing a form field costs
# about 0.18 ms, and a job on the bench has some fifteen fields behind "Reassign", "Change
# priority or timing", "Cancel job", "Add time…", "Add extra work…" and "Add a part…". Closed,
# a panel is a placeholder that fetches works_order_panel (HTMX) when opened; without
# JavaScript its link opens the page with ?panel=NAME. A form sent back with errors is drawn
# open, with them.


def _reassign_form(request: ShopRequest, works_order: WorksOrder) -> AssignForm:
    return AssignForm(
        prefix="reassign",
        technicians=board.workload(request.shop, works_order.branch),
        initial={"technician": works_order.assigned_to_id},
    )


def _extra_form(request: ShopRequest, works_order: WorksOrder) -> ExtraWorkForm:
    return ExtraWorkForm(
        prefix="extra", vat_rate=request.shop.vat_rate, may_discount=request.member.is_manager
    )


def _transfer_form(request: ShopRequest, works_order: WorksOrder) -> TransferForm:
    return TransferForm(
        prefix="transfer", shop_id=request.shop.pk, current_branch_id=works_order.branch_id
    )


def _may_transfer(request: ShopRequest, works_order: WorksOrder) -> bool:
    if not (works_order.is_open and may_move(request.member)):
        return False
    other = getattr(works_order, "other_branch", None)  # annotated on the page's works order
    if other is None:
        others = Branch.objects.for_shop(request.shop).filter(is_active=True)
        other = others.exclude(pk=works_order.branch_id).exists()
    return other


@dataclass(frozen=True)
class Panel:
    shown: Callable[[ShopRequest, WorksOrder], bool]  # whether the page offers it
    form: Callable[[ShopRequest, WorksOrder], django_forms.Form]  # its form, unbound

    @staticmethod
    def key(name: str) -> str:
        return f"{name}_form"  # the form's name in the template, e.g. time_form


PANELS = {
    "reassign": Panel(lambda r, wo: wo.is_open and _can_reassign(r.member, wo), _reassign_form),
    "plan": Panel(lambda r, wo: wo.is_open, lambda r, wo: PlanForm(prefix="plan", instance=wo)),
    "cancel": Panel(
        lambda r, wo: r.member.role in COUNTER and wo.is_open,
        lambda r, wo: CancelForm(prefix="cancel"),
    ),
    "time": Panel(lambda r, wo: _on_the_bench(wo), lambda r, wo: TimeEntryForm(prefix="time")),
    "extra": Panel(lambda r, wo: _on_the_bench(wo), _extra_form),
    "need": Panel(lambda r, wo: wo.is_open, lambda r, wo: PartNeededForm(prefix="need")),
    "transfer": Panel(_may_transfer, _transfer_form),
}


def _panels(request: ShopRequest, works_order: WorksOrder, forms: dict) -> dict:
    """The panels the page offers, each with its form if it is drawn open: the one sent back
    with errors, or the one asked for by ?panel= (the no-JavaScript way in)."""
    asked = request.GET.get("panel", "")
    context = {"panels": {}}
    for name, panel in PANELS.items():
        if not panel.shown(request, works_order):
            continue
        form = forms.get(Panel.key(name))
        if form is None and name == asked:
            form = panel.form(request, works_order)
        context["panels"][name] = form is not None  # True: open, False: a placeholder
        context[Panel.key(name)] = form
    return context


@shop_member_required()
def works_order_panel(request: ShopRequest, number: str, panel: str) -> HttpResponse:
    """A collapsed panel's form, fetched when it is opened."""
    works_order = get_works_order(request, number)  # another shop's number: 404, whatever asks
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    found = PANELS.get(panel)
    if found is None:
        raise Http404("No such panel.")
    if not found.shown(request, works_order):
        raise PermissionDenied("This job does not offer that to you.")
    if not request.htmx:  # opened as a page: the works order with this panel open
        url = reverse("works_order_detail", args=[number])
        response = redirect(f"{url}?panel={panel}#{panel}-panel")
    else:
        context = {"wo": works_order, Panel.key(panel): found.form(request, works_order)}
        response = render(request, f"tickets/detail.html#{panel}-form", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


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
        # "Move to…" as on the board; cancelling has its own panel on this page.
        "move_steps": [
            entry for entry in allowed_steps(works_order, request.member) if entry.step != "cancel"
        ],
        "photos_form": forms.get("photos_form") or PhotosForm(prefix="photos"),
        "note_form": forms.get("note_form") or NoteForm(prefix="note"),
        "qc_rows": _qc_rows(works_order),
        "part_lines": bench_parts.parts_of(works_order) if works_order.has_parts else [],
        "transfers": transfers_of(works_order) if works_order.moved else [],
        "checklist": list(
            ChecklistItem.objects.for_shop(works_order.shop_id)
            .filter(works_order=works_order)
            .select_related("done_by__user")
        )
        if works_order.has_checklist
        else [],
    }
    if works_order.is_open:
        context |= _open_job(request, works_order, consent, gross, forms)
    if _on_the_bench(works_order):
        context |= _bench(request, works_order, forms)
        # Likely parts from similar jobs: for the technician on the job.
        context["show_likely_parts"] = works_order.assigned_to_id == request.member.pk
    context |= _panels(request, works_order, forms)
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


@shop_member_required()
def works_order_timeline(request: ShopRequest, number: str) -> HttpResponse:
    """The page's timeline entries again, after a panel wrote to it (tickets.middleware)."""
    works_order = get_works_order(request, number)  # another shop's number: 404, whatever asks
    if not request.htmx:
        return redirect(reverse("works_order_detail", args=[number]) + "#timeline")
    rows = PAGE_LISTS["timeline"].fetch(shop_id=request.shop.pk, works_order_id=works_order.pk)
    keep_as_prefetched(works_order, "timeline", rows)
    response = render(request, "tickets/detail.html#timeline-entries", {"wo": works_order})
    patch_vary_headers(response, ["HX-Request"])
    return response


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
                works_order=works_order, by=request.member, **form.cleaned_data
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(request, f"{works_order.number} cancelled. Its number is retired.")
        return redirect(works_order_detail, number=number)
    return _render(request, _page_works_order(request, number), cancel_form=form)


@shop_member_required()
def works_order_warranty(request: ShopRequest, number: str) -> HttpResponse:
    """A collected job's warranty: until when, and "Book a warranty return" for the counter
    while it lasts (outside it, when it ended). Fetched after the page has drawn."""
    works_order = get_works_order(request, number)  # another shop's number: 404
    warranty = warranty_of(works_order)
    refusal = return_refusal(works_order, warranty, today_at(works_order))
    context = {
        "wo": works_order,
        "warranty": warranty,
        "until": day_text(warranty.until) if warranty.until else "",
        "refusal": refusal,
        "may_book": not refusal and request.member.role in COUNTER,
    }
    template = "tickets/warranty.html#panel" if request.htmx else "tickets/warranty.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@shop_member_required()
def works_order_move_branch(request: ShopRequest, number: str) -> HttpResponse:
    """Send the job to another branch (the panel's form); refused moves say why."""
    works_order = get_works_order(request, number)
    if request.method != "POST":
        return redirect(works_order_detail, number=number)
    if not may_move(request.member):
        raise PermissionDenied("Only the front desk and managers move jobs between branches.")
    form = TransferForm(
        request.POST,
        prefix="transfer",
        shop_id=request.shop.pk,
        current_branch_id=works_order.branch_id,
    )
    if form.is_valid():
        try:
            transfer = works_order_transfer(
                works_order=works_order,
                to_branch=form.cleaned_data["to_branch"],
                from_branch_id=form.cleaned_data["seen_branch"],
                reason=form.cleaned_data["reason"],
                by=request.member,
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(
                request,
                f"{works_order.number} moved to {transfer.to_branch.name}. The customer is told "
                "where to collect it; it shows as in transit until received there.",
            )
        return redirect(works_order_detail, number=number)
    return _render(request, _page_works_order(request, number), transfer_form=form)


@shop_member_required()
def works_order_received(request: ShopRequest, number: str) -> HttpResponse:
    """The device sent from another branch has arrived here."""
    works_order = get_works_order(request, number)
    if request.method != "POST":
        return redirect(works_order_detail, number=number)
    try:
        transfer = works_order_receive(works_order=works_order, by=request.member)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"{works_order.number} received at {transfer.to_branch.name}.")
    return redirect(works_order_detail, number=number)
