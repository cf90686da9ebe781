from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from devices.models import Category, DeviceModel
from parts.models import Grade
from pricebook.models import NO_GRADE, PricebookEntry, RepairType
from pricebook.selectors import PricebookFilters, priced_makes
from shops.fields import AmountField
from shops.models import Shop

GRADE_CHOICES = [*Grade.choices, (NO_GRADE, "Standard (not sold by grade)")]


def money_field(label: str, **kwargs) -> forms.DecimalField:
    return AmountField(
        label=label,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kwargs,
    )


def price_label(shop: Shop) -> str:
    return "Price incl. VAT" if shop.pricebook_prices_include_vat else "Price excl. VAT"


class PricebookFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Model or repair, e.g. iphone 13 screen"}
        ),
    )
    category = forms.ChoiceField(
        required=False, choices=[("", "All categories"), *Category.choices]
    )
    make = forms.ChoiceField(required=False)
    repair_type = forms.ModelChoiceField(
        queryset=RepairType.objects.none(), required=False, empty_label="All repairs"
    )
    offered = forms.ChoiceField(
        label="Offered",
        required=False,
        choices=[("", "Offered or not"), ("yes", "Offered"), ("no", "Switched off")],
    )
    model = forms.ModelChoiceField(
        queryset=DeviceModel.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["make"].choices = [("", "All makes")] + [(m, m) for m in priced_makes(shop)]
        self.fields["repair_type"].queryset = RepairType.objects.for_shop(shop)
        self.fields["model"].queryset = DeviceModel.objects.for_shop(shop)

    def filters(self) -> PricebookFilters:
        if not self.is_valid():
            return PricebookFilters()
        data = self.cleaned_data
        return PricebookFilters(
            q=data["q"].strip(),
            category=data["category"],
            make=data["make"],
            repair_type=data["repair_type"],
            device_model=data["model"],
            offered=data["offered"],
        )


class NewEntryForm(forms.Form):
    """A price for a device model and repair; both are found by name, or added if new."""

    category = forms.ChoiceField(
        choices=Category.choices, help_text="Used only if the model is new to your catalogue."
    )
    make = forms.CharField(max_length=60, widget=forms.TextInput(attrs={"list": "makes"}))
    model = forms.CharField(max_length=120, label="Model")
    repair_type = forms.CharField(
        max_length=80,
        label="Repair",
        widget=forms.TextInput(attrs={"list": "repair-types"}),
        help_text="Pick one from the list, or type a new kind of repair.",
    )
    labour_minutes = forms.IntegerField(
        label="Bench time (minutes)", min_value=0, max_value=24 * 60, initial=30
    )
    warranty_days = forms.IntegerField(
        label="Warranty (days)", min_value=0, max_value=3650, initial=90
    )
    grade = forms.ChoiceField(
        choices=GRADE_CHOICES, label="Grade of the first option", initial=Grade.OEM
    )

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price"] = money_field(price_label(shop))


class EntryForm(forms.ModelForm):
    class Meta:
        model = PricebookEntry
        fields = ["labour_minutes", "warranty_days", "is_active"]
        labels = {"is_active": "Offered at intake"}


class OptionForm(forms.Form):
    grade = forms.ChoiceField(choices=GRADE_CHOICES)

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price"] = money_field(price_label(shop))


class OptionPartForm(forms.Form):
    part_number = forms.CharField(
        max_length=60, widget=forms.TextInput(attrs={"list": "compatible-parts"})
    )
    quantity = forms.IntegerField(
        initial=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    name = forms.CharField(
        max_length=200, required=False, label="Name (for a new part)", strip=True
    )
    cost = money_field("Cost excl. VAT (for a new part)", required=False)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Pricebook file (CSV)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
