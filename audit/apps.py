from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "audit trail"

    def ready(self) -> None:
        from audit import context

        context.connect_celery()
