"""Django's PostgreSQL backend, counting what undoes a connection's settings.

A `set_config` made inside a transaction or a savepoint is undone when that is rolled back, and
a new connection starts with none. `rollbacks` counts both, so code that sends a setting once
and then relies on it (audit.context) can tell when to send it again.
"""

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    rollbacks = 0

    def connect(self):
        self.rollbacks += 1
        super().connect()

    def _rollback(self):
        self.rollbacks += 1
        super()._rollback()

    def _savepoint_rollback(self, sid):
        self.rollbacks += 1
        super()._savepoint_rollback(sid)
