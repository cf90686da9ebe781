"""Forms for writing to customers and for the shop's own wordings."""

from __future__ import annotations

import uuid

from django import forms

from notifications import texts
from notifications.models import Channel

BODY_MAX = 1600  # ten SMS segments; an email says more, but a note to a customer is short


def _unknown_fields_error(text: str) -> None:
    unknown = texts.unknown_fields(text)
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        raise forms.ValidationError(
            f"Not a field: {names}. Use only the fields listed beside the editor."
        )


class WriteForm(forms.Form):
    """A free-text SMS or email to the works order's customer."""

    channel = forms.ChoiceField(
        choices=Channel.choices, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )
    subject = forms.CharField(
        required=False, max_length=200, help_text="Email only. Left empty, the number is used."
    )
    body = forms.CharField(
        label="Message", max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    # One per drawn form: a second submit of the same form finds the first message.
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, sms_refused: str = "", **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.sms_refused = sms_refused
        if sms_refused:
            self.fields["channel"].choices = [(Channel.EMAIL, "Email")]
            self.fields["channel"].help_text = f"No SMS: the customer {sms_refused}."
            self.initial.setdefault("channel", Channel.EMAIL)
        else:
            self.initial.setdefault("channel", Channel.SMS)


class ResendForm(forms.Form):
    message = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    attempt = forms.IntegerField(min_value=1, max_value=1000, widget=forms.HiddenInput)


class MessageTemplateForm(forms.Form):
    """One stage's wording on one channel. Plain text with {fields}: never template code."""

    enabled = forms.BooleanField(required=False, label="Send this message")
    subject = forms.CharField(required=False, max_length=200, label="Email subject")
    body = forms.CharField(
        label="Message", max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args, channel: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel
        if channel != Channel.EMAIL:
            del self.fields["subject"]

    def clean_subject(self) -> str:
        subject = self.cleaned_data["subject"]
        _unknown_fields_error(subject)
        return subject

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        _unknown_fields_error(body)
        return body
