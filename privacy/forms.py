from django import forms

from shops.fields import WholeNumberField
from shops.models import Shop


def _months(name: str) -> WholeNumberField:
    field = Shop._meta.get_field(name)
    return WholeNumberField(
        label=field.verbose_name.capitalize(),
        min_value=1,
        max_value=120,
        required=False,
        help_text=field.help_text,
    )


class RetentionForm(forms.ModelForm):
    photo_retention_months = _months("photo_retention_months")
    message_retention_months = _months("message_retention_months")

    class Meta:
        model = Shop
        fields = ["photo_retention_months", "message_retention_months"]


class EraseForm(forms.Form):
    confirm_name = forms.CharField(
        label="Type the customer's name to confirm",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
