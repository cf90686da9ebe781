"""Forms of the stock, catalogue, purchasing and stock-take pages."""

from __future__ import annotations

import datetime
import re

from django import forms

from devices.models import DeviceModel
from parts.models import (
    Grade,
    Part,
    PartCompatibility,
    PurchaseOrderLine,
    Supplier,
    SupplierPart,
)
from parts.selectors import part_by_code
from shops.fields import MAX_UNITS, AmountField, DateField, WholeNumberField
from shops.forms import ShopModelForm
from shops.models import Branch, Shop


def active_branches(shop: Shop):
    return Branch.objects.for_shop(shop).filter(is_active=True).order_by("name")


def _numbers(text: str) -> list[str]:
    """Serial numbers typed or scanned one per line (commas and spaces separate them too)."""
    return [n for n in re.split(r"[\s,;]+", text or "") if n]


class PartForm(ShopModelForm):
    compatible_models = forms.ModelMultipleChoiceField(
        queryset=DeviceModel.objects.none(),
        required=False,
        label="Fits these models",
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text="Ctrl-click (⌘-click on a Mac) to choose several.",
    )

    class Meta:
        model = Part
        fields = [
            "name",
            "part_number",
            "barcode",
            "grade",
            "cost",
            "sell_price",
            "vat_rate",
            "tracks_serials",
            "is_active",
        ]
        labels = {"is_active": "In use (untick to retire it from lists)"}
        widgets = {
            "part_number": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            "barcode": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compatible_models"].queryset = DeviceModel.objects.for_shop(self.shop)
        if self.instance.pk and not self.is_bound:
            self.initial["compatible_models"] = list(
                PartCompatibility.objects.for_shop(self.shop)
                .filter(part=self.instance)
                .values_list("device_model_id", flat=True)
            )

    def clean_part_number(self) -> str:
        number = self.cleaned_data["part_number"].strip().upper()
        taken = Part.objects.for_shop(self.shop).filter(part_number__iexact=number)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another part already has this part number.")
        return number

    def clean_barcode(self) -> str:
        return "".join(self.cleaned_data["barcode"].split())

    def _get_validation_exclusions(self):
        # Checked in clean_part_number, scoped to the shop: the model's constraint on
        # UPPER(part_number) would be checked with a query that names no shop.
        return super()._get_validation_exclusions() | {"part_number"}


class SupplierForm(ShopModelForm):
    class Meta:
        model = Supplier
        fields = ["name", "email", "phone", "lead_time_days", "notes", "is_active"]
        labels = {"is_active": "We still buy from them"}
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        taken = Supplier.objects.for_shop(self.shop).filter(name__iexact=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another supplier already has this name.")
        return name

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() | {"name"}  # see clean_name


class SupplierPartForm(forms.ModelForm):
    class Meta:
        model = SupplierPart
        fields = ["supplier", "supplier_sku", "cost", "lead_time_days"]

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.for_shop(shop).filter(is_active=True)
        self.fields["supplier"].empty_label = "Choose a supplier…"

    def validate_unique(self) -> None:
        pass  # an existing supplier's reference is updated by supplier_part_set


class ReorderForm(forms.Form):
    reorder_point = WholeNumberField(label="Reorder point")
    reorder_quantity = WholeNumberField(label="Reorder quantity")


class BranchChoiceMixin:
    def _branch_field(self, shop: Shop, name: str, label: str) -> None:
        self.fields[name] = forms.ModelChoiceField(
            queryset=active_branches(shop), empty_label=None, label=label
        )


class UnitsMixin(forms.Form):
    """Serials or a batch number, for parts that track them."""

    serials = forms.CharField(
        required=False,
        label="Serial numbers",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
        help_text="One per unit: scan each label, or type one per line.",
    )
    batch = forms.CharField(
        required=False,
        max_length=60,
        label="…or a batch number",
        help_text="For a batch, one number covers every unit.",
    )

    def units(self) -> dict:
        return {
            "serials": _numbers(self.cleaned_data.get("serials", "")),
            "batch": self.cleaned_data.get("batch", "").strip(),
        }


class ReceiveForm(BranchChoiceMixin, UnitsMixin):
    quantity = WholeNumberField(min_value=1, initial=1)
    unit_cost = AmountField(
        required=False,
        label="Unit cost (net)",
        help_text="Leave empty for the part's current cost.",
    )
    reason = forms.CharField(
        required=False, max_length=200, help_text="Where they came from, e.g. trade counter."
    )
    field_order = ["branch", "quantity", "unit_cost", "serials", "batch", "reason"]

    def __init__(self, *args, shop: Shop, part: Part, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._branch_field(shop, "branch", "Into the stock of")
        self.order_fields(self.field_order)
        if not part.tracks_serials:
            del self.fields["serials"], self.fields["batch"]


class AdjustForm(BranchChoiceMixin, forms.Form):
    change = WholeNumberField(
        min_value=-MAX_UNITS,
        label="Change on hand by",
        help_text="+2 for two found, −1 for one lost or broken.",
        widget=forms.NumberInput(attrs={"step": 1}),
    )
    reason = forms.CharField(max_length=200, help_text="Why: damaged, found, miscount…")
    correcting = forms.BooleanField(
        required=False,
        label="This corrects a miscount",
        help_text="Allows the figure to drop below what works orders have reserved.",
    )

    def __init__(self, *args, shop: Shop, part: Part, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._branch_field(shop, "branch", "At")
        self.order_fields(["branch", "change", "reason", "correcting"])

    def clean_change(self) -> int:
        if self.cleaned_data["change"] == 0:
            raise forms.ValidationError("Give the change: a number other than 0.")
        return self.cleaned_data["change"]


class TransferForm(BranchChoiceMixin, UnitsMixin):
    quantity = WholeNumberField(min_value=1, initial=1)

    def __init__(self, *args, shop: Shop, part: Part, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._branch_field(shop, "from_branch", "From")
        self._branch_field(shop, "to_branch", "To")
        self.order_fields(["from_branch", "to_branch", "quantity", "serials", "batch"])
        if not part.tracks_serials:
            del self.fields["serials"], self.fields["batch"]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("from_branch") and data.get("from_branch") == data.get("to_branch"):
            self.add_error("to_branch", "Choose a different branch to send them to.")
        return data


class ReturnForm(BranchChoiceMixin, UnitsMixin):
    quantity = WholeNumberField(min_value=1, initial=1)
    reason = forms.CharField(max_length=200, help_text="Faulty, wrong part, over-delivered…")

    def __init__(self, *args, shop: Shop, part: Part, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._branch_field(shop, "branch", "From the stock of")
        self.order_fields(["branch", "quantity", "reason", "serials", "batch"])
        if not part.tracks_serials:
            del self.fields["serials"], self.fields["batch"]


MOVE_FORMS = {
    "receive": ReceiveForm,
    "adjust": AdjustForm,
    "transfer": TransferForm,
    "return": ReturnForm,
}


class PurchaseOrderForm(forms.Form):
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.none(), empty_label=None)
    branch = forms.ModelChoiceField(
        queryset=Branch.objects.none(), empty_label=None, label="Deliver to"
    )
    notes = forms.CharField(
        required=False,
        label="Notes for the supplier",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Printed on the order, e.g. an account number or delivery instructions.",
    )

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.for_shop(shop).filter(is_active=True)
        self.fields["branch"].queryset = active_branches(shop)


class OrderLineForm(forms.Form):
    code = forms.CharField(
        label="Part",
        max_length=64,
        widget=forms.TextInput(
            attrs={"list": "part-codes", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text="Part number or barcode; suggestions appear as you type.",
    )
    quantity = WholeNumberField(min_value=1, initial=1)
    unit_cost = AmountField(
        required=False,
        label="Unit cost (net)",
        help_text="Empty: the supplier's price.",
    )

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.shop = shop

    def clean_code(self) -> Part:
        part = part_by_code(self.shop, self.cleaned_data["code"])
        if part is None:
            raise forms.ValidationError("No part has this part number or barcode.")
        return part


class ExpectedForm(forms.Form):
    expected_on = DateField(
        label="Expected delivery",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class CancelOrderForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=200, label="Why it is cancelled", help_text="E.g. out of stock."
    )


class ReceiveDeliveryForm(forms.Form):
    """One row per outstanding line: how many arrived, their serials, extra accepted."""

    def __init__(self, *args, lines: list[PurchaseOrderLine], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            key = f"line-{line.pk}"
            self.fields[f"{key}-quantity"] = WholeNumberField(
                initial=max(line.outstanding, 0),
                label=f"Arrived: {line.part.name}",
                widget=forms.NumberInput(attrs={"class": "text-end"}),
            )
            self.fields[f"{key}-accept_extra"] = forms.BooleanField(
                required=False,
                label="Accept more than ordered",
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            if line.part.tracks_serials:
                self.fields[f"{key}-serials"] = forms.CharField(
                    required=False,
                    label=f"Serial numbers of {line.part.name}",
                    widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
                )
                self.fields[f"{key}-batch"] = forms.CharField(
                    required=False, max_length=60, label=f"Batch number of {line.part.name}"
                )

    def rows(self) -> list[dict]:
        """For the template: each line with its bound fields."""
        return [
            {
                "line": line,
                "quantity": self[f"line-{line.pk}-quantity"],
                "accept_extra": self[f"line-{line.pk}-accept_extra"],
                "serials": self[f"line-{line.pk}-serials"] if line.part.tracks_serials else None,
                "batch": self[f"line-{line.pk}-batch"] if line.part.tracks_serials else None,
            }
            for line in self.lines
        ]

    def deliveries(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "line": line,
                "quantity": data[f"line-{line.pk}-quantity"] or 0,
                "accept_extra": data[f"line-{line.pk}-accept_extra"],
                "serials": _numbers(data.get(f"line-{line.pk}-serials", "")),
                "batch": (data.get(f"line-{line.pk}-batch") or "").strip(),
            }
            for line in self.lines
        ]


class StartTakeForm(forms.Form):
    branch = forms.ModelChoiceField(queryset=Branch.objects.none(), empty_label=None)

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = active_branches(shop)


class ScanForm(forms.Form):
    code = forms.CharField(max_length=64, label="Scan or type a barcode or part number")


class CountForm(forms.Form):
    counted = WholeNumberField(label="Counted")


class PeriodForm(forms.Form):
    """The reports' date range and branch; defaults to the last 30 days, all branches."""

    start = DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    days = WholeNumberField(required=False, min_value=1, max_value=3650, label="Not used for")

    def period(self, today: datetime.date) -> tuple[datetime.date, datetime.date, int]:
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - datetime.timedelta(days=29)
        return min(start, end), max(start, end), data.get("days") or 90


GRADE_CHOICES = [("", "All grades"), *Grade.choices]
