from collections.abc import Callable

from django.forms.renderers import TemplatesSetting
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from shops.templatetags.ui import bootstrap


class BootstrapFormRenderer(TemplatesSetting):
    """`{{ form }}` and `{{ field.as_field_group }}` render with the project's Bootstrap markup."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


# Django's own widget templates, written out in Python: the same bytes, whitespace included (the
# newline after each <option> is the end of select_option.html). Each template a widget renders
# through the template engine costs 20 to 40 µs, and a <select> renders one per option.


def _attrs(attrs: dict) -> SafeString:
    # attrs.html: True is a bare attribute, False leaves it out. (The template would print
    # None as "None"; no widget passes it, and leaving it out is what forms.utils.flatatt does.)
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False and value is not None
        ),
    )


def _input(widget: dict) -> SafeString:
    value = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        value,
        _attrs(widget["attrs"]),
    )


def _input_option(widget: dict) -> SafeString:
    # input_option.html, for a checkbox or radio button of a multiple-choice widget.
    if not widget.get("wrap_label"):
        return _input(widget)
    label_for = format_html(' for="{}"', widget["attrs"]["id"]) if widget["attrs"].get("id") else ""
    return format_html("<label{}>{}\n {}</label>", label_for, _input(widget), widget["label"])


_SELECT_OPTION = "django/forms/widgets/select_option.html"


def _option(option: dict) -> SafeString:
    return format_html(
        '\n  <option value="{}"{}>{}</option>\n',
        option["value"],
        _attrs(option["attrs"]),
        option["label"],
    )


def _select(widget: dict) -> SafeString | None:
    if any(
        o["template_name"] != _SELECT_OPTION
        for _g, options, _i in widget["optgroups"]
        for o in options
    ):
        return None  # an option with a template of its own: the templates draw it
    parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        parts.extend(_option(option) for option in options)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))


def _textarea(widget: dict) -> SafeString:
    value = widget["value"] if widget["value"] else ""  # `{% if widget.value %}`
    return format_html(
        '<textarea name="{}"{}>\n{}</textarea>', widget["name"], _attrs(widget["attrs"]), value
    )


def _clearable_file_input(widget: dict) -> SafeString | None:
    # clearable_file_input.html, for a field with no file yet (the counter's photos): only its
    # last line. One showing a file already (with its "clear" tick) is left to the template.
    if widget["is_initial"]:
        return None
    return format_html(
        '<input type="{}" name="{}"{}>', widget["type"], widget["name"], _attrs(widget["attrs"])
    )


_INPUTS = ("text", "search", "email", "url", "tel", "number", "password", "hidden", "date")
_DRAWN: dict[str, Callable[[dict], SafeString | None]] = {
    **{f"django/forms/widgets/{kind}.html": _input for kind in _INPUTS},
    "django/forms/widgets/input.html": _input,
    "django/forms/widgets/checkbox.html": _input,  # input.html included, and a newline
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/checkbox_option.html": _input_option,
    "django/forms/widgets/radio_option.html": _input_option,
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/file.html": _input,  # input.html included; a file input has no value
    "django/forms/widgets/clearable_file_input.html": _clearable_file_input,
}


def _required(field) -> str:
    return ' <span class="form-required">(required)</span>' if field.field.required else ""


def _field_group(context: dict) -> SafeString:
    """templates/forms/field.html (the Bootstrap field group), written out in Python: the same
    bytes. A page draws a few (a job's page three, the counter's booking form twenty); each cost
    about half a millisecond through the template."""
    field = context["field"]
    label = format_html("{}{}", field.label, mark_safe(_required(field)))
    if field.widget_type == "checkbox":
        body = format_html(
            '\n  <div class="form-check">{}<label class="form-check-label" for="{}">{}</label>'
            "</div>\n",
            bootstrap(field),
            field.id_for_label,
            label,
        )
    elif field.widget_type in ("checkboxselectmultiple", "radioselect"):
        described = (
            format_html(' aria-describedby="{}_helptext"', field.auto_id) if field.help_text else ""
        )
        options = format_html_join(
            "",
            '\n      <div class="form-check">{}<label class="form-check-label" for="{}">{}</label>'
            "</div>\n    ",
            ((option.tag(), option.id_for_label, option.choice_label) for option in field),
        )
        body = format_html(
            '\n  <fieldset{}>\n    <legend class="form-label fs-6 mb-1">{}</legend>\n'
            '    <div class="d-flex flex-wrap gap-3">\n    {}\n    </div>\n  </fieldset>\n',
            described,
            label,
            options,
        )
    else:
        body = format_html(
            '\n  <label class="form-label" for="{}">{}</label>\n  {}\n',
            field.id_for_label,
            label,
            bootstrap(field),
        )
    errors = ""
    if field.errors:
        errors = format_html(
            '<div class="invalid-feedback d-block" id="{}_error">{}</div>',
            field.auto_id,
            format_html_join("", "{} ", ((error,) for error in field.errors)),
        )
    help_text = ""
    if field.help_text:
        help_text = format_html(
            '<div class="form-text" id="{}_helptext">{}</div>',
            field.auto_id,
            mark_safe(field.help_text),
        )
    # Stripped, as Django's renderer strips what a template draws.
    return format_html('<div class="mb-3">\n{}\n{}\n{}\n</div>', body, errors, help_text)


class DrawnWidgetsRenderer(BootstrapFormRenderer):
    """The project's renderer (FORM_RENDERER): the Bootstrap markup, with field groups, inputs,
    text areas, selects, file inputs and checkbox or radio options drawn in Python. The
    works-order list's filters draw 40 options on every request, and a job's page draws a dozen
    fields; a field's widget through the templates cost about 0.1 ms. Any other widget, or a
    widget with a template of its own, renders through its templates as usual."""

    def render(self, template_name: str, context: dict, request=None) -> str:
        if template_name == self.field_template_name:
            return _field_group(context)
        draw = _DRAWN.get(template_name)
        drawn = draw(context["widget"]) if draw else None
        if drawn is None:
            return super().render(template_name, context, request)
        return drawn
