"""The works order's loaner panel and the loaners page.

The panel is loaded by the works-order page after it has drawn (hx-get on load), like the
billing panel. Each action posts to its own URL: from the panel (htmx) the answer is the panel
redrawn, with the form and its errors when refused; without JavaScript, the loaner page.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django_htmx.http import trigger_client_event

from loaners import selectors, services
from loaners.forms import LendForm, LoanerForm, ReturnForm, WaiveForm, default_due_back
from loaners.models import Loan, Loaner
from shops.access import ShopRequest, shop_member_required
from shops.forms import errors_into
from shops.models import COUNTER, MANAGERS, Branch
from tickets.access import get_works_order
from tickets.models import WorksOrder


def _today(works_order: WorksOrder):
    return timezone.localdate(timezone.now(), works_order.branch.tz)


def _lend_form(works_order: WorksOrder, data=None) -> LendForm:
    today = _today(works_order)
    return LendForm(
        data,
        loaners=selectors.available_loaners(works_order),
        today=today,
        initial={"due_back": default_due_back(works_order, today)},
    )


def _panel(request: ShopRequest, works_order: WorksOrder, **shown) -> HttpResponse:
    member = request.member
    today = _today(works_order)
    loans = selectors.loans_of(works_order)
    at_counter = member.role in COUNTER
    out = [loan for loan in loans if loan.is_out]
    rows = []
    for loan in loans:
        held = None
        if loan.deposit is not None:
            held = loan.deposit.amount - sum(r.amount for r in loan.deposit.refunds.all())
        rows.append(
            {
                "loan": loan,
                "held": held,
                "overdue": loan.is_overdue(today),
                "return_name": f"return-{loan.pk}",
                "waive_name": f"waive-{loan.pk}",
                "return_form": (shown.get("return_forms") or {}).get(loan.pk)
                or ReturnForm(auto_id=f"return-{loan.pk}-%s"),
                "waive_form": (shown.get("waive_forms") or {}).get(loan.pk)
                or WaiveForm(auto_id=f"waive-{loan.pk}-%s"),
            }
        )
    context = {
        "wo": works_order,
        "rows": rows,
        "may_lend": at_counter and works_order.is_open and not out,
        "may_return": at_counter,
        "may_waive": member.role in MANAGERS and works_order.is_open,
        "lend_form": shown.get("lend_form") or (_lend_form(works_order) if at_counter else None),
        "open_form": shown.get("open_form", ""),
        "problem": shown.get("problem", ""),
    }
    template = "loaners/panel.html#panel" if request.htmx else "loaners/panel.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _done(request: ShopRequest, works_order: WorksOrder, text: str) -> HttpResponse:
    if request.htmx:
        # A deposit taken or given back: the invoice and payments panel redraws itself.
        return trigger_client_event(_panel(request, works_order), "depositChanged")
    messages.success(request, text)
    return redirect("loaner_panel", number=works_order.number)


def _loan(request: ShopRequest, works_order: WorksOrder, loan_id: int) -> Loan:
    return get_object_or_404(
        Loan.objects.for_shop(request.shop), works_order_id=works_order.pk, pk=loan_id
    )


@shop_member_required()
def loaner_panel(request: ShopRequest, number: str) -> HttpResponse:
    """The job's loaners: out, returned, and what this person may do about them."""
    return _panel(request, get_works_order(request, number))


def _not_a_post(request: ShopRequest, works_order: WorksOrder) -> HttpResponse | None:
    """Another shop's job is a 404 whatever the method; a GET goes to the loaner page."""
    if request.method == "POST":
        return None
    return redirect("loaner_panel", number=works_order.number)


