from __future__ import annotations

from django import forms

from devices.models import Device
from recurring.models import Frequency
from shops.fields import DateField, WholeNumberField
from shops.forms import checkboxes
from shops.models import Branch
from tickets.models import JobTemplate, Priority


class ScheduleForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        label="Name",
        help_text="E.g. “Tablet fleet: quarterly check”. Shown on each works order it raises.",
    )
    devices = forms.ModelMultipleChoiceField(
        queryset=Device.objects.none(),
        widget=checkboxes(),
        label="Devices",
        help_text="Each visit raises one works order per device.",
        error_messages={"invalid_choice": "Choose devices of this customer."},
    )
    branch = forms.ModelChoiceField(
        queryset=Branch.objects.none(), label="Branch", empty_label="Choose a branch…"
    )
    template = forms.ModelChoiceField(
        queryset=JobTemplate.objects.none(),
        label="Template",
        empty_label="Choose a template…",
        help_text="Its lines and checklist go on each visit's works order.",
    )
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.STANDARD)
    frequency = forms.ChoiceField(
        choices=Frequency.choices, label="Repeats", initial=Frequency.MONTHLY
    )
    interval = WholeNumberField(min_value=1, max_value=52, initial=1, label="Every (N)")
    starts_on = DateField(label="First visit due", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = DateField(
        label="Last visit no later than",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: until ended.",
    )
    lead_days = WholeNumberField(
        min_value=0,
        max_value=90,
        initial=7,
        label="Raise N days ahead",
        help_text="The works order is raised this many days before the visit is due.",
    )

    def __init__(self, *args, shop_id: int, customer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["devices"].queryset = Device.objects.for_shop(shop_id).filter(customer=customer)
        self.fields["branch"].queryset = Branch.objects.for_shop(shop_id).filter(is_active=True)
        self.fields["template"].queryset = JobTemplate.objects.for_shop(shop_id).filter(
            is_active=True
        )

    def clean(self) -> dict:
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The last visit cannot come before the first.")
        if data.get("frequency") == Frequency.MONTHLY and (data.get("interval") or 0) > 24:
            self.add_error("interval", "Up to every 24 months.")
        return data
