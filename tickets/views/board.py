"""The board: a branch's works orders in their columns, moved by drag and drop or from a menu.

The server is the source of truth. After every move, taken or refused (the reason as a toast),
the board redraws itself from the database, so a refused card goes back where it really is.
Moves that need more than a drop (to whom? which QC checks?) open a small form in a dialog.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import (
    HttpResponseClientRedirect,
    push_url,
    reswap,
    retarget,
    trigger_client_event,
)

from shops.access import ShopRequest, shop_member_required
from shops.models import Role
from tickets import board
from tickets.access import get_works_order
from tickets.forms import AssignForm, FinalPriceForm, signature_png
from tickets.lifecycle import (
    BOARD_COLUMNS,
    COLUMN_OF,
    NEXT_STEPS,
    STEP_LABELS,
    STEPS_NEEDING_INPUT,
    allowed_steps,
    board_step,
    moved_meanwhile,
    needs_input,
    pick_up_next,
    who_refusal,
    works_order_advance,
)
from tickets.models import Priority, Status, TransitionRefused, WorksOrder

COLUMN_LABELS = dict(BOARD_COLUMNS)
STATUS_LABELS = dict(Status.choices)


# The small forms a move may need ----------------------------------------------------------


QC_RESULTS = [("pass", "Pass"), ("fail", "Fail")]


def _digest(checklist: list[str]) -> str:
    return hashlib.sha256("\n".join(checklist).encode()).hexdigest()[:16]


class QcForm(forms.Form):
    """The shop's QC checklist: pass or fail each item, with a note where it helps.

    The answers come back by position, so the form carries which list it showed: if a manager
    changed the checklist meanwhile, the answers are dropped and the new list is shown.
    """

    checklist = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, checklist: list[str], step: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.checklist, self.step = checklist, step
        self.initial["checklist"] = digest = _digest(checklist)
        self.changed_meanwhile = self.is_bound and self.data.get("checklist", digest) != digest
        if self.changed_meanwhile:
            self.data = {"checklist": digest}
        for i, item in enumerate(checklist):
            self.fields[f"check_{i}"] = forms.ChoiceField(
                choices=QC_RESULTS,
                widget=forms.RadioSelect,
                label=item,
                error_messages={"required": "Pass or fail this check."},
            )
            self.fields[f"note_{i}"] = forms.CharField(
                required=False, max_length=200, label=f"Note on “{item}”"
            )

    def rows(self) -> list[tuple[int, str, forms.BoundField, forms.BoundField]]:
        return [
            (i, item, self[f"check_{i}"], self[f"note_{i}"])
            for i, item in enumerate(self.checklist)
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.changed_meanwhile:
            raise forms.ValidationError(
                "The shop's QC checklist changed while this was open: go through the new one."
            )
        if self.step == "fail_qc":
            for i, _item in enumerate(self.checklist):
                if cleaned.get(f"check_{i}") == "fail" and not cleaned.get(f"note_{i}", "").strip():
                    self.add_error(f"note_{i}", "Say what is wrong, so the repairer can fix it.")
        return cleaned

    def inputs(self) -> dict:
        data = self.cleaned_data
        return {
            "results": {
                item: {"ok": data[f"check_{i}"] == "pass", "note": data[f"note_{i}"].strip()}
                for i, item in enumerate(self.checklist)
            }
        }


class CollectForm(forms.Form):
    """Who took the device away: their name, and their signature when they sign on screen."""

    signed_name = forms.CharField(
        max_length=150,
        label="Collected by",
        help_text="The name of the person taking it.",
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_signature(self) -> bytes | None:
        return signature_png(self.cleaned_data["signature"])

    def inputs(self) -> dict:
        data = self.cleaned_data
        return {
            "signed_name": data["signed_name"],
            "signature_png": data["signature"],
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why?")

    def inputs(self) -> dict:
        return dict(self.cleaned_data)


class ConfirmForm(forms.Form):
    def inputs(self) -> dict:
        return {}


REASON_LABELS = {
    "cancel": "Why is it cancelled?",
    "wait_for_parts": "Which parts is it waiting for?",
    "ask_for_approval": "What does the customer need to approve?",
}


def _move_form(
    request: ShopRequest, works_order: WorksOrder, step: str, data: QueryDict | None = None
) -> forms.Form:
    if step == "assign":
        return AssignForm(data, technicians=board.workload(request.shop, works_order.branch))
    if step in ("pass_qc", "fail_qc"):
        return QcForm(data, checklist=request.shop.qc_checklist, step=step)
    if step == "collect":
        return CollectForm(data)
    if step == "submit_for_qc" and works_order.final_price is None:
        quoted = works_order.quote_gross()
        return FinalPriceForm(data, initial={"amount": quoted})
    if step in REASON_LABELS and step in STEPS_NEEDING_INPUT:  # the step takes a `reason`
        form = ReasonForm(data)
        form.fields["reason"].label = REASON_LABELS[step]
        return form
    return ConfirmForm(data)


# Reading the board --------------------------------------------------------------------------


def _board_context(request: ShopRequest, params: QueryDict) -> dict:
    shop, member = request.shop, request.member
    # The version comes first: a change landing between the reads shows at the next poll.
    state = board.board_state(shop, member, params.get("branch", ""))
    branch = state.branch
    context = {
        "branches": state.branches,
        "priorities": Priority.choices,
        "sla_choices": board.SLA_CHOICES,
        "sorts": board.SORTS,
        "board_url": reverse("board"),
        "move_url": reverse("board_move"),
        "changed_url": reverse("board_changed"),
        "detail_url": reverse("works_order_detail", kwargs={"number": board.NUMBER}),
        "steps_url": reverse("board_card_steps", kwargs={"number": board.NUMBER}),
        "is_technician": member.role == Role.TECHNICIAN,
    }
    if branch is None:
        return {**context, "filters": board.BoardFilters(branch=None), "columns": []}
    technicians = board.workload(shop, branch)
    filters = board.BoardFilters(branch=branch, **board.read_filters(params, technicians))
    cards = board.board_cards(
        shop,
        branch=branch,
        technician=filters.technician,
        priority=filters.priority,
        sla=filters.sla,
        mine_of=member if filters.mine else None,
        sort=filters.sort,
    )
    return {
        **context,
        "filters": filters,
        "technicians": technicians,
        "columns": board.board_columns(cards, detail_url=context["detail_url"]),
        "card_count": len(cards),
        "version": state.version,
    }


def _is_fragment(request: ShopRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


FILTERS = ("branch", "technician", "priority", "sla", "mine", "sort")


def _filters_query(params: QueryDict) -> str:
    return urlencode({name: params[name] for name in FILTERS if params.get(name)})


def _after_move(
    request: ShopRequest, params: QueryDict, *events: str, works_order: WorksOrder | None = None
) -> HttpResponse:
    """After a move (taken or refused): with HTMX, no content; the board is told to redraw itself
    from the database, which also puts back a card whose move was refused. A plain form post goes
    back to the same board; a move made from the works-order page goes back to that page.

    The move itself answers fast; the redraw is the same GET every other screen makes when
    it notices the change, so the move is not held up by drawing a few hundred cards.
    """
    if works_order is not None and params.get("from") == "detail":
        url = reverse("works_order_detail", kwargs={"number": works_order.number})
        return HttpResponseClientRedirect(url) if _is_fragment(request) else redirect(url)
    if not _is_fragment(request):
        query = _filters_query(params)
        return redirect(f"{reverse('board')}?{query}" if query else reverse("board"))
    response = HttpResponse(status=204)
    for event in ("boardChanged", *events):
        trigger_client_event(response, event)
    return response


def _open_dialog(request: ShopRequest, dialog: dict) -> HttpResponse:
    """The move's small form, into the dialog; the board redraws, so the card waits in place."""
    response = render(request, "tickets/move_dialog.html#move_form", dialog)
    retarget(response, "#move-dialog-content")
    reswap(response, "innerHTML")
    trigger_client_event(response, "boardChanged")
    trigger_client_event(response, "openMoveDialog", after="settle")
    return response


