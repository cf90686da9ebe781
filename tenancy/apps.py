from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Row-level security"

    def ready(self) -> None:
        post_migrate.connect(set_app_password, sender=self)


def set_app_password(sender, using="default", **kwargs) -> None:
    """Every `migrate` (as the owner) sets benchdesk_app's password from the settings, so a
    deployment changes it in one place (docker-compose's .env)."""
    from django.conf import settings
    from django.db import connections
    from psycopg import sql

    from tenancy.rls import APP_ROLE

    password = settings.DATABASE_APP_PASSWORD
    if settings.DATABASE_APP_USER == APP_ROLE and password:
        connection = connections[using]
        with connection.cursor() as cursor:
            # A utility statement takes no bound parameters: quoted by the driver instead.
            statement = sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(APP_ROLE), sql.Literal(password)
            )
            cursor.execute(statement.as_string(connection.connection))
