from django import forms

from shops.fields import WholeNumberField
from shops.models import Shop


class RetentionForm(forms.ModelForm):
    photo_retention_months = WholeNumberField(
        label="Remove photos after (months)",
        min_value=1,
        max_value=120,
        required=False,
        help_text=Shop._meta.get_field("photo_retention_months").help_text,
    )
    message_retention_months = WholeNumberField(
        label="Remove messages after (months)",
        min_value=1,
        max_value=120,
        required=False,
        help_text=Shop._meta.get_field("message_retention_months").help_text,
    )

    class Meta:
        model = Shop
        fields = ["photo_retention_months", "message_retention_months"]


class EraseForm(forms.Form):
    confirm_name = forms.CharField(
        label="Type the customer's name to confirm",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
