"""Forms of the intake screen and the works-order page."""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from shops.fields import MAX_AMOUNT, AmountField, DateTimeField, object_id
from shops.forms import checkboxes
from shops.models import Branch, Membership
from tickets.models import (
    Accessory,
    ApprovalMethod,
    Condition,
    ConsentMethod,
    LineKind,
    NoteKind,
    PasscodeKind,
    Priority,
    RepairBarrier,
    RepairOutcome,
    WorksOrder,
)
from tickets.photos import clean_photo, megapixels
from tickets.services import ConsentData, LineData

MAX_SIGNATURE_BYTES = 300_000
MAX_QUOTE_LINES = 50


class WorksOrderForm(forms.ModelForm):
    """What the counter records about the job itself (customer and device have their own forms)."""

    branch = forms.ModelChoiceField(queryset=Branch.objects.none(), empty_label=None)
    condition = forms.MultipleChoiceField(
        choices=Condition.choices, required=False, widget=checkboxes(), label="Damage already there"
    )
    accessories = forms.MultipleChoiceField(
        choices=Accessory.choices, required=False, widget=checkboxes(), label="Received with it"
    )
    passcode = forms.CharField(
        required=False,
        max_length=64,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Needed to test the device. Encrypted, shown on request, erased on collection.",
    )

    class Meta:
        model = WorksOrder
        fields = [
            "branch",
            "priority",
            "fault_reported",
            "condition",
            "condition_notes",
            "accessories",
            "accessories_other",
            "passcode_kind",
            "scope_agreed",
            "scope_excluded",
            "estimated_completion",
            "estimated_minutes",
        ]
        field_classes = {"estimated_completion": DateTimeField}
        widgets = {
            "priority": forms.RadioSelect(attrs={"class": "form-check-input"}),
            "fault_reported": forms.Textarea(
                attrs={"rows": 3, "placeholder": "In the customer's words"}
            ),
            "condition_notes": forms.Textarea(attrs={"rows": 2}),
            "scope_agreed": forms.Textarea(attrs={"rows": 2}),
            "scope_excluded": forms.Textarea(attrs={"rows": 2}),
            "estimated_completion": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }

    def __init__(self, *args, member: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        mine = Branch.objects.for_shop(member.shop_id).filter(is_active=True)
        if not member.is_manager:
            mine = mine.filter(membershipbranch__membership=member)
        self.fields["branch"].queryset = mine
        self.fields["priority"].choices = Priority.choices
        promised = self.fields["estimated_completion"]
        promised.input_formats = ["%Y-%m-%dT%H:%M"]
        promised.label = "Promised ready by"
        promised.help_text = (
            "Optional: left empty, the SLA target is the promise. A warranty job needs the "
            "due time the manufacturer allows."
        )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("priority") == Priority.WARRANTY and not data.get("estimated_completion"):
            self.add_error(
                "estimated_completion",
                "A warranty job is due when the manufacturer says: type that date and time.",
            )
        kind, passcode = data.get("passcode_kind"), data.get("passcode", "")
        if kind in (PasscodeKind.PIN, PasscodeKind.PASSWORD, PasscodeKind.PATTERN) and not passcode:
            self.add_error("passcode", "Type the passcode, or choose “No passcode”.")
        if kind == PasscodeKind.PIN and passcode and not passcode.isdigit():
            self.add_error("passcode", "A PIN has digits only.")
        if kind == PasscodeKind.PATTERN and passcode and not set(passcode) <= set("123456789-"):
            self.add_error("passcode", "Write a pattern as the dots in order, 1–9, e.g. 1-2-3-6-9.")
        return data

    def clean_branch(self) -> Branch:
        branch = self.cleaned_data["branch"]
        branch.shop = self.member.shop  # the row the member's shop already is: not read again
        return branch

    def _get_validation_exclusions(self):
        # The branch was chosen from this member's branches; asking the database again
        # whether it exists would be one more query for nothing.
        return super()._get_validation_exclusions() | {"branch"}

    def details(self) -> dict:
        """The WorksOrder fields for tickets.services.works_order_book_in."""
        skip = {"branch", "passcode"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


def labelled(widget: type[forms.Widget], label: str, **attrs) -> forms.Widget:
    """Table cells have no <label>: the column's name goes on the input for screen readers."""
    return widget(attrs={"aria-label": label, **attrs})


class QuoteLineForm(forms.Form):
    kind = forms.ChoiceField(
        choices=LineKind.choices, initial=LineKind.LABOUR, widget=labelled(forms.Select, "Type")
    )
    description = forms.CharField(
        max_length=200,
        widget=labelled(forms.TextInput, "Description", placeholder="e.g. Screen replacement"),
    )
    quantity = AmountField(
        min_value=Decimal("0.01"),
        max_value=Decimal("999.99"),
        initial=1,
        widget=labelled(forms.NumberInput, "Quantity", step="any", **{"data-qty": ""}),
    )
    unit_price = AmountField(
        widget=labelled(
            forms.NumberInput, "Unit price, net of VAT", step="0.01", **{"data-price": ""}
        ),
    )
    vat_rate = AmountField(
        max_value=Decimal("100"),
        widget=labelled(forms.NumberInput, "VAT rate, per cent", step="any", **{"data-vat": ""}),
    )
    # Set on lines put on from the pricebook: a different price needs a word on why.
    listed_price = AmountField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        max_length=200,
        required=False,
        widget=labelled(
            forms.TextInput, "Why the price differs from the pricebook", placeholder="Why changed?"
        ),
    )

    def __init__(
        self, *args, vat_rate: Decimal | None = None, may_discount: bool = False, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        # "20", not "20.00": the rate must fit its narrow cell
        self.fields["vat_rate"].initial = None if vat_rate is None else f"{vat_rate:g}"
        if not may_discount:  # discounts are a manager's to give
            self.fields["kind"].choices = [c for c in LineKind.choices if c[0] != LineKind.DISCOUNT]

    def clean(self) -> dict:
        data = super().clean()
        if self.gross(data) > MAX_AMOUNT:
            self.add_error(
                "unit_price",
                f"This line comes to more than {MAX_AMOUNT:,} with VAT: check the quantity and "
                "the price.",
            )
        price, listed = data.get("unit_price"), data.get("listed_price")
        if None not in (price, listed) and price != listed and not data.get("note", "").strip():
            self.add_error(
                "note",
                f"Say why this is not the pricebook's {listed:.2f} (net), e.g. “loyal customer”.",
            )
        return data

    @staticmethod
    def gross(data: dict, *, signed: bool = False) -> Decimal:
        """The line's amount including VAT (0 until its fields are valid); with `signed`, a
        discount's is negative."""
        quantity, price, rate = (data.get(k) for k in ("quantity", "unit_price", "vat_rate"))
        if None in (quantity, price, rate):
            return Decimal(0)
        sign = -1 if signed and data.get("kind") == LineKind.DISCOUNT else 1
        return sign * quantity * price * (1 + rate / 100)

    def line(self) -> LineData:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("DELETE", "reason")}
        if data["kind"] == LineKind.DISCOUNT:  # typed as the amount off, kept as a minus
            data["unit_price"] = -abs(data["unit_price"])
        data["note"] = data["note"].strip()
        return LineData(**data)


class BaseQuoteLineFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": "A quote has at most %(num)d lines: put several items on one line.",
    }

    def clean(self) -> None:
        kept = [
            form
            for form in self.forms
            if form.is_valid() and form.cleaned_data and not self._should_delete_form(form)
        ]
        total = sum(
            (QuoteLineForm.gross(form.cleaned_data, signed=True) for form in kept), Decimal(0)
        )
        if total > MAX_AMOUNT:
            raise forms.ValidationError(
                f"The quote comes to more than {MAX_AMOUNT:,}, the most it may: check the amounts."
            )

    def lines(self) -> list[LineData]:
        return [
            form.line()
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]


