"""The works order's invoice panel and what can be done from it, and the invoice as a page.

The panel is loaded by the works-order page after it has drawn (hx-get on load), so the page
itself gains no query. Each action posts to its own URL: from the panel (htmx) the answer is the
panel redrawn, with the form and its errors when refused; without JavaScript, the billing page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from billing import documents, services, till
from billing.export import LAYOUTS, export_csv
from billing.forms import (
    CreditNoteForm,
    ExemptionForm,
    ExportForm,
    PaymentForm,
    RefundForm,
    TillCloseForm,
    TillForm,
)
from billing.models import (
    SIMPLIFIED_INVOICE_LIMIT,
    DocumentFormat,
    DocumentKind,
    Invoice,
    Method,
    Payment,
)
from billing.selectors import billing_for
from config.pdf import pdf_response
from notifications import status
from shops.access import ShopRequest, shop_member_required
from shops.forms import errors_into
from shops.models import COUNTER, MANAGERS, Branch
from shops.money import format_money
from tickets.access import get_works_order
from tickets.models import Status, WorksOrder


def _panel_context(request: ShopRequest, works_order: WorksOrder, **forms_shown) -> dict:
    billing = billing_for(works_order, services.works_order_total(works_order))
    member = request.member
    at_counter = member.role in COUNTER
    invoiceable = works_order.status in (Status.READY, Status.COLLECTED)
    owed = max(billing.owed, 0)
    refund_forms = forms_shown.get("refund_forms") or {}
    payment_form = forms_shown.get("payment_form") or PaymentForm(
        initial={"amount": owed or None, "deposit": not invoiceable}
    )
    return {
        "wo": works_order,
        "billing": billing,
        "owed": owed,
        "invoiceable": invoiceable,
        "may_take": at_counter and works_order.status != Status.CANCELLED,
        "may_issue": at_counter and invoiceable and billing.invoice is None,
        "may_manage": member.role in MANAGERS,
        "payment_form": payment_form,
        "exemption_form": forms_shown.get("exemption_form") or ExemptionForm(),
        "credit_form": forms_shown.get("credit_form") or CreditNoteForm(),
        "refundables": [
            (p, refund_forms.get(p.pk) or RefundForm(auto_id=f"refund-{p.pk}-%s"))
            for p in billing.payments
            if not p.is_refund and p.method not in (Method.RECORDED, Method.CARD_ONLINE)
        ],
        "open_dialog": forms_shown.get("open_dialog", ""),
        "problem": forms_shown.get("problem", ""),
    }


def _panel(request: ShopRequest, works_order: WorksOrder, status: int = 200, **shown):
    context = _panel_context(request, works_order, **shown)
    template = "billing/panel.html#panel" if request.htmx else "billing/panel.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _done(request: ShopRequest, works_order: WorksOrder, text: str) -> HttpResponse:
    if request.htmx:
        return _panel(request, works_order, problem="")
    messages.success(request, text)
    return redirect("billing_panel", number=works_order.number)


def _post_only(request: ShopRequest, number: str) -> tuple[WorksOrder, HttpResponse | None]:
    """The job (another shop's is a 404 whatever the method); a GET goes to the billing page."""
    works_order = get_works_order(request, number)
    back = None if request.method == "POST" else redirect("billing_panel", number=number)
    return works_order, back


def _refusal(refused: ValidationError) -> str:
    return " ".join(refused.messages)


@shop_member_required()
def billing_panel(request: ShopRequest, number: str) -> HttpResponse:
    """The invoice, payments and what this person may do about them."""
    return _panel(request, get_works_order(request, number))


@shop_member_required(*COUNTER, to="issue invoices")
def invoice_issue(request: ShopRequest, number: str) -> HttpResponse:
    works_order, back = _post_only(request, number)
    if back:
        return back
    try:
        invoice = services.invoice_issue(works_order=works_order, by=request.member)
    except ValidationError as refused:
        return _panel(request, works_order, problem=_refusal(refused))
    return _done(request, works_order, f"Invoice {invoice.number} issued.")


@shop_member_required(*COUNTER, to="take payments")
def payment_take(request: ShopRequest, number: str) -> HttpResponse:
    works_order, back = _post_only(request, number)
    if back:
        return back
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            payment = services.payment_take(
                works_order=works_order, by=request.member, **form.inputs()
            )
        except ValidationError as refused:
            errors_into(form, refused)
        else:
            change = ""
            if payment.change_given:
                change = f" Change: {payment.change_given}."
            return _done(request, works_order, f"Payment recorded.{change}")
    return _panel(request, works_order, payment_form=form, open_dialog="payment-dialog")


@shop_member_required(*COUNTER, to="give refunds")
def payment_refund(request: ShopRequest, number: str, payment_id: int) -> HttpResponse:
    works_order, back = _post_only(request, number)
    payment = get_object_or_404(
        Payment.objects.for_shop(request.shop).filter(refund_of__isnull=True),
        works_order_id=works_order.pk,
        pk=payment_id,
    )
    if back:
        return back
    form = RefundForm(request.POST, auto_id=f"refund-{payment.pk}-%s")
    if form.is_valid():
        try:
            services.payment_refund(payment=payment, by=request.member, **form.cleaned_data)
        except ValidationError as refused:
            errors_into(form, refused)
        else:
            return _done(request, works_order, "Refund recorded.")
    return _panel(
        request,
        works_order,
        refund_forms={payment.pk: form},
        open_dialog=f"refund-dialog-{payment.pk}",
    )


@shop_member_required(*MANAGERS, to="let a job go without payment")
def exemption_grant(request: ShopRequest, number: str) -> HttpResponse:
    works_order, back = _post_only(request, number)
    if back:
        return back
    form = ExemptionForm(request.POST)
    if form.is_valid():
        try:
            services.payment_exemption_grant(
                works_order=works_order, by=request.member, **form.cleaned_data
            )
        except ValidationError as refused:
            errors_into(form, refused)
        else:
            return _done(request, works_order, "No payment is due for this job.")
    return _panel(request, works_order, exemption_form=form, open_dialog="exemption-dialog")


@shop_member_required(*MANAGERS, to="issue credit notes")
def credit_note_issue(request: ShopRequest, number: str) -> HttpResponse:
    works_order, back = _post_only(request, number)
    invoice = get_object_or_404(
        Invoice.objects.for_shop(request.shop),
        works_order_id=works_order.pk,
        kind=DocumentKind.INVOICE,
    )
    if back:
        return back
    form = CreditNoteForm(request.POST)
    if form.is_valid():
        try:
            note = services.credit_note_issue(
                invoice=invoice, by=request.member, **form.cleaned_data
            )
        except ValidationError as refused:
            errors_into(form, refused)
        else:
            return _done(request, works_order, f"Credit note {note.number} issued.")
    return _panel(request, works_order, credit_form=form, open_dialog="credit-dialog")


@shop_member_required()
def invoice_page(request: ShopRequest, invoice_number: str) -> HttpResponse:
    """The invoice or credit note as an A4 page to print: a full VAT invoice always, noted as
    simplified-eligible when small."""
    invoice = get_object_or_404(
        Invoice.objects.for_shop(request.shop).select_related("credits"), number=invoice_number
    )
    context = {
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "limit": SIMPLIFIED_INVOICE_LIMIT,
    }
    return render(request, "billing/invoice.html", context)


# PDFs --------------------------------------------------------------------------------------


def _pdf_response(invoice: Invoice, layout: str) -> HttpResponse:
    stored = documents.document_pdf(invoice, layout)
    with stored.file.open("rb") as file:
        content = file.read()
    suffix = "-receipt" if layout == DocumentFormat.ROLL else ""
    return pdf_response(content, f"{invoice.number}{suffix}.pdf")


@shop_member_required()
def invoice_pdf(request: ShopRequest, invoice_number: str) -> HttpResponse:
    """The invoice or credit note as a PDF: A4, or ?layout=roll for the 80 mm till printer."""
    invoice = get_object_or_404(
        Invoice.objects.for_shop(request.shop).select_related("works_order__branch", "credits"),
        number=invoice_number,
    )
    return _pdf_response(invoice, documents.layout_of(request.GET.get("layout")))


def status_document(request: HttpRequest, token: str, invoice_number: str) -> HttpResponse:
    """A document of the job, for the customer from their status page (no sign-in: the status
    link's token is the secret, with the page's rate limit and headers)."""
    if wait := status.over_rate_limit(request):
        return status.slow_down(request, wait)
    works_order = status.find_works_order(token)
    if works_order is None:
        return status.gone(request)
    invoice = (
        Invoice.objects.for_shop(works_order.shop_id)
        .select_related("credits")
        .filter(works_order_id=works_order.pk, number=invoice_number)
        .first()
    )
    if invoice is None:
        return status.gone(request)
    invoice.works_order = works_order
    response = _pdf_response(invoice, documents.layout_of(request.GET.get("layout")))
    for name, value in status.HEADERS.items():
        response[name] = value
    return response


# The accounting export ---------------------------------------------------------------------


@shop_member_required(*MANAGERS, to="export the accounts")
@require_GET
def accounting_export(request: ShopRequest) -> HttpResponse:
    """Choose a period and a layout; a valid choice downloads the CSV."""
    asked = bool(request.GET)
    today = timezone.localdate()
    form = ExportForm(
        request.GET if asked else None,
        initial={"start": today.replace(day=1), "end": today, "layout": "xero_invoices"},
    )
    if asked and form.is_valid():
        start, end = form.bounds()
        layout = form.cleaned_data["layout"]
        text = export_csv(shop=request.shop, layout=layout, start=start, end=end)
        first, last = form.cleaned_data["start"], form.cleaned_data["end"]
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        name = f"{request.shop.slug}-{layout.replace('_', '-')}-{first:%Y%m%d}-{last:%Y%m%d}.csv"
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "billing/export.html", {"form": form, "layouts": LAYOUTS})


