"""`flush` as the owner: TRUNCATE passes over row-level security, so the app role may not."""

from django.core.management.commands import flush

from tenancy.db import as_owner


class Command(flush.Command):
    def handle(self, **options):
        with as_owner(options["database"]):
            return super().handle(**options)