@shop_member_required()
@require_GET
def board_page(request: ShopRequest) -> HttpResponse:
    context = _board_context(request, request.GET)
    if _is_fragment(request):
        response = render(request, "tickets/board.html#board", context)
        if request.htmx.trigger == "board-filters":
            query = context["filters"].query()
            push_url(response, f"{request.path}?{query}" if query else request.path)
    else:
        response = render(request, "tickets/board.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@never_cache
@shop_member_required()
@require_GET
def board_changed(request: ShopRequest) -> HttpResponse:
    """204 while the branch's board is as the client last saw it; else tell it to refresh."""
    since = request.GET.get("since", "")
    state = board.board_state(request.shop, request.member, request.GET.get("branch", ""))
    if since and state.version == since:
        return HttpResponse(status=204)
    response = HttpResponse()
    trigger_client_event(response, "boardChanged")
    return response


# Moving cards -------------------------------------------------------------------------------


def _loaded(request: ShopRequest, number: str) -> WorksOrder:
    works_order = get_works_order(request, number)
    works_order.shop = request.shop  # the same row: saves the guards a query for it
    return works_order


def _stale(works_order: WorksOrder, seen: str) -> str | None:
    """'Was just moved by …' when the card moved no longer shows the job's real status."""
    if seen and seen != works_order.status:
        return moved_meanwhile(works_order)
    return None


def _chosen_step(works_order: WorksOrder, params: QueryDict) -> str | None:
    """The step asked for: named (from the menu) or meant by the column it was dropped in."""
    if "step" in params:
        step = params["step"]
        return step if step in NEXT_STEPS.get(works_order.status, ()) else None
    return board_step(works_order, params.get("column", ""))


def _not_a_move(works_order: WorksOrder, params: QueryDict) -> str:
    here = COLUMN_LABELS.get(COLUMN_OF.get(works_order.status), "")
    here = here or STATUS_LABELS[works_order.status]
    target = COLUMN_LABELS.get(params.get("column", ""))
    nexts = [STEP_LABELS[s] for s in NEXT_STEPS.get(works_order.status, ()) if s != "cancel"]
    hint = f" Next: {' or '.join(nexts)}." if nexts else ""
    return f"{works_order.number} cannot move from {here} to {target or 'there'}.{hint}"


def _advance(request: ShopRequest, works_order: WorksOrder, step: str, inputs: dict) -> str:
    """Take the step; '' when done (with a toast saying so), else the reason it was refused."""
    try:
        works_order_advance(works_order=works_order, step=step, by=request.member, **inputs)
    except TransitionRefused as refused:
        return str(refused)
    # Paused jobs stay in In progress (with a badge): the step's name says it all.
    stays = step == "cancel" or works_order.is_paused
    where = "" if stays else f" → {COLUMN_LABELS[COLUMN_OF[works_order.status]]}"
    messages.success(request, f"{works_order.number}: {STEP_LABELS.get(step, step)}{where}.")
    return ""


@shop_member_required()
@require_POST
def board_move(request: ShopRequest) -> HttpResponse:
    """A card dropped in a column, or a step chosen from its "Move to…" menu."""
    params = request.POST
    works_order = _loaded(request, params.get("number", ""))
    step = _chosen_step(works_order, params)
    if refusal := _stale(works_order, params.get("seen", "")):
        pass
    elif step is None:
        refusal = _not_a_move(works_order, params)
    elif refusal := who_refusal(works_order, step, request.member):
        pass
    elif step == "assign" and request.member.role == Role.TECHNICIAN:
        refusal = _advance(request, works_order, step, {"technician": request.member})  # pick up
    elif needs_input(works_order, step):
        dialog = _dialog(works_order, step, _move_form(request, works_order, step), params)
        if _is_fragment(request):
            return _open_dialog(request, dialog)
        return redirect(f"{dialog['form_url']}?{_filters_query(params)}")
    else:
        refusal = _advance(request, works_order, step, {})
    if refusal:
        messages.error(request, refusal)
    return _after_move(request, params, works_order=works_order)


def _dialog(
    works_order: WorksOrder,
    step: str,
    form: forms.Form,
    params: QueryDict,
    problem: str = "",
    blocked: bool = False,
) -> dict:
    return {
        "from_detail": params.get("from") == "detail",
        "wo": works_order,
        "step": step,
        "step_label": STEP_LABELS.get(step, step),
        "form": form,
        "problem": problem,
        "blocked": blocked,
        "form_url": reverse("board_move_form", kwargs={"number": works_order.number, "step": step}),
    }


@shop_member_required()
def board_move_form(request: ShopRequest, number: str, step: str) -> HttpResponse:
    """The small form a move needs (GET), and taking the step with what it says (POST)."""
    works_order = _loaded(request, number)
    if step not in STEP_LABELS:
        raise Http404("No such step.")
    params = request.POST if request.method == "POST" else request.GET
    blocked = who_refusal(works_order, step, request.member)
    if step not in NEXT_STEPS.get(works_order.status, ()):
        blocked = (
            f"{works_order.number} is now {STATUS_LABELS[works_order.status].lower()}: "
            f"“{STEP_LABELS[step]}” is not its next step."
        )
    form = _move_form(
        request, works_order, step, request.POST if request.method == "POST" else None
    )
    problem = blocked or ""
    if request.method == "POST" and not blocked and form.is_valid():
        inputs = form.inputs()
        if step == "assign" and request.member.role == Role.TECHNICIAN:
            inputs = {"technician": request.member}
        try:
            problem = _advance(request, works_order, step, inputs)
        except ValidationError as refused:  # the final price asked for on the way to QC
            if hasattr(refused, "error_dict"):
                form.add_error(None, refused)
            else:
                problem = " ".join(refused.messages)
        else:
            if not problem:
                return _after_move(request, params, "closeMoveDialog", works_order=works_order)
    # Refusals are said inside the dialog, where the person is looking; the dialog stays open.
    dialog = _dialog(works_order, step, form, params, problem, blocked=bool(blocked))
    if not _is_fragment(request):
        page = _board_context(request, params)
        return render(request, "tickets/board.html", {**page, **dialog, "dialog_open": True})
    response = render(request, "tickets/move_dialog.html#move_form", dialog)
    if request.method == "POST":
        retarget(response, "#move-dialog-content")
        reswap(response, "innerHTML")
        if problem:
            trigger_client_event(response, "boardChanged")  # what refused it may be a move
    return response


@never_cache
@shop_member_required()
def board_card_steps(request: ShopRequest, number: str) -> HttpResponse:
    """A card's "Move to…" menu, built when it opens: only the steps this person may take on
    this job now (the same checks the move itself makes), and those the job is not ready for
    with what has to happen first."""
    works_order = _loaded(request, number)
    entries = allowed_steps(works_order, request.member)
    return render(request, "tickets/board.html#card_steps", {"entries": entries})


@shop_member_required()
@require_POST
def board_pick_up(request: ShopRequest) -> HttpResponse:
    """A technician takes the most pressing unassigned job they can do."""
    if request.member.role != Role.TECHNICIAN:
        raise PermissionDenied("Only technicians can pick up jobs.")
    works_order = pick_up_next(by=request.member)
    if works_order is None:
        messages.info(request, "Nothing to pick up: no unassigned job you can do at your branches.")
    else:
        messages.success(request, f"{works_order.number} is yours: {works_order.device}.")
    return _after_move(request, request.POST)
