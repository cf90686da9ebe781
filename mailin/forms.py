"""Mail-in forms: tracking numbers are letters, digits and spaces, as carriers print them."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from mailin.models import Carrier, ParcelState

TRACKING = RegexValidator(
    r"^[A-Za-z0-9 -]*$", "Use the letters and digits of the tracking number only."
)


class MailInForm(forms.Form):
    carrier = forms.ChoiceField(choices=Carrier.choices)
    inbound_tracking = forms.CharField(
        label="Tracking number to us", max_length=40, required=False, validators=[TRACKING]
    )
    return_tracking = forms.CharField(
        label="Tracking number back", max_length=40, required=False, validators=[TRACKING]
    )


class ParcelStateForm(forms.Form):
    state = forms.ChoiceField(label="The parcel is now", choices=ParcelState.choices)
