"""`flush` as the owner: TRUNCATE passes over row-level security, so the app role may not.

A request still running on another connection (a live server's, in browser tests) holds its
tables' locks until its transaction ends, and TRUNCATE may then deadlock with it; PostgreSQL
picks one to fail, and when it is the flush, the flush is tried again once the request is done.
"""

import time

from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import OperationalError

from tenancy.db import as_owner

ATTEMPTS = 3


class Command(flush.Command):
    def handle(self, **options):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with as_owner(options["database"]):
                    return super().handle(**options)
            except CommandError as failed:
                deadlock = isinstance(failed.__cause__, OperationalError) and "deadlock" in str(
                    failed.__cause__
                )
                if not deadlock or attempt == ATTEMPTS:
                    raise
                time.sleep(0.2 * attempt)
        return None
