from __future__ import annotations

from django import forms

from api.models import Scope, Topic


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise forms.ValidationError("Remove the NUL character (it cannot be stored).")


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        validators=[_no_nul],
        help_text="What uses it, e.g. “Shopify sync”: the timeline names the key so.",
    )
    scope = forms.ChoiceField(choices=Scope.choices, initial=Scope.READ, widget=forms.RadioSelect)


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(label="URL", max_length=500, validators=[_no_nul], assume_scheme="https")
    description = forms.CharField(max_length=120, required=False, validators=[_no_nul])
    topics = forms.MultipleChoiceField(
        label="Events", choices=Topic.choices, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)
