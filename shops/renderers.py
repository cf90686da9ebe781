from collections.abc import Callable

from django.forms.renderers import TemplatesSetting
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


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


_INPUTS = ("text", "search", "email", "url", "tel", "number", "password", "hidden", "date")
_DRAWN: dict[str, Callable[[dict], SafeString | None]] = {
    **{f"django/forms/widgets/{kind}.html": _input for kind in _INPUTS},
    "django/forms/widgets/input.html": _input,
    "django/forms/widgets/checkbox.html": _input,  # input.html included, and a newline
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/checkbox_option.html": _input_option,
    "django/forms/widgets/radio_option.html": _input_option,
    "django/forms/widgets/select.html": _select,
}


class DrawnWidgetsRenderer(BootstrapFormRenderer):
    """The project's renderer (FORM_RENDERER): the Bootstrap markup, with inputs, text areas,
    selects and checkbox or radio options drawn in Python. The works-order list's filters draw
    40 options on every request, and a job's page draws a dozen fields; a field's widget through
    the templates cost about 0.1 ms. Any other widget, or a widget with a template of its own,
    renders through its templates as usual."""

    def render(self, template_name: str, context: dict, request=None) -> str:
        draw = _DRAWN.get(template_name)
        drawn = draw(context["widget"]) if draw else None
        if drawn is None:
            return super().render(template_name, context, request)
        return drawn
