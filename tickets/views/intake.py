"""The intake screen: one page, keyboard-first, for booking a device in at the counter."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from customers.forms import CustomerForm
from customers.models import Customer
from devices.forms import DeviceForm
from devices.models import Category, DeviceModel
from pricebook.models import OptionPart, PriceOption, RepairType
from shops.access import ShopRequest, shop_member_required
from shops.fields import object_id
from shops.models import COUNTER, Branch
from shops.services import PhotoStorageFull
from tickets import services, sla
from tickets.access import get_works_order
from tickets.forms import ConsentForm, PhotosForm, WorksOrderForm, quote_lines_formset
from tickets.job_templates import template_for_intake, template_lines_initial
from tickets.models import JobTemplate, Priority, WorksOrder
from tickets.prediction import predict_completion
from tickets.views.detail import assign_if_automatic
from tickets.views.prices import say_what_is_short
from tickets.warranty import day_text, return_refusal, today_at, warranty_of

STANDARD_FALLBACK = datetime.timedelta(days=5)


class WarrantyReturn:
    """The collected job a warranty return is booked against (`?warranty_return_of=WO-…`, then
    a hidden field), with its warranty and how many returns it had when the form was drawn."""

    def __init__(self, original: WorksOrder, data) -> None:
        self.original = original
        self.warranty = warranty_of(original)
        self.refusal = return_refusal(original, self.warranty, today_at(original))
        self.until = day_text(self.warranty.until) if self.warranty.until else ""
        if data is None:  # drawing the form: what it was drawn with goes back in it
            self.returns_seen = original.warranty_returns.count()
        else:
            seen = object_id(data.get("returns_seen", ""))
            self.returns_seen = -1 if seen is None else seen  # damaged: the service refuses

    @classmethod
    def asked_for(cls, request: ShopRequest, data) -> WarrantyReturn | None:
        number = (data or request.GET).get("warranty_return_of", "")
        if not number:
            return None
        original = get_works_order(request, number[:20])  # another shop's job: 404
        return cls(original, data)

    def job_initial(self, request: ShopRequest) -> dict:
        """Priority warranty, at the original's branch, due when a standard job would be (a
        warranty job is due when set on it; the counter may change it). A branch without
        opening hours has no SLA: then five days from now."""
        branch, now = self.original.branch, timezone.now()
        due = sla.times_for(branch, Priority.STANDARD, now).due_at or now + STANDARD_FALLBACK
        return {
            "branch": branch.pk,
            "priority": Priority.WARRANTY,
            "estimated_completion": due.astimezone(branch.tz).replace(
                tzinfo=None, second=0, microsecond=0
            ),
        }


class BookingToComplete:
    """A job the customer booked online (`?booking=WO-…`, then a hidden field), completed at
    the counter with this same form: drawn with what was booked, written onto that job."""

    def __init__(self, works_order: WorksOrder) -> None:
        self.works_order = works_order
        booked = works_order.timeline.filter(event="booked_in").order_by("at", "id").first()
        self.option_id = (booked.data.get("option") if booked else None) or None

    @classmethod
    def asked_for(cls, request: ShopRequest, data) -> BookingToComplete | None:
        number = (data or request.GET).get("booking", "")
        if not number:
            return None
        return cls(get_works_order(request, number[:20]))  # another shop's job: 404

    def refusal(self) -> str:
        if not self.works_order.awaiting_drop_off:
            return f"{self.works_order.number} is not an online booking waiting to be completed."
        return ""

    def device_initial(self) -> dict:
        device = self.works_order.device
        return {
            "device_model": device.device_model_id,
            "category": device.category,
            "make": device.make,
            "model_name": device.model_name,
        }

    def job_initial(self) -> dict:
        wo = self.works_order
        return {
            "branch": wo.branch_id,
            "priority": wo.priority,
            "fault_reported": wo.fault_reported,
            "estimated_minutes": wo.estimated_minutes,
        }

    def lines_initial(self) -> list[dict]:
        return [
            {
                "kind": line.kind,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "vat_rate": f"{line.vat_rate:g}",
                "listed_price": line.listed_price,
            }
            for line in self.works_order.lines.all()
        ]


class IntakeForms:
    """Every form of the page, bound together so an error anywhere keeps everything typed."""

    def __init__(self, request: ShopRequest) -> None:
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        shop = request.shop
        self.comeback = WarrantyReturn.asked_for(request, data)
        self.booking = None if self.comeback else BookingToComplete.asked_for(request, data)
        booking = self.booking
        self.picked = (
            self.comeback.original.customer
            if self.comeback
            else self._picked_customer(request, data)
        )
        if booking is not None and data is None and self.picked is None:
            self.picked = booking.works_order.customer  # who booked: the counter may change it
        self.customer = CustomerForm(data, shop=shop, prefix="customer")
        self.device = DeviceForm(
            data,
            shop=shop,
            prefix="device",
            initial=booking.device_initial() if booking and data is None else None,
        )
        job_initial = self.comeback.job_initial(request) if self.comeback else None
        if booking is not None and data is None:
            job_initial = booking.job_initial()
        self.job = WorksOrderForm(data, member=request.member, prefix="job", initial=job_initial)
        # A job template (?template=, then a hidden field): its lines and work to do filled in.
        self.template = (
            None
            if self.comeback or self.booking
            else template_for_intake(request, (data or request.GET).get("template", ""))
        )
        if self.template is not None and data is None:
            self.job.initial = {**(self.job.initial or {}), "fault_reported": self.template.fault}
        lines_initial = None
        if self.template is not None and data is None:
            lines_initial = template_lines_initial(self.template, request.shop.vat_rate)
        elif booking is not None and data is None:
            lines_initial = booking.lines_initial()
        self.lines = quote_lines_formset(data, request.member, initial=lines_initial)
        self.consent = ConsentForm(data, prefix="consent")
        self.photos = PhotosForm(data, files, prefix="photos")
        self.parts: list[tuple[int, int, str]] = []  # of the pricebook options quoted

    @staticmethod
    def _picked_customer(request: ShopRequest, data) -> Customer | None:
        picked = object_id((data or request.GET).get("customer_id", ""))
        if picked is None:
            return None
        return Customer.objects.for_shop(request.shop).filter(pk=picked).first()

    def is_valid(self) -> bool:
        parts = [self.job, self.lines, self.consent, self.photos]
        if self.comeback is None:  # a warranty return brings the original's device back
            parts.append(self.device)
        if self.picked is None:
            parts.append(self.customer)
        return all([part.is_valid() for part in parts])  # validate all: every error shows at once

    @staticmethod
    def _priced_parts(request: ShopRequest) -> list[tuple[int, int, str]]:
        """(part, quantity, repair) of the pricebook options the quote was built from (this
        shop's only)."""
        chosen = [i for i in map(object_id, request.POST.getlist("pricebook_option")) if i]
        uses = OptionPart.objects.for_shop(request.shop).filter(option_id__in=chosen)
        fields = ("part_id", "quantity", "option__entry__repair_type__name")
        return list(uses.values_list(*fields)) if chosen else []

    @staticmethod
    def _repair_type(request: ShopRequest) -> int | None:
        """The repair of the first pricebook option quoted: what the job is, for predictions
        and reports."""
        chosen = [i for i in map(object_id, request.POST.getlist("pricebook_option")) if i]
        if not chosen:
            return None
        options = PriceOption.objects.for_shop(request.shop).filter(pk=chosen[0])
        return options.values_list("entry__repair_type_id", flat=True).first()

    def book_in(self, request: ShopRequest):
        if self.comeback is not None:
            return services.works_order_intake(
                branch=self.job.cleaned_data["branch"],
                by=request.member,
                customer=None,
                new_customer=None,
                device={},
                details=self.job.details(),
                passcode=self.job.cleaned_data["passcode"],
                consent=self.consent.consent(),
                photos=self.photos.cleaned_data["photos"],
                warranty_return_of=self.comeback.original,
                returns_seen=self.comeback.returns_seen,
            )
        self.parts = self._priced_parts(request)
        if self.booking is not None:
            return services.works_order_booking_complete(
                works_order=self.booking.works_order,
                by=request.member,
                customer=self.picked,
                new_customer=None if self.picked else self.customer.cleaned_data,
                device=self.device.for_intake(),
                details={
                    **self.job.details(),
                    "branch": self.job.cleaned_data["branch"],
                    "repair_type_id": self._repair_type(request)
                    or self.booking.works_order.repair_type_id,
                },
                passcode=self.job.cleaned_data["passcode"],
                lines=self.lines.lines(),
                consent=self.consent.consent(),
                photos=self.photos.cleaned_data["photos"],
                parts=self.parts,
            )
        return services.works_order_intake(
            parts=self.parts,
            branch=self.job.cleaned_data["branch"],
            by=request.member,
            customer=self.picked,
            new_customer=None if self.picked else self.customer.cleaned_data,
            device=self.device.for_intake(),
            details={**self.job.details(), "repair_type_id": self._repair_type(request)},
            passcode=self.job.cleaned_data["passcode"],
            lines=self.lines.lines(),
            consent=self.consent.consent(),
            photos=self.photos.cleaned_data["photos"],
            template=self.template,
        )

    def context(self) -> dict:
        return {
            "comeback": self.comeback,
            "booking": self.booking,
            "picked": self.picked,
            "customer_form": self.customer,
            "device_form": self.device,
            "job_form": self.job,
            "lines": self.lines,
            "consent_form": self.consent,
            "photos_form": self.photos,
            "template": self.template,
        }


@sensitive_post_parameters("job-passcode", "consent-signature")
@shop_member_required(*COUNTER, to="book jobs in")
def intake(request: ShopRequest):
    forms = IntakeForms(request)
    if request.htmx and request.method == "GET":  # a customer was picked (or un-picked)
        return render(request, "tickets/intake.html#customer-section", forms.context())
    if forms.comeback and forms.comeback.refusal:  # out of warranty (or not collected yet)
        messages.error(request, forms.comeback.refusal)
        return redirect("works_order_detail", number=forms.comeback.original.number)
    if forms.booking and forms.booking.refusal():  # completed already (or not booked online)
        messages.info(request, forms.booking.refusal())
        return redirect("works_order_detail", number=forms.booking.works_order.number)
    if request.method == "POST" and forms.is_valid():
        try:
            works_order = forms.book_in(request)
        except services.ReturnAlreadyBooked as twice:  # the first submit booked it: show that
            messages.info(request, " ".join(twice.messages))
            return redirect("works_order_detail", number=twice.booked)
        except services.BookingAlreadyCompleted as twice:
            messages.info(request, " ".join(twice.messages))
            return redirect("works_order_detail", number=forms.booking.works_order.number)
        except PhotoStorageFull as refused:  # the whole booking was rolled back, not just these
            forms.photos.add_error("photos", refused)
            messages.error(
                request,
                "Nothing was booked in: there is not enough photo storage for these photos. "
                "Take them off to book in without them.",
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        except IntegrityError:
            # Another counter saved this phone, email or IMEI a moment ago: offer it, keep the form.
            messages.error(
                request,
                "Someone at another counter has just saved this customer or device. "
                "Search for them above and pick them; everything else you typed is still here.",
            )
        else:
            assigned = assign_if_automatic(request, works_order)
            done = "completed and booked in" if forms.booking else "booked in"
            messages.success(request, f"{works_order.number} {done}{assigned}.")
            if forms.parts:
                say_what_is_short(request, works_order)
            return redirect("works_order_detail", number=works_order.number)
    had_photos = bool(request.FILES.getlist("photos-photos"))
    return render(
        request,
        "tickets/intake.html",
        forms.context()
        | {
            "photos_lost": had_photos,
            "terms_version": request.shop.terms_version,
            "repair_types": RepairType.objects.for_shop(request.shop).filter(is_active=True),
            "job_templates": JobTemplate.objects.for_shop(request.shop).filter(is_active=True),
            # Options picked before a form error: their parts still go on the job (and the
            # option booked online, when the counter completes that booking).
            "priced_options": request.POST.getlist("pricebook_option")
            if request.method == "POST"
            else [forms.booking.option_id]
            if forms.booking and forms.booking.option_id
            else [],
        },
    )


@shop_member_required(*COUNTER, to="book jobs in")
def intake_promise(request: ShopRequest):
    """What the counter can promise as the job is filled in: "ready by Thursday 4 pm" from the
    SLA, and a typed promise later than that flagged."""
    params = request.GET
    branch = (
        Branch.objects.for_shop(request.shop)
        .filter(is_active=True, pk=object_id(params.get("job-branch", "")))
        .first()
    )
    priority = params.get("job-priority", "")
    if branch is None or priority not in Priority.values:
        return render(request, "tickets/intake_promise.html", {"promise": None})
    branch.shop = request.shop
    promised = _local_datetime(params.get("job-estimated_completion", ""), branch)
    warranty = priority == Priority.WARRANTY
    now = timezone.now()
    kept = sla.times_for(branch, priority, now, due=promised if warranty else None)
    prediction = _prediction(request, branch, now)
    context = {
        "prediction": prediction,
        "likely": sla.when_text(prediction.at, branch.tz, now) if prediction else "",
        "promise": kept,
        "priority": Priority(priority).label,
        "warranty": warranty,
        "ready_by": sla.when_text(kept.due_at, branch.tz, now),
        "late": bool(promised and kept.due_at and promised > kept.due_at and not warranty),
        "promised": sla.when_text(promised, branch.tz, now) if promised else "",
    }
    return render(request, "tickets/intake_promise.html", context)


def _prediction(request: ShopRequest, branch: Branch, now: datetime.datetime):
    """When this shop's history says such a job is likely ready (None without enough of it)."""
    params = request.GET
    device_model = (
        DeviceModel.objects.for_shop(request.shop)
        .filter(pk=object_id(params.get("device-device_model", "")))
        .first()
    )
    option = object_id(params.get("pricebook_option", ""))
    repair_type = (
        RepairType.objects.for_shop(request.shop).filter(entries__options__pk=option).first()
        if option
        else None
    )
    category = params.get("device-category", "")
    return predict_completion(
        branch=branch,
        device_model=device_model,
        repair_type=repair_type,
        now=now,
        category=category if category in Category.values else None,
    )


def _local_datetime(text: str, branch: Branch) -> datetime.datetime | None:
    """A datetime-local value in the branch's time; anything else is no value."""
    try:
        naive = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    if not 2000 <= naive.year <= 2099:
        return None
    return naive.replace(tzinfo=branch.tz)
