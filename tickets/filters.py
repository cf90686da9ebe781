"""The works-order list's filters: read from the URL, so a filtered list can be bookmarked."""

from __future__ import annotations

from django import forms

from shops.fields import DateField
from shops.models import Branch, Membership, Role, Shop
from shops.renderers import DrawnWidgetsRenderer
from tickets.models import Priority, Status
from tickets.selectors import ListFilters
from tickets.sla_status import SlaStatus


class WorksOrderFilterForm(forms.Form):
    # Drawn on every request of the list, with some 40 options: in Python, not a template each.
    default_renderer = DrawnWidgetsRenderer()

    # Plain choices read once: the select draws them and the chosen one is looked up among
    # them, where a ModelChoiceField would ask the database again to validate it.
    branch = forms.ChoiceField(required=False)
    status = forms.MultipleChoiceField(
        choices=Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    priority = forms.ChoiceField(choices=[("", "Any priority"), *Priority.choices], required=False)
    technician = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    sla = forms.ChoiceField(
        label="SLA", choices=[("", "Any SLA status"), *SlaStatus.choices], required=False
    )
    booked_from = DateField(
        label="Booked in from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    booked_to = DateField(
        label="to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.branches = {b.code: b for b in Branch.objects.for_shop(shop).order_by("code")}
        self.fields["branch"].choices = [("", "All branches")] + [
            (code, f"{code} · {branch.name}") for code, branch in self.branches.items()
        ]
        technicians = (
            Membership.objects.for_shop(shop)
            .filter(is_active=True, role=Role.TECHNICIAN)
            .select_related("user")
            .order_by("user__full_name")
        )
        self.technicians = {member.pk: member for member in technicians}
        self.fields["technician"].choices = [("", "Anyone")] + [
            (pk, member.user.full_name or member.user.email)
            for pk, member in self.technicians.items()
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("booked_from"), cleaned.get("booked_to")
        if start and end and start > end:
            self.add_error("booked_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> ListFilters:
        """What to filter by; fields with errors are left out, so a typo never empties the list."""
        self.is_valid()
        data = self.cleaned_data  # Django leaves fields with errors out of it
        return ListFilters(
            branch=self.branches.get(data.get("branch")),
            statuses=data.get("status") or [],
            priority=data.get("priority") or "",
            technician=self.technicians.get(data.get("technician")),
            booked_from=data.get("booked_from"),
            booked_to=data.get("booked_to"),
            sla=data.get("sla") or "",
        )

    def status_summary(self) -> str:
        chosen = self.data.getlist("status") if hasattr(self.data, "getlist") else []
        labels = [label for value, label in Status.choices if value in chosen]
        if not labels:
            return "Any status"
        return labels[0] if len(labels) == 1 else f"{len(labels)} statuses"
