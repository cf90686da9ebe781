from django.forms.renderers import TemplatesSetting


class BootstrapFormRenderer(TemplatesSetting):
    """`{{ form }}` and `{{ field.as_field_group }}` render with the project's Bootstrap markup."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
