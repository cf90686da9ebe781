"""Settings → SLA: each priority's target, when a job turns amber, and whether waiting for
parts counts. What is set applies to jobs booked in (or re-prioritised) from then on: promises
already made keep their time."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render

from shops.access import ShopRequest, shop_member_required
from shops.fields import WholeNumberField
from shops.models import MANAGERS, Shop
from tickets.models import Priority, SlaTarget, SlaUnit
from tickets.sla import target_text, targets_for


class SlaTargetForm(forms.Form):
    unit = forms.ChoiceField(choices=SlaUnit.choices, label="Counted in")
    amount = WholeNumberField(min_value=1, max_value=365, label="How many")

    def clean(self) -> dict:
        data = super().clean()
        unit, amount = data.get("unit"), data.get("amount")
        if unit == SlaUnit.BUSINESS_HOURS and amount and amount > 200:
            self.add_error("amount", "Up to 200 business hours; use business days beyond that.")
        return data


class SlaShopForm(forms.ModelForm):
    sla_risk_percent = WholeNumberField(
        min_value=1,
        max_value=99,
        label=Shop._meta.get_field("sla_risk_percent").verbose_name.capitalize(),
        help_text=Shop._meta.get_field("sla_risk_percent").help_text,
    )

    class Meta:
        model = Shop
        fields = ["sla_risk_percent", "sla_parts_clock"]


def _target_forms(shop: Shop, data=None) -> list[tuple[str, SlaTargetForm]]:
    current = targets_for(shop)
    return [
        (
            Priority(priority).label,
            SlaTargetForm(
                data,
                prefix=priority,
                initial={"unit": current[priority][0], "amount": current[priority][1]},
            ),
        )
        for priority in Priority.values
    ]


@transaction.atomic
def sla_settings_save(*, shop: Shop, targets: dict[str, tuple[str, int]]) -> None:
    shop.save(update_fields=["sla_risk_percent", "sla_parts_clock"])
    for priority, (unit, amount) in targets.items():
        SlaTarget.objects.update_or_create(
            shop=shop, priority=priority, defaults={"unit": unit, "amount": amount}
        )


@shop_member_required(*MANAGERS, to="change SLA targets")
def sla_settings(request: ShopRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    shop_form = SlaShopForm(data, instance=request.shop)
    targets = _target_forms(request.shop, data)
    if data is not None and shop_form.is_valid() and all(f.is_valid() for _, f in targets):
        chosen = {
            form.prefix: (form.cleaned_data["unit"], form.cleaned_data["amount"])
            for _, form in targets
        }
        sla_settings_save(shop=shop_form.save(commit=False), targets=chosen)
        summary = "; ".join(
            f"{Priority(p).label}: {target_text(u, a)}" for p, (u, a) in chosen.items()
        )
        messages.success(request, f"SLA targets saved ({summary}). Promises already made stay.")
        return redirect("sla_settings")
    return render(
        request, "tickets/sla_settings.html", {"shop_form": shop_form, "targets": targets}
    )
