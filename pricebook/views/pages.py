"""The pricebook pages: browse and search, an entry with its options and parts, the report of
repairs quoted by hand. Everyone in the shop reads; managers change prices."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from devices.models import DeviceModel
from parts.models import Part
from pricebook import services
from pricebook.access import get_entry, get_option, get_option_part
from pricebook.forms import (
    EntryForm,
    NewEntryForm,
    OptionForm,
    OptionPartForm,
    PricebookFilterForm,
)
from pricebook.models import PricebookEntry, RepairType
from pricebook.selectors import entry_options, no_price_report, other_entries_of, pricebook_list
from shops.access import ShopRequest, shop_member_required
from shops.fields import object_id
from shops.models import MANAGERS

PER_PAGE = 50
PERIODS = {"90": 90, "365": 365, "all": None}


def _wants_fragment(request: ShopRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _tidy_query(request: ShopRequest) -> QueryDict:
    """The filled-in filters of the query string, for page links and the address bar."""
    query = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        if name != "page" and any(values):
            query.setlist(name, [value for value in values if value])
    return query


@shop_member_required()
@require_GET
def pricebook(request: ShopRequest) -> HttpResponse:
    form = PricebookFilterForm(request.GET, shop=request.shop)
    filters = form.filters()
    page = Paginator(pricebook_list(request.shop, filters), PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = _tidy_query(request)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "rows": [(entry, entry_options(request.shop, entry)) for entry in page.object_list],
        "query": query.urlencode(),
        "empty_pricebook": not page.object_list
        and not PricebookEntry.objects.for_shop(request.shop).exists(),
    }
    if _wants_fragment(request):
        response = render(request, "pricebook/list.html#table", context)
        if page.number > 1:
            query["page"] = page.number
        push_url(response, f"{request.path}?{query.urlencode()}" if query else request.path)
    else:
        response = render(request, "pricebook/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# An entry -------------------------------------------------------------------------------


def option_form_for(request: ShopRequest, option_id: int, data=None, initial=None) -> OptionForm:
    return OptionForm(data, shop=request.shop, initial=initial, auto_id=f"option-{option_id}-%s")


def part_form_for(option_id: int, data=None) -> OptionPartForm:
    return OptionPartForm(data, auto_id=f"option-{option_id}-part-%s")


def _entry_page(
    request: ShopRequest, entry: PricebookEntry, *, status: int = 200, **bound
) -> HttpResponse:
    """The entry page; a form that failed to validate is passed in bound, to show its errors."""
    shop = request.shop
    options = entry_options(shop, entry)
    failed = bound.get("option_id")
    cards = [
        {
            "option": option,
            "form": bound.get("option_form") if failed == option.option_id else None,
            "part_form": bound.get("part_form") if failed == option.option_id else None,
        }
        for option in options
    ]
    for card in cards:
        option = card["option"]
        card["part_open"] = card["part_form"] is not None
        card["form"] = card["form"] or option_form_for(
            request, option.option_id, initial={"grade": option.grade, "price": option.price}
        )
        card["part_form"] = card["part_form"] or part_form_for(option.option_id)
    used = {option.grade for option in options}
    free_grades = [g for g, _ in OptionForm.base_fields["grade"].choices if g not in used]
    context = {
        "entry": entry,
        "cards": cards,
        "others": other_entries_of(shop, entry),
        "entry_form": bound.get("entry_form") or EntryForm(instance=entry),
        "new_option_form": bound.get("new_option_form")
        or OptionForm(shop=shop, initial={"grade": free_grades[0] if free_grades else ""}),
        "can_add_option": bool(free_grades),
        "compatible_parts": Part.objects.for_shop(shop)
        .filter(partcompatibility__device_model_id=entry.device_model_id)
        .order_by("part_number")
        .values_list("part_number", "name")[:200],
    }
    return render(request, "pricebook/entry.html", context, status=status)


@shop_member_required()
def entry_detail(request: ShopRequest, entry_id: int) -> HttpResponse:
    entry = get_entry(request, entry_id)  # first: another shop's entry is a 404 to any method
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return _entry_page(request, entry)


def _entry_url(entry_id: int, option_id: int | None = None) -> str:
    url = reverse("pricebook_entry", args=[entry_id])
    return f"{url}#option-{option_id}" if option_id else url


@shop_member_required(*MANAGERS, to="change the pricebook")
def entry_edit(request: ShopRequest, entry_id: int) -> HttpResponse:
    entry = get_entry(request, entry_id)
    if request.method != "POST":
        return redirect(_entry_url(entry.pk))  # the page that holds this action's form
    form = EntryForm(request.POST, instance=entry)
    if not form.is_valid():
        entry.refresh_from_db()
        return _entry_page(request, entry, status=400, entry_form=form)
    services.entry_update(entry=entry, **form.cleaned_data)
    messages.success(request, "Bench time, warranty and availability saved.")
    return redirect(_entry_url(entry.pk))


@shop_member_required(*MANAGERS, to="change the pricebook")
def entry_delete(request: ShopRequest, entry_id: int) -> HttpResponse:
    entry = get_entry(request, entry_id)
    if request.method != "POST":
        return redirect(_entry_url(entry.pk))
    services.entry_delete(entry=entry)
    messages.success(
        request, f"{entry.repair_type} for {entry.device_model} is out of the pricebook."
    )
    return redirect(f"{reverse('pricebook')}?model={entry.device_model_id}")


@shop_member_required(*MANAGERS, to="change the pricebook")
def entry_new(request: ShopRequest) -> HttpResponse:
    shop = request.shop
    form = NewEntryForm(request.POST or None, shop=shop, initial=_new_entry_initial(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.entry_create(
                shop=shop,
                device_model=services.device_model_find_or_add(
                    shop=shop, category=data["category"], make=data["make"], name=data["model"]
                ),
                repair_type=services.repair_type_find_or_add(shop=shop, name=data["repair_type"]),
                labour_minutes=data["labour_minutes"],
                warranty_days=data["warranty_days"],
                grade=data["grade"],
                price=data["price"],
            )
        except ValidationError as refused:
            existing = (refused.params or {}).get("entry")
            messages.info(request, refused.messages[0])
            if existing is not None:
                return redirect(_entry_url(existing.pk))
        else:
            messages.success(request, f"{entry.repair_type} for {entry.device_model} added.")
            return redirect(_entry_url(entry.pk))
    context = {
        "form": form,
        "makes": DeviceModel.objects.for_shop(shop)
        .order_by("make")
        .values_list("make", flat=True)
        .distinct(),
        "repair_types": RepairType.objects.for_shop(shop).filter(is_active=True),
    }
    return render(request, "pricebook/entry_new.html", context)


def _new_entry_initial(request: ShopRequest) -> dict:
    """From the "no price yet" report's link: the model it was about."""
    initial = {key: request.GET[key] for key in ("category", "make", "model") if key in request.GET}
    model_id = object_id(request.GET.get("device_model", ""))
    if model_id is not None:
        model = DeviceModel.objects.for_shop(request.shop).filter(pk=model_id).first()
        if model is not None:
            initial |= {"category": model.category, "make": model.make, "model": model.name}
    return initial


