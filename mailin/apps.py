from django.apps import AppConfig


class MailInConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mailin"
    verbose_name = "Mail-in repairs"
