from django import template

register = template.Library()


@register.filter
def field_label(form, name: str) -> str:
    """A form field's label by name (for listing a form's errors)."""
    field = form.fields.get(name)
    return str(field.label) if field is not None and field.label else name