QuoteLineFormSet = forms.formset_factory(
    QuoteLineForm,
    formset=BaseQuoteLineFormSet,
    extra=0,
    can_delete=True,
    max_num=MAX_QUOTE_LINES,
    validate_max=True,
)


def quote_lines_formset(
    data, member: Membership, initial: list[dict] | None = None
) -> BaseQuoteLineFormSet:
    """Quote lines; new rows start at the shop's VAT rate. Managers may give discounts.
    `initial`: lines to start with (a job template's)."""
    return QuoteLineFormSet(
        data,
        prefix="lines",
        initial=initial,
        form_kwargs={"vat_rate": member.shop.vat_rate, "may_discount": member.is_manager},
    )


def signature_png(data_url: str) -> bytes | None:
    """The PNG a signature box posts as a data URL; None when nothing was drawn."""
    prefix = "data:image/png;base64,"
    if not data_url:
        return None
    broken = forms.ValidationError("The signature did not come through; ask them to sign again.")
    if not data_url.startswith(prefix):
        raise broken
    try:
        png = base64.b64decode(data_url[len(prefix) :], validate=True)
    except binascii.Error:
        raise broken from None
    if len(png) > MAX_SIGNATURE_BYTES or not png.startswith(b"\x89PNG"):
        raise broken
    return png


