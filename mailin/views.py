"""The works order's mail-in panel, and the parcels' address labels as PDFs.

The panel is loaded by the works-order page after it has drawn (hx-get on load), like the
billing panel; each action posts to its own URL and answers with the panel redrawn (htmx) or
the mail-in page (without JavaScript).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers

from config.pdf import pdf_response, render_pdf
from customers.phones import display as phone_display
from mailin import services
from mailin.forms import MailInForm, ParcelStateForm
from mailin.models import MailIn
from shops.access import ShopRequest, shop_member_required
from shops.forms import errors_into
from shops.models import COUNTER
from tickets.access import get_works_order
from tickets.models import WorksOrder


def _panel(request: ShopRequest, works_order: WorksOrder, **shown) -> HttpResponse:
    mail_in = services.mail_in_of(works_order)
    at_counter = request.member.role in COUNTER
    initial = {}
    if mail_in is not None:
        initial = {
            "carrier": mail_in.carrier,
            "inbound_tracking": mail_in.inbound_tracking,
            "return_tracking": mail_in.return_tracking,
        }
    context = {
        "wo": works_order,
        "mail_in": mail_in,
        "customer_address": works_order.customer.address.strip(),
        "may_edit": at_counter and (mail_in is not None or works_order.is_open),
        "may_print": at_counter,
        "form": shown.get("form") or MailInForm(initial=initial, auto_id="mail-in-%s"),
        "state_form": shown.get("state_form")
        or ParcelStateForm(initial={"state": mail_in and mail_in.state}, auto_id="parcel-%s"),
        "open_form": shown.get("open_form", ""),
    }
    template = "mailin/panel.html#panel" if request.htmx else "mailin/panel.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _done(request: ShopRequest, works_order: WorksOrder, text: str) -> HttpResponse:
    if request.htmx:
        return _panel(request, works_order)
    messages.success(request, text)
    return redirect("mail_in_panel", number=works_order.number)


@shop_member_required()
def mail_in_panel(request: ShopRequest, number: str) -> HttpResponse:
    """Whether the job is a mail-in, its parcels and what this person may do about them."""
    return _panel(request, get_works_order(request, number))


def _not_a_post(request: ShopRequest, works_order: WorksOrder) -> HttpResponse | None:
    """Another shop's job is a 404 whatever the method; a GET goes to the mail-in page."""
    if request.method == "POST":
        return None
    return redirect("mail_in_panel", number=works_order.number)


@shop_member_required(*COUNTER, to="record mail-in parcels")
def mail_in_set(request: ShopRequest, number: str) -> HttpResponse:
    works_order = get_works_order(request, number)
    if back := _not_a_post(request, works_order):
        return back
    form = MailInForm(request.POST, auto_id="mail-in-%s")
    if form.is_valid():
        try:
            services.mail_in_set(works_order=works_order, by=request.member, **form.cleaned_data)
        except ValidationError as refused:
            errors_into(form, refused)
        else:
            return _done(request, works_order, "Mail-in saved.")
    return _panel(request, works_order, form=form, open_form="mail-in")


@shop_member_required(*COUNTER, to="record mail-in parcels")
def parcel_state_set(request: ShopRequest, number: str) -> HttpResponse:
    works_order = get_works_order(request, number)
    if back := _not_a_post(request, works_order):
        return back
    form = ParcelStateForm(request.POST, auto_id="parcel-%s")
    if form.is_valid():
        try:
            services.parcel_state_set(
                works_order=works_order, by=request.member, **form.cleaned_data
            )
        except ValidationError as refused:
            errors_into(form, refused)
        else:
            return _done(request, works_order, "Parcel recorded.")
    return _panel(request, works_order, state_form=form, open_form="parcel")


def _label(request: ShopRequest, number: str, *, inbound: bool) -> HttpResponse:
    works_order = get_works_order(request, number)
    mail_in = services.mail_in_of(works_order)
    shop, branch, customer = request.shop, works_order.branch, works_order.customer
    shop_lines = [shop.name, branch.name, *branch.address.strip().splitlines()]
    customer_lines = [customer.full_name, *customer.address.strip().splitlines()]
    customer_phone = phone_display(customer.phone, shop.phone_region)
    sender, recipient = (customer_lines, shop_lines) if inbound else (shop_lines, customer_lines)
    if mail_in is None:
        mail_in = MailIn(works_order=works_order, carrier="other")
    context = {
        "wo": works_order,
        "mail_in": mail_in,
        "inbound": inbound,
        "sender": [line.strip() for line in sender if line.strip()],
        "recipient": [line.strip() for line in recipient if line.strip()],
        "sender_phone": customer_phone if inbound else branch.phone,
        "recipient_phone": branch.phone if inbound else customer_phone,
        "tracking": mail_in.inbound_tracking if inbound else mail_in.return_tracking,
        "no_customer_address": not customer.address.strip(),
    }
    pdf = render_pdf("mailin/pdf/label.html", context, request=request)
    which = "to-us" if inbound else "back"
    return pdf_response(pdf, f"{works_order.number}-label-{which}.pdf")


@shop_member_required(*COUNTER, to="print parcel labels")
def label_inbound(request: ShopRequest, number: str) -> HttpResponse:
    """The label for the parcel coming in: from the customer, to the branch."""
    return _label(request, number, inbound=True)


@shop_member_required(*COUNTER, to="print parcel labels")
def label_return(request: ShopRequest, number: str) -> HttpResponse:
    """The label for the parcel going back: from the branch, to the customer."""
    return _label(request, number, inbound=False)
