"""`migrate` as the owner of the tables, also where the app logs in as benchdesk_app."""

from django.core.management.commands import migrate

from tenancy.db import as_owner


class Command(migrate.Command):
    def handle(self, *args, **options):
        with as_owner(options["database"]):
            return super().handle(*args, **options)