class ConsentForm(forms.Form):
    """Consent at the counter: a signature drawn on screen, or a tick recorded by staff."""

    method = forms.ChoiceField(
        choices=[("later", "Take consent later"), *ConsentMethod.choices],
        initial=ConsentMethod.SIGNATURE,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        label="Consent",
    )
    signed_name = forms.CharField(label="Customer's name", max_length=150, required=False)
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    agreed = forms.BooleanField(
        required=False, label="The customer agrees to the quote and the shop's terms"
    )

    def __init__(self, *args, allow_later: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not allow_later:  # on the works-order page, "later" is now
            self.fields["method"].choices = ConsentMethod.choices

    def clean(self) -> dict:
        data = super().clean()
        method = data.get("method")
        if method == "later":
            return data
        if not data.get("signed_name", "").strip():
            self.add_error("signed_name", "Type the customer's name as they agree.")
        if not data.get("agreed"):
            self.add_error("agreed", "Tick once the customer has agreed to the quote and terms.")
        if method == ConsentMethod.SIGNATURE:
            try:
                data["signature_png"] = signature_png(data.get("signature", ""))
            except forms.ValidationError as problem:
                self.add_error("signature", problem)
            if not data.get("signature_png") and "signature" not in self.errors:
                self.add_error(
                    "signature", "Ask the customer to sign in the box, or record consent for them."
                )
        return data

    def consent(self) -> ConsentData | None:
        data = self.cleaned_data
        if data["method"] == "later":
            return None
        return ConsentData(
            method=data["method"],
            signed_name=data["signed_name"],
            signature_png=data.get("signature_png"),
        )


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one go; each one decoded, cleaned and re-encoded (tickets.photos)."""

    widget = MultipleImageInput(attrs={"accept": "image/*"})

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "help_text",
            f"Up to {settings.PHOTO_MAX_PER_REQUEST} at once, each up to "
            f"{megapixels(settings.PHOTO_MAX_PIXELS)} and "
            f"{filesizeformat(settings.PHOTO_MAX_UPLOAD_BYTES)}.",
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None) -> list:
        uploads = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if self.required and not uploads:
            raise forms.ValidationError("Choose at least one photo.")
        most = settings.PHOTO_MAX_PER_REQUEST
        if len(uploads) > most:  # before opening any: each one costs a decode
            raise forms.ValidationError(
                f"{len(uploads)} photos were chosen; up to {most} can be added at once. "
                "Choose fewer, and add the others in a second go.",
                code="too_many_photos",
            )
        cleaned, problems = [], []
        for upload in uploads:
            try:
                cleaned.append(clean_photo(upload))
            except forms.ValidationError as problem:
                problems.extend(problem.messages)
        if problems:
            raise forms.ValidationError(problems)
        return cleaned


class PhotosForm(forms.Form):
    photos = PhotosField(required=False, label="Photos of the device")


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        choices=NoteKind.choices,
        initial=NoteKind.INTERNAL,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        label="Who is it for?",
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Note")


class CancelForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why is it cancelled?")
    outcome = forms.ChoiceField(
        choices=[("", "Not looked at, or not known"), *RepairOutcome.choices],
        required=False,
        label="Could it be repaired?",
        help_text="For the open repair data the shop may share; never shown to the customer.",
    )
    barrier = forms.ChoiceField(
        choices=[("", "—"), *RepairBarrier.choices],
        required=False,
        label="If end of life: what stood in the way",
    )


class DiagnosisForm(forms.Form):
    diagnosis = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Diagnosis")
    codes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Diagnostic results or error codes",
    )


class TimeEntryForm(forms.Form):
    minutes = forms.IntegerField(min_value=1, max_value=24 * 60, label="Minutes")
    note = forms.CharField(required=False, max_length=200, label="What was done")


class ExtraWorkForm(QuoteLineForm):
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="Why (for the customer)",
        widget=forms.TextInput(attrs={"placeholder": "e.g. charging port corroded"}),
    )


class ApprovalForm(forms.Form):
    approved = forms.TypedChoiceField(
        choices=[("yes", "Approved the new price"), ("no", "Declined: back to the original work")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        label="The customer",
    )
    method = forms.ChoiceField(choices=ApprovalMethod.choices[:2], label="How")


class FinalPriceForm(forms.Form):
    """What the customer pays. Filled in with the quote as it stands; a different price, or no
    charge at all, says why (the service insists)."""

    amount = AmountField(required=False, label="Final price (incl. VAT)")
    no_charge = forms.BooleanField(
        required=False, label="No charge", help_text="Warranty, goodwill: say why below."
    )
    reason = forms.CharField(
        required=False,
        max_length=200,
        label="Why it differs from the quote",
        help_text="Needed when the price is not the quote's total.",
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("no_charge"):
            cleaned["amount"] = Decimal("0.00")
        elif cleaned.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", "Enter the final price, or tick “No charge”.")
        return cleaned

    def inputs(self) -> dict:
        return {"amount": self.cleaned_data["amount"], "reason": self.cleaned_data["reason"]}


class PlanForm(forms.ModelForm):
    """Priority, when it is due and how long it should take: changed as the job goes on."""

    class Meta:
        model = WorksOrder
        fields = ["priority", "estimated_completion", "estimated_minutes"]
        field_classes = {"estimated_completion": DateTimeField}
        widgets = {
            "estimated_completion": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority"].choices = Priority.choices
        self.fields["estimated_completion"].input_formats = ["%Y-%m-%dT%H:%M"]
        self.fields["estimated_completion"].label = "Promised ready by"

    def clean(self) -> dict:
        data = super().clean()
        if data.get("priority") == Priority.WARRANTY and not data.get("estimated_completion"):
            self.add_error(
                "estimated_completion",
                "A warranty job is due when the manufacturer says: type that date and time.",
            )
        return data


class AssignForm(forms.Form):
    """A technician of the job's branch, each shown with their open work (board.workload)."""

    technician = forms.TypedChoiceField(coerce=int, label="Technician")

    def __init__(self, *args, technicians: list[Membership], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.technicians = {t.pk: t for t in technicians}
        self.fields["technician"].choices = [("", "Choose a technician…")] + [
            (t.pk, f"{t.full_name} · {t.open_jobs} open, {t.estimated_hours.normalize():f} h")
            for t in technicians
        ]

    def inputs(self) -> dict:
        return {"technician": self.technicians[self.cleaned_data["technician"]]}


class PartNeededForm(forms.Form):
    part = forms.CharField(
        max_length=200,
        label="Part",
        help_text="Scan its barcode, or type its part number or name.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    quantity = forms.IntegerField(min_value=1, max_value=99, initial=1, label="How many")


class PartFittedForm(forms.Form):
    """A keyboard-wedge scanner types the barcode and Enter: the form is sent as it is read."""

    code = forms.CharField(
        max_length=64,
        label="Scan the part fitted",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "Barcode or part number",
            }
        ),
    )
    serial = forms.CharField(
        max_length=64,
        required=False,
        label="Serial or batch number",
        help_text="Parts with serial numbers: scan it from the label.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class TransferForm(forms.Form):
    """Send a job to another branch: which one, and why. `seen_branch` is the branch the form
    was drawn at, so the same move sent twice is recognised."""

    to_branch = forms.ModelChoiceField(
        queryset=Branch.objects.none(),
        label="Move to branch",
        empty_label="Choose a branch…",
        error_messages={"invalid_choice": "Choose one of the shop's other open branches."},
    )
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why is it moving?",
        help_text="E.g. “Board-level repair: sent to the specialist bench”. Staff see this; the "
        "customer is told only where to collect.",
    )
    seen_branch = forms.CharField(widget=forms.HiddenInput, max_length=19)

    def __init__(self, *args, shop_id: int, current_branch_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_branch"].queryset = (
            Branch.objects.for_shop(shop_id).filter(is_active=True).exclude(pk=current_branch_id)
        )
        self.fields["seen_branch"].initial = current_branch_id

    def clean_seen_branch(self) -> int:
        seen = object_id(self.cleaned_data["seen_branch"])
        if seen is None:
            raise forms.ValidationError("This form is damaged: open the job again.")
        return seen
