"""Widgets drawn in Python (shops.renderers.DrawnWidgetsRenderer) are the bytes Django's templates
draw: in every state a busy form shows them in, escaping included."""

import datetime

import pytest
from django import forms

from shops.renderers import BootstrapFormRenderer, DrawnWidgetsRenderer

CHOICES = [("", "Any"), ("a", "Apples & pears"), ('"q"', "<b>Quoted</b>"), (7, "Seven")]


class EveryKindForm(forms.Form):
    text = forms.CharField(required=False, widget=forms.TextInput(attrs={"class": "x"}))
    number = forms.IntegerField(required=False)
    email = forms.EmailField()
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    choice = forms.ChoiceField(choices=CHOICES, required=False)
    grouped = forms.ChoiceField(
        choices=[("Fruit", [("a", "Apple"), ("b", "Banana")]), ("c", "Carrot")], required=False
    )
    many = forms.MultipleChoiceField(choices=CHOICES[1:], required=False)
    ticks = forms.MultipleChoiceField(
        choices=CHOICES[1:], required=False, widget=forms.CheckboxSelectMultiple
    )
    radio = forms.ChoiceField(choices=CHOICES[1:], required=False, widget=forms.RadioSelect)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    tick = forms.BooleanField(required=False)


def drawn_by(renderer_class, data=None, extra_attrs=None) -> list[str]:
    form = EveryKindForm(data, renderer=renderer_class())
    if data is not None:
        form.is_valid()
    html = []
    for field in form:
        html.append(field.as_widget(attrs=extra_attrs))
        if field.widget_type in ("checkboxselectmultiple", "radioselect"):
            for option in field:  # as a template draws them one by one, beside their labels
                html.extend([option.tag(), option.tag(wrap_label=True)])
    return html


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {
            "text": "O'Brien <script>\"",
            "number": "12",
            "email": "not an email",
            "hidden": "h&h",
            "day": datetime.date(2026, 12, 5),
            "choice": '"q"',
            "grouped": "b",
            "many": ["a", "7"],
            "ticks": ['"q"', "7"],
            "radio": "a",
            "notes": 'Line one & <two>\n\n  "three"',
            "tick": "on",
        },
    ],
)
def test_drawn_widgets_are_what_the_templates_draw(data):
    attrs = {"class": "form-control is-invalid", "aria-invalid": "true", "required": True}

    assert drawn_by(DrawnWidgetsRenderer, data) == drawn_by(BootstrapFormRenderer, data)
    assert drawn_by(DrawnWidgetsRenderer, data, attrs) == drawn_by(
        BootstrapFormRenderer, data, attrs
    )


def test_a_widget_with_a_template_of_its_own_is_drawn_by_it():
    class OwnOption(forms.Select):
        option_template_name = "django/forms/widgets/attrs.html"  # any other template will do

    field = forms.ChoiceField(choices=CHOICES, widget=OwnOption)
    form = forms.Form(renderer=DrawnWidgetsRenderer())
    form.fields["own"] = field

    assert "<option" not in form["own"].as_widget()


class LabelledForm(EveryKindForm):
    """Every kind again, with what a field group shows beside its widget: labels that need
    escaping, help text (written as markup), and the photos' file inputs."""

    photo = forms.FileField(required=False, help_text="Up to <b>10</b> photos.")
    photos = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    agreed = forms.BooleanField(label="I agree & sign", help_text="Read the terms first.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notes"].label = 'Notes <for "the bench">'
        self.fields["ticks"].help_text = "Tick all that apply."
        self.fields["radio"].required = True


def groups_by(renderer_class, data=None) -> list[str]:
    form = LabelledForm(data, renderer=renderer_class())
    if data is not None:
        form.is_valid()
    return [field.as_field_group() for field in form]


@pytest.mark.parametrize(
    "data",
    [None, {}, {"email": "not an email", "number": "x", "radio": "nope", "notes": "<b>"}],
)
def test_drawn_field_groups_are_what_the_template_draws(data):
    drawn = groups_by(DrawnWidgetsRenderer, data)
    assert drawn == groups_by(BootstrapFormRenderer, data)
    if data:  # the invalid state was drawn, not only the empty form
        assert any("invalid-feedback" in group for group in drawn)
