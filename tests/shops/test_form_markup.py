"""The shared form markup: every field is labelled, and a required one says so in words."""

import re

from django import forms


class BookingForm(forms.Form):
    name = forms.CharField(label="Full name")
    note = forms.CharField(label="Note", required=False)
    agreed = forms.BooleanField(label="The customer agrees")
    method = forms.ChoiceField(
        label="Consent", choices=[("sign", "Signed"), ("tick", "Ticked")], widget=forms.RadioSelect
    )
    extras = forms.MultipleChoiceField(
        label="Accessories",
        choices=[("case", "Case")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


def label_texts(html: str) -> list[str]:
    texts = re.findall(r"<(?:label|legend)[^>]*>(.*?)</(?:label|legend)>", html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip() for text in texts]


def test_required_fields_are_marked_in_words_and_optional_ones_are_not():
    html = str(BookingForm())

    assert label_texts(html) == [
        "Full name (required)",
        "Note",
        "The customer agrees (required)",
        "Consent (required)",
        "Signed",
        "Ticked",
        "Accessories",
        "Case",
    ]


def test_required_fields_keep_the_required_attribute():
    html = str(BookingForm())

    assert re.search(r'<input[^>]*name="name"[^>]*required', html)
    assert re.search(r'<input[^>]*name="agreed"[^>]*required', html)
    assert not re.search(r'<input[^>]*name="note"[^>]*required', html)
