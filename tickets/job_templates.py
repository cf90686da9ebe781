"""Job templates: a checklist and default quote lines a works order can start from (Settings →
Templates), and the job's own checklist once copied onto it.

A template is copied, never linked: changing it later changes no job already booked, and a job
started from it may have its lines and checklist edited like any other.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from shops.access import ShopRequest, shop_member_required
from shops.fields import AmountField, object_id
from shops.models import MANAGERS, Membership, Shop
from tickets.models import ChecklistItem, Event, JobTemplate, JobTemplateLine, LineKind, WorksOrder
from tickets.services import LineData, record

MAX_TEMPLATE_LINES = 30
MAX_CHECKLIST_ITEMS = 50


# Forms -------------------------------------------------------------------------------------


class JobTemplateForm(forms.ModelForm):
    checklist = forms.CharField(
        label="Checklist",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One item per line: what the technician ticks off on the job.",
    )

    class Meta:
        model = JobTemplate
        fields = ["name", "fault", "checklist", "is_active"]
        widgets = {"fault": forms.Textarea(attrs={"rows": 2})}
        labels = {"is_active": "Offered at intake"}

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.shop = shop
        self.instance.shop = shop
        self.initial["checklist"] = "\n".join(self.instance.checklist or [])

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = JobTemplate.objects.for_shop(self.shop).filter(name__iexact=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another template has this name.")
        return name

    def clean_checklist(self) -> list[str]:
        items = [line.strip() for line in self.cleaned_data["checklist"].splitlines()]
        items = [item for item in items if item]
        if len(items) > MAX_CHECKLIST_ITEMS:
            raise forms.ValidationError(f"At most {MAX_CHECKLIST_ITEMS} checklist items.")
        if any(len(item) > 200 for item in items):
            raise forms.ValidationError("Keep each checklist item under 200 characters.")
        return items


class TemplateLineForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[c for c in LineKind.choices if c[0] != LineKind.DISCOUNT],
        initial=LineKind.LABOUR,
        widget=forms.Select(attrs={"aria-label": "Type"}),
    )
    description = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"aria-label": "Description"})
    )
    quantity = AmountField(
        min_value=Decimal("0.01"),
        max_value=Decimal("999.99"),
        initial=1,
        widget=forms.NumberInput(attrs={"aria-label": "Quantity", "step": "any"}),
    )
    unit_price = AmountField(
        widget=forms.NumberInput(attrs={"aria-label": "Unit price, net of VAT", "step": "0.01"})
    )


TemplateLineFormSet = forms.formset_factory(
    TemplateLineForm,
    extra=2,
    can_delete=True,
    max_num=MAX_TEMPLATE_LINES,
    validate_max=True,
)


# Services ----------------------------------------------------------------------------------


@transaction.atomic
def job_template_save(*, template: JobTemplate, lines: list[dict]) -> JobTemplate:
    """Save the template with exactly these default lines, in order."""
    template.save()
    JobTemplateLine.objects.for_shop(template.shop_id).filter(template=template).delete()
    JobTemplateLine.objects.bulk_create(
        JobTemplateLine(shop_id=template.shop_id, template=template, position=i, **line)
        for i, line in enumerate(lines)
    )
    return template


def template_lines(template: JobTemplate) -> list[LineData]:
    return [
        LineData(
            description=line.description,
            unit_price=line.unit_price,
            quantity=line.quantity,
            kind=line.kind,
        )
        for line in JobTemplateLine.objects.for_shop(template.shop_id).filter(template=template)
    ]


def checklist_copy(*, works_order: WorksOrder, template: JobTemplate, by: Membership) -> None:
    """Put the template's checklist on the job (inside the booking's transaction)."""
    ChecklistItem.objects.bulk_create(
        ChecklistItem(shop_id=works_order.shop_id, works_order=works_order, position=i, text=text)
        for i, text in enumerate(template.checklist)
    )
    record(works_order, Event.DETAILS, by, f"Started from the template “{template.name}”")


@transaction.atomic
def checklist_tick(*, item: ChecklistItem, done: bool, by: Membership) -> ChecklistItem:
    """Tick or untick one item; the timeline says who. Ticking a ticked item changes nothing."""
    item = ChecklistItem.objects.for_shop(item.shop_id).select_for_update().get(pk=item.pk)
    if (item.done_at is not None) == done:
        return item
    item.done_by, item.done_at = (by, timezone.now()) if done else (None, None)
    item.save(update_fields=["done_by", "done_at"])
    verb = "Ticked" if done else "Unticked"
    record(item.works_order, Event.CHECKLIST, by, f"{verb}: {item.text}")
    return item


# Pages -------------------------------------------------------------------------------------


def _lines_initial(template: JobTemplate | None) -> list[dict]:
    if template is None or template.pk is None:
        return []
    return [
        {
            "kind": line.kind,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
        }
        for line in template.lines.all()
    ]


@shop_member_required(*MANAGERS, to="change job templates")
def template_list(request: ShopRequest) -> HttpResponse:
    templates = JobTemplate.objects.for_shop(request.shop).prefetch_related("lines")
    return render(request, "tickets/templates.html", {"templates": templates})


@shop_member_required(*MANAGERS, to="change job templates")
def template_edit(request: ShopRequest, template_id: int | None = None) -> HttpResponse:
    template = (
        get_object_or_404(JobTemplate.objects.for_shop(request.shop), pk=template_id)
        if template_id is not None
        else JobTemplate(shop=request.shop)
    )
    data = request.POST if request.method == "POST" else None
    form = JobTemplateForm(data, instance=template, shop=request.shop, prefix="template")
    lines = TemplateLineFormSet(data, prefix="lines", initial=_lines_initial(template))
    if data is not None and form.is_valid() and lines.is_valid():
        kept = [
            {k: v for k, v in line.cleaned_data.items() if k != "DELETE"}
            for line in lines.forms
            if line.cleaned_data and not line.cleaned_data.get("DELETE")
        ]
        try:
            job_template_save(template=form.save(commit=False), lines=kept)
        except IntegrityError:  # the same name saved a moment ago by someone else
            form.add_error("name", "Another template has this name.")
        else:
            messages.success(request, f"Template “{template.name}” saved.")
            return redirect("job_templates")
    status = 400 if data is not None else 200
    context = {"form": form, "lines": lines, "template": template}
    return render(request, "tickets/template_form.html", context, status=status)


def template_lines_initial(template: JobTemplate, vat_rate: Decimal) -> list[dict]:
    """The template's lines as the intake's quote rows, at the shop's VAT rate."""
    # "20" and "1", not "20.00" and "1.00": they must fit their narrow cells
    return [
        {
            **line,
            "quantity": f"{line['quantity'].normalize():f}",
            "vat_rate": f"{vat_rate.normalize():f}",
        }
        for line in _lines_initial(template)
    ]


def template_for_intake(request: ShopRequest, value: str) -> JobTemplate | None:
    """The template asked for at intake (?template= or the hidden field), this shop's only."""
    template_id = object_id(value or "")
    if template_id is None:
        return None
    return (
        JobTemplate.objects.for_shop(request.shop)
        .filter(pk=template_id, is_active=True)
        .prefetch_related("lines")
        .first()
    )


@shop_member_required()
def checklist_item_tick(request: ShopRequest, number: str, position: int) -> HttpResponse:
    from tickets.access import get_works_order

    works_order = get_works_order(request, number)
    if request.method != "POST":
        return redirect("works_order_detail", number=number)
    item = get_object_or_404(
        ChecklistItem.objects.for_shop(request.shop), works_order=works_order, position=position
    )
    if not works_order.is_open:
        messages.error(request, f"{works_order.number} is closed: its checklist no longer changes.")
    else:
        try:
            checklist_tick(item=item, done=request.POST.get("done") == "1", by=request.member)
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
    return redirect(reverse("works_order_detail", args=[works_order.number]) + "#checklist")
