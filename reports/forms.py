"""The SLA view's choices: a period and a branch, read from the URL so a view can be bookmarked."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone

from billing.forms import ExportForm
from shops.fields import DateField
from shops.models import Branch, Shop

LONGEST_PERIOD_DAYS = 366


PERIODS = [
    ("week", "This week"),
    ("month", "This month"),
    ("30d", "Last 30 days"),
    ("custom", "Dates I choose"),
]
DEFAULT_PERIOD = "week"


@dataclass(frozen=True)
class Period:
    """Whole days in the shop's time: from the start of `first` to the end of `last`."""

    first: datetime.date
    last: datetime.date
    label: str  # "This week"
    phrase: str  # as a sentence ends: "… breached this week"

    @property
    def start(self) -> datetime.datetime:
        return _midnight(self.first)

    @property
    def end(self) -> datetime.datetime:  # exclusive
        return _midnight(self.last + datetime.timedelta(days=1))


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def period_of(choice: str, today: datetime.date) -> Period:
    if choice == "month":
        return Period(today.replace(day=1), today, "This month", "this month")
    if choice == "30d":
        first = today - datetime.timedelta(days=29)
        return Period(first, today, "Last 30 days", "in the last 30 days")
    monday = today - datetime.timedelta(days=today.weekday())
    return Period(monday, today, "This week", "this week")


def branch_choices(shop: Shop) -> tuple[dict[str, Branch], list[tuple[str, str]]]:
    """The shop's branches by code, and the choices "All branches" and each of them. Closed
    branches stay choosable: their history is worth reading."""
    branches = {b.code: b for b in Branch.objects.for_shop(shop).order_by("name")}
    return branches, [("", "All branches")] + [
        (code, branch.name if branch.is_active else f"{branch.name} (closed)")
        for code, branch in branches.items()
    ]


class SlaViewForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False, label="Period")
    start = DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    branch = forms.ChoiceField(required=False, label="Branch")

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.branches, self.fields["branch"].choices = branch_choices(shop)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("period") != "custom":
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        if "start" not in self.errors and start is None:
            self.add_error("start", "Choose the first day of the period.")
        if "end" not in self.errors and end is None:
            self.add_error("end", "Choose the last day of the period.")
        if start and end:
            if end < start:
                self.add_error("end", "The last day is before the first.")
            elif (end - start).days >= LONGEST_PERIOD_DAYS:
                self.add_error("end", "Choose a period of a year or less.")
        return cleaned

    def chosen(self, today: datetime.date) -> tuple[Period, Branch | None]:
        """The period and branch asked for; whatever was refused falls back to this week and
        all branches, so a typo shows figures (and says what was wrong) rather than nothing."""
        self.is_valid()
        data = self.cleaned_data  # fields with errors are left out of it
        branch = self.branches.get(data.get("branch") or "")
        refused = {"period", "start", "end"} & set(self.errors)
        if data.get("period") == "custom" and not refused:
            first, last = data["start"], data["end"]
            phrase = f"from {first.day} {first:%b %Y} to {last.day} {last:%b %Y}"
            return Period(first, last, "Dates chosen", phrase), branch
        choice = data.get("period") or DEFAULT_PERIOD
        return period_of(DEFAULT_PERIOD if choice == "custom" else choice, today), branch


class OrdsExportForm(ExportForm):
    """The open repair data export's period (whole days in the shop's time, as the accounting
    export reads and checks them) and branch."""

    layout = None  # one file layout only
    branch = forms.ChoiceField(required=False, label="Branch")

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.branches, self.fields["branch"].choices = branch_choices(shop)

    def chosen(self) -> tuple[Period, Branch | None]:
        first, last = self.cleaned_data["start"], self.cleaned_data["end"]
        phrase = f"from {first.day} {first:%b %Y} to {last.day} {last:%b %Y}"
        return Period(first, last, "Dates chosen", phrase), self.branches.get(
            self.cleaned_data.get("branch") or ""
        )
