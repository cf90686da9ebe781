from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from customers.models import Customer
from devices.imei import normalise_imei
from devices.models import Category, Device, DeviceModel
from devices.selectors import device_model_for_imei, normalise_serial
from devices.services import device_for_intake
from shops.forms import ShopModelForm

INTAKE_FIELDS = (
    "imei",
    "serial",
    "device_model",
    "category",
    "make",
    "model_name",
    "colour",
    "storage",
)


class CatalogueModelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: DeviceModel) -> str:
        return f"{obj.make} {obj.name}"


class DeviceForm(ShopModelForm):
    """The device at intake. IMEI or serial are optional (a console may show neither); an IMEI,
    when given, must be valid. Choosing a catalogue model, or an IMEI whose TAC the catalogue
    knows, fills category, make and model. Saved with `form.save(customer=…)`, which returns
    the device on file when its IMEI or serial is already known in this shop."""

    imei = forms.CharField(
        label="IMEI",
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text="Dial *#06# or scan the box. Spaces and dashes are fine.",
    )
    serial = forms.CharField(label="Serial number", required=False, max_length=40)
    device_model = CatalogueModelChoiceField(
        label="Model from the catalogue",
        queryset=DeviceModel.objects.none(),
        required=False,
        empty_label="Not listed: type make and model",
    )

    class Meta:
        model = Device
        fields = INTAKE_FIELDS

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tac_model: DeviceModel | None = None  # the catalogue's model for the IMEI's TAC
        self.tac_checked = False  # whether clean() looked it up (it may have found none)
        self.fields["device_model"].queryset = DeviceModel.objects.for_shop(self.shop)
        self.fields["category"].choices = [("", "Choose…"), *Category.choices]
        for name in ("category", "make", "model_name"):
            self.fields[name].required = False  # unless no catalogue model: see clean()

    def clean_imei(self) -> str:
        return normalise_imei(self.cleaned_data["imei"])  # its errors name the problem

    def clean_serial(self) -> str:
        return normalise_serial(self.cleaned_data["serial"])

    def clean(self) -> dict:
        data = super().clean()
        catalogue = data.get("device_model")
        if catalogue is not None:
            # Chosen from the catalogue: it names the device, whatever the other fields say.
            data["category"], data["make"], data["model_name"] = (
                catalogue.category,
                catalogue.make,
                catalogue.name,
            )
        elif data.get("imei") and "imei" not in self.errors:
            catalogue = self.tac_model = device_model_for_imei(self.shop, data["imei"])
            self.tac_checked = True
            if catalogue is not None and not (data.get("make") or data.get("model_name")):
                data["device_model"] = catalogue
                data["category"] = catalogue.category
                data["make"], data["model_name"] = catalogue.make, catalogue.name
        required = {
            "category": "Choose the kind of device.",
            "make": "Type the make, or choose a model from the catalogue.",
            "model_name": "Type the model, or choose one from the catalogue.",
        }
        for name, message in required.items():
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        return data

    def _get_validation_exclusions(self):
        # A known IMEI is not an error at intake: it is the same device coming back.
        return super()._get_validation_exclusions() | {"imei"}

    def for_intake(self) -> dict:
        """What devices.services.device_for_intake takes; the TAC's model, looked up already
        (found or not), saves it looking again (what was typed still wins over it there)."""
        data = {name: self.cleaned_data.get(name) for name in INTAKE_FIELDS}
        data["device_model"] = data["device_model"] or self.tac_model
        data["tac_checked"] = self.tac_checked
        return data

    def save(self, commit: bool = True, *, customer: Customer | None = None) -> Device:
        """The device for this intake, through devices.services.device_for_intake."""
        if customer is None or not commit:
            raise ValueError("DeviceForm.save() needs the customer, and always commits.")
        if self.errors:
            raise ValueError(f"The device could not be saved: {self.errors.as_text()}")
        data = self.for_intake()
        try:
            return device_for_intake(shop=self.shop, customer=customer, **data)
        except ValidationError as problem:
            self.add_error(None, problem)
            raise
