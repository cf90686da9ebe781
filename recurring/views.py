"""Recurring visits: the schedules, a new one for a customer, and each schedule's visits."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from customers.models import Customer
from customers.selectors import customer_search
from recurring.forms import ScheduleForm
from recurring.models import Schedule, ScheduleState
from recurring.services import ScheduleData, schedule_create, schedule_set_state, schedule_visits
from shops.access import ShopRequest, shop_member_required
from shops.fields import SearchForm, object_id
from shops.models import COUNTER

UPCOMING = 6


@shop_member_required(*COUNTER, to="manage recurring visits")
def schedule_list(request: ShopRequest) -> HttpResponse:
    schedules = (
        Schedule.objects.for_shop(request.shop)
        .select_related("customer", "branch", "template")
        .order_by("state", "next_due", "id")
    )
    return render(request, "recurring/list.html", {"schedules": schedules})


@shop_member_required(*COUNTER, to="manage recurring visits")
def schedule_new(request: ShopRequest) -> HttpResponse:
    """Pick the customer (a search), then their devices, branch, template and timing."""
    data = request.POST if request.method == "POST" else None
    picked_id = object_id(request.POST.get("customer") or request.GET.get("customer", ""))
    customer = (
        get_object_or_404(Customer.objects.for_shop(request.shop), pk=picked_id)
        if picked_id is not None
        else None
    )
    if customer is None:
        search = SearchForm(request.GET)
        found = customer_search(request.shop, search.text)[:20] if search.text else []
        context = {"search": search, "found": found}
        return render(request, "recurring/new.html", context)
    form = ScheduleForm(data, shop_id=request.shop.pk, customer=customer, prefix="schedule")
    if data is not None and form.is_valid():
        try:
            schedule = schedule_create(
                data=ScheduleData(
                    customer=customer,
                    devices=list(form.cleaned_data["devices"]),
                    **{k: v for k, v in form.cleaned_data.items() if k != "devices"},
                ),
                by=request.member,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(
                request,
                f"Schedule “{schedule.name}” set up: the first visit is raised on "
                f"{schedule.raise_on:%a %-d %b %Y}.",
            )
            return redirect("schedule_detail", schedule_id=schedule.pk)
    status = 400 if data is not None else 200
    context = {"customer": customer, "form": form}
    return render(request, "recurring/new.html", context, status=status)


@shop_member_required(*COUNTER, to="manage recurring visits")
def schedule_detail(request: ShopRequest, schedule_id: int) -> HttpResponse:
    schedule = get_object_or_404(
        Schedule.objects.for_shop(request.shop).select_related("customer", "branch", "template"),
        pk=schedule_id,
    )
    if request.method == "POST":
        state = request.POST.get("state", "")
        if state not in ScheduleState.values:
            messages.error(request, "Choose pause, resume or end.")
        else:
            try:
                schedule = schedule_set_state(schedule=schedule, state=state, by=request.member)
            except ValidationError as refused:
                messages.error(request, " ".join(refused.messages))
            else:
                messages.success(
                    request, f"Schedule “{schedule.name}”: {schedule.get_state_display().lower()}."
                )
        return redirect("schedule_detail", schedule_id=schedule.pk)
    devices = list(schedule.devices.all())
    upcoming = schedule.upcoming(UPCOMING) if schedule.state == ScheduleState.ACTIVE else []
    context = {
        "schedule": schedule,
        "devices": devices,
        "visits": schedule_visits(schedule),
        "upcoming": upcoming,
    }
    return render(request, "recurring/detail.html", context)
