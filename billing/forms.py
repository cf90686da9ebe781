"""The counter's billing forms: every amount is checked at the field (a penny to MAX_AMOUNT,
two decimals); what is owed or refundable is the service's to check, as it knows the job."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone

from billing.export import LAYOUTS
from billing.models import COUNTER_METHODS, ExemptionKind, Method
from billing.services import MAX_AMOUNT
from shops.fields import AmountField, DateField
from shops.models import Branch, Shop


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


# The accounting export and the day end ---------------------------------------------------

LONGEST_EXPORT_DAYS = 366
# A date input sends and shows ISO dates, whatever the language's own format.
DAY_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class ExportForm(forms.Form):
    """A period of whole days (in the shop's time) and one file layout, read from the URL."""

    start = DateField(label="From", widget=DAY_INPUT)
    end = DateField(label="To", widget=DAY_INPUT)
    layout = forms.ChoiceField(label="File", choices=list(LAYOUTS.items()))

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The last day is before the first.")
            elif (end - start).days >= LONGEST_EXPORT_DAYS:
                self.add_error("end", "Choose a period of a year or less.")
        return cleaned

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """From the first day's midnight to the midnight after the last, in the shop's time."""
        first, last = self.cleaned_data["start"], self.cleaned_data["end"]
        start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
        end = timezone.make_aware(
            datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
        )
        return start, end


class TillForm(forms.Form):
    """Which branch and day the till report shows, read from the URL."""

    branch = forms.ChoiceField(label="Branch", required=False)  # none: the member's own
    day = DateField(label="Day", required=False, widget=DAY_INPUT)

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.branches = {b.code: b for b in Branch.objects.for_shop(shop).order_by("name")}
        self.fields["branch"].choices = [
            (code, branch.name if branch.is_active else f"{branch.name} (closed)")
            for code, branch in self.branches.items()
        ]

    @property
    def chosen_branch(self) -> Branch:
        return self.branches[self.cleaned_data["branch"]]


class TillCloseForm(TillForm):
    counted_cash = AmountField(
        label="Cash counted in the drawer",
        help_text="Without the float.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    note = forms.CharField(label="Note", max_length=200, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].required = self.fields["day"].required = True