# Options and their parts ----------------------------------------------------------------


@shop_member_required(*MANAGERS, to="change the pricebook")
def option_add(request: ShopRequest, entry_id: int) -> HttpResponse:
    entry = get_entry(request, entry_id)
    if request.method != "POST":
        return redirect(_entry_url(entry.pk))
    form = OptionForm(request.POST, shop=request.shop)
    if form.is_valid():
        try:
            option = services.option_save(entry=entry, **form.cleaned_data)
        except ValidationError as refused:
            form.add_error("grade", refused)
        else:
            messages.success(request, f"{option.grade_label} option added.")
            return redirect(_entry_url(entry.pk, option.pk))
    return _entry_page(request, entry, status=400, new_option_form=form)


@shop_member_required(*MANAGERS, to="change the pricebook")
def option_edit(request: ShopRequest, option_id: int) -> HttpResponse:
    option = get_option(request, option_id)
    if request.method != "POST":
        return redirect(_entry_url(option.entry_id, option.pk))
    form = option_form_for(request, option.pk, data=request.POST)
    if form.is_valid():
        try:
            services.option_save(entry=option.entry, option=option, **form.cleaned_data)
        except ValidationError as refused:
            form.add_error("grade", refused)
        else:
            messages.success(request, f"{option.grade_label} price saved.")
            return redirect(_entry_url(option.entry_id, option.pk))
    entry = get_entry(request, option.entry_id)
    return _entry_page(request, entry, status=400, option_form=form, option_id=option.pk)


@shop_member_required(*MANAGERS, to="change the pricebook")
def option_delete(request: ShopRequest, option_id: int) -> HttpResponse:
    option = get_option(request, option_id)
    if request.method != "POST":
        return redirect(_entry_url(option.entry_id, option.pk))
    try:
        services.option_delete(option=option)
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        messages.success(request, f"{option.grade_label} option removed.")
    return redirect(_entry_url(option.entry_id))


@shop_member_required(*MANAGERS, to="change the pricebook")
def option_part_add(request: ShopRequest, option_id: int) -> HttpResponse:
    option = get_option(request, option_id)
    if request.method != "POST":
        return redirect(_entry_url(option.entry_id, option.pk))
    form = part_form_for(option.pk, data=request.POST)
    if form.is_valid():
        try:
            use = services.option_part_add(option=option, **form.cleaned_data)
        except ValidationError as refused:
            form.add_error("part_number", refused)
        else:
            messages.success(request, f"{use.part.name} × {use.quantity} on the option.")
            return redirect(_entry_url(option.entry_id, option.pk))
    entry = get_entry(request, option.entry_id)
    return _entry_page(request, entry, status=400, part_form=form, option_id=option.pk)


@shop_member_required(*MANAGERS, to="change the pricebook")
def option_part_remove(request: ShopRequest, option_part_id: int) -> HttpResponse:
    use = get_option_part(request, option_part_id)
    if request.method != "POST":
        return redirect(_entry_url(use.option.entry_id, use.option_id))
    services.option_part_remove(option_part=use)
    messages.success(request, f"{use.part.name} taken off the option.")
    return redirect(_entry_url(use.option.entry_id, use.option_id))


# Repairs quoted by hand -----------------------------------------------------------------


@shop_member_required()
@require_GET
def no_price(request: ShopRequest) -> HttpResponse:
    period = request.GET.get("period", "365")
    if period not in PERIODS:
        period = "365"
    rows = no_price_report(request.shop, days=PERIODS[period])
    return render(request, "pricebook/no_price.html", {"rows": rows, "period": period})
