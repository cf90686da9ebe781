"""Database-level guarantee that a row never points at another shop's row.

Django's foreign keys reference the target's id alone, so nothing in the database
stops a works order of shop A from naming a branch of shop B. `SameShopForeignKey`
adds a composite key (shop_id, <fk>_id) → target (shop_id, id) next to the plain one.
The target must carry a unique constraint on (shop, id).
"""

from django.db.migrations.operations.base import Operation


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
