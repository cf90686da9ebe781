from django.apps import AppConfig


class LoanersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "loaners"
    verbose_name = "Loaner devices"

    def ready(self) -> None:
        from loaners import receivers  # noqa: F401  (answers tickets' collection_check)
