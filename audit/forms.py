"""The audit page's filters, read from the query string; a refused one says why at its field."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.utils import timezone

from audit.models import Kind
from audit.tracked import TABLES
from shops.fields import DateField, SearchField
from shops.models import Membership, Shop

_OBJECT = re.compile(r"^([a-z_]{1,63}):(\d{1,18})$")
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_CURSOR = re.compile(r"^(\d{1,18})\.(\d{1,18})$")


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    member_id: int | None = None
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    works_order_id: int | None = None
    table_name: str = ""
    object_id: int | None = None
    before: tuple[datetime.datetime, int] | None = None  # the keyset: older than this entry

    @property
    def any(self) -> bool:
        return any(
            (
                self.kind,
                self.member_id,
                self.since,
                self.until,
                self.works_order_id,
                self.table_name,
            )
        )


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of change", choices=[("", "All changes"), *Kind.choices], required=False
    )
    member = forms.TypedChoiceField(label="Staff member", coerce=int, required=False)
    date_from = DateField(label="From", required=False, widget=forms.DateInput({"type": "date"}))
    date_to = DateField(label="To", required=False, widget=forms.DateInput({"type": "date"}))
    works_order = SearchField(cut=20, label="Works order number")
    object = forms.CharField(required=False, widget=forms.HiddenInput, max_length=90)

    def __init__(self, params, *, shop: Shop) -> None:
        super().__init__(params)
        self.shop = shop
        self.works_order_label = shop.works_order_label
        self.fields["works_order"].label = f"{shop.works_order_label} number"
        members = (
            Membership.objects.for_shop(shop).select_related("user").order_by("user__full_name")
        )
        self.fields["member"].choices = [("", "Anyone")] + [
            (m.pk, m.user.full_name if m.is_active else f"{m.user.full_name} (left)")
            for m in members
        ]
        self.cursor = params.get("before", "")

    def clean_object(self) -> tuple[str, int] | None:
        value = self.cleaned_data["object"]
        if not value:
            return None
        found = _OBJECT.match(value)
        if not found or found[1] not in TABLES:
            raise forms.ValidationError("This link names no object that has a history.")
        return found[1], int(found[2])

    def clean_works_order(self) -> int | None:
        number = self.cleaned_data["works_order"].upper()
        if not number:
            return None
        works_orders = apps.get_model("tickets", "WorksOrder")  # audit sits below tickets
        found = (
            works_orders.objects.for_shop(self.shop)
            .filter(number=number)
            .values_list("pk", flat=True)
            .first()
        )
        if found is None:
            raise forms.ValidationError(f"No {self.works_order_label.lower()} has this number.")
        return found

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filters(self) -> Filters:
        """What to show: the valid filters only (a refused one is left out and says why)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        start, end = data.get("date_from"), data.get("date_to")
        day = datetime.timedelta(days=1)
        where = data.get("object")
        return Filters(
            kind=data.get("kind") or "",
            member_id=data.get("member") or None,
            since=_midnight(start) if start else None,
            until=_midnight(end + day) if end and "date_to" not in self.errors else None,
            works_order_id=data.get("works_order"),
            table_name=where[0] if where else "",
            object_id=where[1] if where else None,
            before=_cursor(self.cursor),
        )


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _cursor(value: str) -> tuple[datetime.datetime, int] | None:
    """`before=<microseconds since 1970>.<id>`: anything else starts from the newest."""
    found = _CURSOR.match(value or "")
    if not found:
        return None
    try:
        at = EPOCH + datetime.timedelta(microseconds=int(found[1]))
    except OverflowError:
        return None
    return at, int(found[2])


def cursor_of(at: datetime.datetime, pk: int) -> str:
    return f"{(at - EPOCH) // datetime.timedelta(microseconds=1)}.{pk}"
