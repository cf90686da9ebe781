"""The works-order list's filters: read from the URL, so a filtered list can be bookmarked."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from shops.fields import DateField
from shops.models import Branch, Membership, Role, Shop
from shops.prepared import Prepared
from tickets.models import Priority, Status
from tickets.selectors import ListFilters
from tickets.sla_status import SlaStatus

PROMISE_CHOICES = [
    ("promised", "Had an SLA due time"),
    ("kept", "Ready by its due time"),
    ("broken", "Ready after its due time"),
]


def _day(label: str) -> DateField:
    """A day to filter from or to, picked with the browser's date picker."""
    return DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _branches(shop_id: int) -> QuerySet[Branch]:
    return Branch.objects.for_shop(shop_id).order_by("code")


def _technicians(shop_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.for_shop(shop_id)
        .filter(is_active=True, role=Role.TECHNICIAN)
        .select_related("user")
        .order_by("user__full_name")
    )


# The list draws its filters on every request: their choices' queries are put together once.
BRANCHES = Prepared(_branches, shop_id=int)
TECHNICIANS = Prepared(_technicians, shop_id=int)


class WorksOrderFilterForm(forms.Form):
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
    online = forms.ChoiceField(
        label="Booked", required=False, choices=[("", "Anyhow"), ("on", "Booked online")]
    )
    booked_from = _day("Booked in from")
    booked_to = _day("to")

    # The jobs behind a figure of the reports' dashboard: shown only when a link set them (the
    # repair types are read only then, so the plain list asks the database nothing more).
    repair_type = forms.ChoiceField(label="Repair type", required=False)
    ready_from = _day("Ready from")
    ready_to = _day("Ready to")
    started_from = _day("Picked up from")
    started_to = _day("Picked up to")
    collected_from = _day("Collected from")
    collected_to = _day("Collected to")
    cancelled_from = _day("Cancelled from")
    cancelled_to = _day("Cancelled to")
    repaired_by = forms.TypedChoiceField(
        label="Repaired by", coerce=int, required=False, empty_value=None
    )
    failed_qc = forms.ChoiceField(
        label="QC", required=False, choices=[("", "Any"), ("on", "Failed QC at least once")]
    )
    came_back = forms.ChoiceField(
        label="Warranty", required=False, choices=[("", "Any"), ("on", "Came back under warranty")]
    )
    promise = forms.ChoiceField(
        label="Promise", required=False, choices=[("", "Any"), *PROMISE_CHOICES]
    )
    REPORT_FIELDS = (
        "repair_type", "ready_from", "ready_to", "started_from", "started_to", "collected_from",
        "collected_to", "cancelled_from", "cancelled_to", "repaired_by", "failed_qc", "came_back",
        "promise",
    )  # fmt: skip
    DATE_SPANS = ("ready", "started", "collected", "cancelled")

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.repair_types = {}
        if self.data.get("repair_type"):
            from pricebook.models import RepairType

            self.repair_types = {
                str(rt.pk): rt for rt in RepairType.objects.for_shop(shop).order_by("name")
            }
        self.fields["repair_type"].choices = [
            ("", "Any repair type"),
            ("none", "No repair type"),
            *((pk, rt.name) for pk, rt in self.repair_types.items()),
        ]
        # Whoever repaired the jobs behind a technician's figure, left since or not.
        self.repairers = {}
        if self.data.get("repaired_by"):
            repairers = Membership.objects.for_shop(shop).select_related("user")
            self.repairers = {m.pk: m for m in repairers.order_by("user__full_name")}
        self.fields["repaired_by"].choices = [("", "Anyone")] + [
            (pk, m.user.full_name or m.user.email) for pk, m in self.repairers.items()
        ]
        self.branches = {b.code: b for b in BRANCHES.fetch(shop_id=shop.pk)}
        self.fields["branch"].choices = [("", "All branches")] + [
            (code, f"{code} · {branch.name}") for code, branch in self.branches.items()
        ]
        self.technicians = {member.pk: member for member in TECHNICIANS.fetch(shop_id=shop.pk)}
        self.fields["technician"].choices = [("", "Anyone")] + [
            (pk, member.user.full_name or member.user.email)
            for pk, member in self.technicians.items()
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        for span in ("booked", *self.DATE_SPANS):
            first, last = f"{span}_from", f"{span}_to"
            if cleaned.get(first) and cleaned.get(last) and cleaned[first] > cleaned[last]:
                self.add_error(last, "The end date is before the start date.")
        return cleaned

    @property
    def from_reports(self) -> list:
        """The report filters set in the URL (the list shows them only then)."""
        return [self[name] for name in self.REPORT_FIELDS if self.data.get(name)]

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
            repair_type=self.repair_types.get(data.get("repair_type") or ""),
            no_repair_type=data.get("repair_type") == "none",
            ready_from=data.get("ready_from"),
            ready_to=data.get("ready_to"),
            started_from=data.get("started_from"),
            started_to=data.get("started_to"),
            collected_from=data.get("collected_from"),
            collected_to=data.get("collected_to"),
            cancelled_from=data.get("cancelled_from"),
            cancelled_to=data.get("cancelled_to"),
            repaired_by=self.repairers.get(data.get("repaired_by")),
            failed_qc=data.get("failed_qc") == "on",
            came_back=data.get("came_back") == "on",
            promise=data.get("promise") or "",
            booked_online=data.get("online") == "on",
        )

    def status_summary(self) -> str:
        chosen = self.data.getlist("status") if hasattr(self.data, "getlist") else []
        labels = [label for value, label in Status.choices if value in chosen]
        if not labels:
            return "Any status"
        return labels[0] if len(labels) == 1 else f"{len(labels)} statuses"
