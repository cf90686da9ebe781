"""Set-based writes for the import: COPY for new rows, one UPDATE … FROM (VALUES …) per batch.

bulk_create builds a model instance per row and renders every value through the ORM; for the
100,000-odd rows of a large pricebook that is most of the import's time and memory. Here rows
are plain tuples: ids are reserved from the table's sequence first (so later tables can point
at them), then the rows are streamed with COPY (into a temporary table, then inserted from there
under the shop's row-level security). Columns the caller does not give get the
field's Django default, so a field added to a model later needs no change here.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models, transaction
from django.utils import timezone

UPDATE_BATCH = 5000


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]
) -> list[int]:
    """COPY `rows` (values for `columns`, in order) into the model's table; returns their ids."""
    ids = reserve_ids(model, len(rows))
    if not rows:
        return ids
    fill_columns, fill = _defaults(model, columns)
    names = ", ".join(connection.ops.quote_name(c) for c in ("id", *columns, *fill_columns))
    table = connection.ops.quote_name(model._meta.db_table)
    # PostgreSQL refuses COPY FROM into a table under row-level security, so the rows go into
    # a temporary copy of it first, and from there in one INSERT that the shop policy checks.
    staging = connection.ops.quote_name(f"staging_{model._meta.db_table}")
    # wrap_database_errors: a refused row raises Django's IntegrityError, as a save() would.
    with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row((pk, *row, *fill))
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging}")
        cursor.execute(f"DROP TABLE {staging}")
    return ids


def _defaults(model: type[models.Model], given: Sequence[str]) -> tuple[list[str], tuple]:
    """The NOT NULL columns not given and without a database default, with Django's default."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in given or field.null:
            continue
        if field.db_default is not models.NOT_PROVIDED:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = timezone.now()
        else:
            value = field.get_db_prep_save(field.get_default(), connection)
        columns.append(field.column)
        values.append(value)
    return columns, tuple(values)


def update_rows(
    model: type[models.Model], *, shop_id: int, fields: Sequence[str], rows: Sequence[tuple]
) -> None:
    """Set `fields` from rows of (id, value, …); only rows of `shop_id` can be touched."""
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    casts = ", ".join(f"%s::{field.db_type(connection)}" for field in columns)
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns)
    names = ", ".join(quote(f.column) for f in columns)
    for start in range(0, len(rows), UPDATE_BATCH):
        batch = rows[start : start + UPDATE_BATCH]
        values = ", ".join(f"(%s::bigint, {casts})" for _ in batch)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} AS t SET {sets} "
                f"FROM (VALUES {values}) AS v(id, {names}) "
                "WHERE t.id = v.id AND t.shop_id = %s",
                [value for row in batch for value in row] + [shop_id],
            )