# Day end at the till -----------------------------------------------------------------------


def _default_branch(request: ShopRequest, form: TillForm) -> Branch | None:
    mine = [b for b in request.member.branches.all() if b.code in form.branches]
    active = [b for b in form.branches.values() if b.is_active]
    return (mine or active or list(form.branches.values()) or [None])[0]


def _till_page(
    request: ShopRequest, asked: TillForm, close_form: TillCloseForm | None = None
) -> HttpResponse:
    """The report of the branch and day asked for; when what was asked is refused, the form
    says why and the report is of today at the member's branch."""
    chosen = asked.cleaned_data if asked.is_bound and asked.is_valid() else {}
    branch = asked.branches.get(chosen.get("branch") or "") or _default_branch(request, asked)
    day = chosen.get("day") or (till.branch_today(branch) if branch else timezone.localdate())
    shown = asked
    if not asked.errors:
        initial = {"branch": branch.code if branch else "", "day": day}
        shown = TillForm(shop=request.shop, initial=initial)
    report = till.till_report(branch=branch, day=day) if branch else None
    future = branch is not None and day > till.branch_today(branch)
    # A refusal of the whole close (already closed, not begun) is said even when the form is
    # no longer offered.
    problem = " ".join(close_form.non_field_errors()) if close_form is not None else ""
    if report is None or report.closed is not None or future:
        close_form = None
    elif close_form is None:
        close_form = TillCloseForm(
            shop=request.shop,
            initial={"branch": branch.code, "day": day.isoformat()},
            auto_id="close-%s",
        )
    context = {
        "form": shown,
        "report": report,
        "close_form": close_form,
        "problem": problem if close_form is None else "",
        "future": future,
        "currency": request.shop.currency,
    }
    return render(request, "billing/till.html", context)


@shop_member_required(*MANAGERS, to="see the day end at the till")
@require_GET
def till_report(request: ShopRequest) -> HttpResponse:
    """A branch's day: payments by method, refunds, expected cash, invoices; closed or not."""
    return _till_page(request, TillForm(request.GET or None, shop=request.shop))


@shop_member_required(*MANAGERS, to="close the day at the till")
@require_POST
def till_close(request: ShopRequest) -> HttpResponse:
    form = TillCloseForm(request.POST, shop=request.shop, auto_id="close-%s")
    if form.is_valid():
        branch, day = form.chosen_branch, form.cleaned_data["day"]
        try:
            closed = till.till_day_close(
                branch=branch,
                day=day,
                counted_cash=form.cleaned_data["counted_cash"],
                note=form.cleaned_data["note"],
                by=request.member,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            difference = format_money(closed.difference, request.shop.currency)
            messages.success(
                request, f"{branch.name}, {day:%-d %B %Y} closed. Difference: {difference}."
            )
            return redirect(f"{reverse('till_report')}?branch={branch.code}&day={day.isoformat()}")
    asked = {"branch": request.POST.get("branch", ""), "day": request.POST.get("day", "")}
    return _till_page(request, TillForm(asked, shop=request.shop), form)
