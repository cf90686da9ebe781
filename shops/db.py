"""Database-level guarantees: a row never points at another shop's row, and a whole number
never wraps around on its way into a column.

Django's foreign keys reference the target's id alone, so nothing in the database
stops a works order of shop A from naming a branch of shop B. `SameShopForeignKey`
adds a composite key (shop_id, <fk>_id) → target (shop_id, id) next to the plain one.
The target must carry a unique constraint on (shop, id).
"""

import psycopg
from django.db.migrations.operations.base import Operation
from psycopg.types import numeric


def constraint_name(table: str, column: str) -> str:
    return f"{table}_{column}_same_shop"[:63]


class SameShopForeignKey(Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, field_name: str) -> None:
        self.model_name = model_name
        self.field_name = field_name

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {"model_name": self.model_name, "field_name": self.field_name},
        )

    def state_forwards(self, app_label, state) -> None:
        pass  # a database-only constraint: Django's model state does not change

    def _names(self, app_label, state):
        model = state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.field_name)
        return model._meta.db_table, field.column, field.related_model._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        table, column, target = self._names(app_label, to_state)
        q = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(constraint_name(table, column))} "
            f"FOREIGN KEY ({q('shop_id')}, {q(column)}) "
            f"REFERENCES {q(target)} ({q('shop_id')}, {q('id')}) "
            "DEFERRABLE INITIALLY DEFERRED"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        table, column, _ = self._names(app_label, from_state)
        q = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(constraint_name(table, column))}"
        )

    def describe(self) -> str:
        return f"Keep {self.model_name}.{self.field_name} inside its shop"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_{self.field_name}_same_shop"


# Whole numbers a column cannot hold -------------------------------------------------------
#
# Django passes an IntegerField's value to psycopg as Int2/Int4/Int8, and psycopg's C dumpers
# send those in binary keeping only the low 16, 32 or 64 bits: receiving 4,294,967,297 units
# stored 1, and 2,147,483,648 stored -2,147,483,648. These dumpers refuse such a number with a
# DataError instead, as PostgreSQL itself would ("integer out of range"), so nothing is written.
# Forms bound their numbers well below this (shops/fields.py); this is the floor under them.


class _CheckedIntBinaryDumper:
    low: int
    high: int

    def dump(self, obj: int):
        if not self.low <= obj <= self.high:
            raise psycopg.DataError(f"{obj} is out of range for type {self.pg_type}")
        return super().dump(obj)


class CheckedInt2BinaryDumper(_CheckedIntBinaryDumper, numeric.Int2BinaryDumper):
    low, high, pg_type = -(2**15), 2**15 - 1, "smallint"


class CheckedInt4BinaryDumper(_CheckedIntBinaryDumper, numeric.Int4BinaryDumper):
    low, high, pg_type = -(2**31), 2**31 - 1, "integer"


class CheckedInt8BinaryDumper(_CheckedIntBinaryDumper, numeric.Int8BinaryDumper):
    low, high, pg_type = -(2**63), 2**63 - 1, "bigint"


def refuse_integer_wraparound(sender, connection, **kwargs) -> None:
    """connection_created: out-of-range whole numbers fail instead of wrapping (see above)."""
    if connection.vendor != "postgresql":
        return
    adapters = connection.connection.adapters
    adapters.register_dumper(numeric.Int2, CheckedInt2BinaryDumper)
    adapters.register_dumper(numeric.Int4, CheckedInt4BinaryDumper)
    adapters.register_dumper(numeric.Int8, CheckedInt8BinaryDumper)
