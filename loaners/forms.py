"""The counter's loaner forms: every field is checked here (lengths, a penny to the billing
limit, dates in this century); whether the loaner is free is the service's to say."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone

from billing.forms import amount_field
from billing.models import COUNTER_METHODS, Method
from billing.services import MAX_AMOUNT
from loaners.models import Loaner
from shops.fields import DateField
from shops.models import Branch, Shop

DEPOSIT_METHODS = [(m.value, m.label) for m in COUNTER_METHODS if m != Method.ACCOUNT]


class LoanerForm(forms.Form):
    branch = forms.ModelChoiceField(queryset=Branch.objects.none(), empty_label=None)
    name = forms.CharField(
        max_length=120, help_text="What the customer is handed, e.g. iPhone 11 64 GB, black."
    )
    serial = forms.CharField(label="Serial number or IMEI", max_length=60)
    condition = forms.CharField(max_length=300, required=False, help_text="Marks it already has.")

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.for_shop(shop).order_by("name")


def _loaner_label(loaner: Loaner) -> str:
    return f"{loaner.name} · S/N {loaner.serial}"


class LendForm(forms.Form):
    loaner = forms.ModelChoiceField(
        queryset=Loaner.objects.none(), empty_label="Choose a loaner", label="Loaner"
    )
    due_back = DateField(
        label="Due back",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text="The day the customer brings it back.",
    )
    condition = forms.CharField(
        label="Condition now",
        max_length=300,
        required=False,
        help_text="Marks it has as it goes out.",
    )
    deposit = amount_field("Deposit", required=False, help_text="Leave empty for no deposit.")
    deposit_method = forms.ChoiceField(
        label="Deposit taken by", choices=DEPOSIT_METHODS, initial=Method.CASH
    )
    deposit_reference = forms.CharField(
        label="Reference", max_length=100, required=False, help_text="Card slip or transfer ref."
    )

    def __init__(self, *args, loaners, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["loaner"].queryset = loaners
        self.fields["loaner"].label_from_instance = _loaner_label
        self.today = today

    def clean_due_back(self) -> datetime.date:
        due = self.cleaned_data["due_back"]
        if due < self.today:
            raise forms.ValidationError("The day it is due back cannot be in the past.")
        if due > self.today + datetime.timedelta(days=366):
            raise forms.ValidationError("Lend it for a year at most.")
        return due


def default_due_back(works_order, today: datetime.date) -> datetime.date:
    """The day after the job should be ready, or a week from today."""
    ready_by = works_order.ready_by
    if ready_by is not None:
        day = timezone.localdate(ready_by, works_order.branch.tz) + datetime.timedelta(days=1)
        if day >= today:
            return day
    return today + datetime.timedelta(days=7)


class ReturnForm(forms.Form):
    condition = forms.CharField(
        label="Condition it came back in",
        max_length=300,
        help_text="e.g. as lent, or new marks.",
    )
    refund = forms.DecimalField(
        label="Deposit to give back",
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
        max_digits=9,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text="Empty: all of what is held.",
    )
    keep_reason = forms.CharField(
        label="Why part is kept",
        max_length=150,
        required=False,
        help_text="Only if not all of it goes back.",
    )


class WaiveForm(forms.Form):
    reason = forms.CharField(
        label="Why it may go with the loaner out",
        max_length=200,
        help_text="Shown on the timeline.",
    )