@shop_member_required(*COUNTER, to="lend loaners")
def loaner_lend(request: ShopRequest, number: str) -> HttpResponse:
    works_order = get_works_order(request, number)
    if back := _not_a_post(request, works_order):
        return back
    form = _lend_form(works_order, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.loaner_lend(
                works_order=works_order,
                loaner=data["loaner"],
                due_back=data["due_back"],
                condition=data["condition"],
                deposit=data["deposit"],
                deposit_method=data["deposit_method"],
                deposit_reference=data["deposit_reference"],
                by=request.member,
            )
        except ValidationError as refused:
            errors_into(form, refused)
        else:
            return _done(request, works_order, f"{data['loaner'].name} lent.")
    return _panel(request, works_order, lend_form=form, open_form="lend")


@shop_member_required(*COUNTER, to="take back loaners")
def loaner_return(request: ShopRequest, number: str, loan_id: int) -> HttpResponse:
    works_order = get_works_order(request, number)
    loan = _loan(request, works_order, loan_id)
    if back := _not_a_post(request, works_order):
        return back
    form = ReturnForm(request.POST, auto_id=f"return-{loan.pk}-%s")
    if form.is_valid():
        try:
            services.loaner_return(loan=loan, by=request.member, **form.cleaned_data)
        except ValidationError as refused:
            errors_into(form, refused)
        else:
            return _done(request, works_order, "Loaner taken back.")
    return _panel(request, works_order, return_forms={loan.pk: form}, open_form=f"return-{loan.pk}")


@shop_member_required(*MANAGERS, to="let a job go with its loaner out")
def loaner_waive(request: ShopRequest, number: str, loan_id: int) -> HttpResponse:
    works_order = get_works_order(request, number)
    loan = _loan(request, works_order, loan_id)
    if back := _not_a_post(request, works_order):
        return back
    form = WaiveForm(request.POST, auto_id=f"waive-{loan.pk}-%s")
    if form.is_valid():
        try:
            services.loaner_waive(loan=loan, by=request.member, **form.cleaned_data)
        except ValidationError as refused:
            errors_into(form, refused)
        else:
            return _done(request, works_order, "The job may be collected with the loaner out.")
    return _panel(request, works_order, waive_forms={loan.pk: form}, open_form=f"waive-{loan.pk}")


# The loaners page -----------------------------------------------------------------------------


def _branch_filter(request: ShopRequest) -> Branch | None:
    code = request.GET.get("branch", "")
    if not re.fullmatch(r"[A-Z]{2,5}", code):  # a branch code, or all branches
        return None
    return Branch.objects.for_shop(request.shop).filter(code=code).first()


def _list(request: ShopRequest, add_form: LoanerForm | None = None, status: int = 200):
    branch = _branch_filter(request)
    branch_id = branch.pk if branch else None
    today = timezone.localdate()
    loans = list(selectors.loans_out(request.shop, branch_id=branch_id))
    for loan in loans:
        loan.overdue = loan.is_overdue(today)
        loan.days_out = (today - timezone.localdate(loan.lent_at)).days
    may_manage = request.member.role in MANAGERS
    context = {
        "loans": loans,
        "overdue_count": sum(1 for loan in loans if loan.overdue),
        "loaners": list(selectors.loaners_of(request.shop, branch_id=branch_id)),
        "branches": Branch.objects.for_shop(request.shop).order_by("name"),
        "branch": branch,
        "may_manage": may_manage,
        "add_form": add_form
        or (LoanerForm(shop=request.shop, initial={"branch": branch}) if may_manage else None),
    }
    return render(request, "loaners/list.html", context, status=status)


@shop_member_required()
def loaners_list(request: ShopRequest) -> HttpResponse:
    """Which loaners are out, with whom and since when (overdue first), and every loaner."""
    return _list(request)


@shop_member_required(*MANAGERS, to="add loaners")
def loaner_add(request: ShopRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("loaners_list")
    form = LoanerForm(request.POST, shop=request.shop)
    if form.is_valid():
        data = form.cleaned_data
        try:
            loaner = services.loaner_add(by=request.member, **data)
        except ValidationError as refused:
            errors_into(form, refused)
        else:
            messages.success(request, f"{loaner} added.")
            return redirect("loaners_list")
    return _list(request, add_form=form, status=400)


@shop_member_required(*MANAGERS, to="retire loaners")
def loaner_retire(request: ShopRequest, loaner_id: int) -> HttpResponse:
    loaner = get_object_or_404(Loaner.objects.for_shop(request.shop), pk=loaner_id)
    if request.method != "POST":
        return redirect("loaners_list")
    try:
        services.loaner_retire(loaner=loaner, by=request.member)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"{loaner} is no longer in use.")
    return redirect("loaners_list")
