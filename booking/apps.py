from django.apps import AppConfig


class BookingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "booking"
    verbose_name = "Online booking"

    def ready(self) -> None:
        from booking import receivers  # noqa: F401  (a cancelled booking frees its place)
