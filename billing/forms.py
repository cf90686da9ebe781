"""The counter's billing forms: every amount is checked at the field (a penny to MAX_AMOUNT,
two decimals); what is owed or refundable is the service's to check, as it knows the job."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from billing.models import COUNTER_METHODS, ExemptionKind, Method
from billing.services import MAX_AMOUNT


def amount_field(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
        max_digits=9,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kwargs,
    )


class PaymentForm(forms.Form):
    method = forms.ChoiceField(
        label="How", choices=[(m.value, m.label) for m in COUNTER_METHODS], initial=Method.CASH
    )
    amount = amount_field("Amount paid")
    tendered = amount_field(
        "Cash handed over", required=False, help_text="Cash only: the change is worked out."
    )
    reference = forms.CharField(
        label="Reference", max_length=100, required=False, help_text="Card slip or transfer ref."
    )
    deposit = forms.BooleanField(label="This is a deposit", required=False)

    def clean(self) -> dict:
        data = super().clean()
        tendered, amount = data.get("tendered"), data.get("amount")
        cash = data.get("method") == Method.CASH
        if cash and tendered is not None and amount is not None and tendered < amount:
            self.add_error("tendered", "Less cash was handed over than is being paid.")
        return data

    def inputs(self) -> dict:
        data = self.cleaned_data
        return {
            "method": data["method"],
            "amount": data["amount"],
            "tendered": data["tendered"],
            "reference": data["reference"],
            "deposit": data["deposit"],
        }


class RefundForm(forms.Form):
    amount = amount_field("Amount to refund")
    reason = forms.CharField(label="Why", max_length=200)


class ExemptionForm(forms.Form):
    kind = forms.ChoiceField(
        label="Why no payment is due",
        choices=[(ExemptionKind.WARRANTY, "Warranty"), (ExemptionKind.GOODWILL, "Goodwill")],
    )
    note = forms.CharField(label="Note", max_length=200, help_text="e.g. the original job number.")


class CreditNoteForm(forms.Form):
    amount = amount_field("Amount to credit (incl. VAT)")
    reason = forms.CharField(label="Why", max_length=200)
