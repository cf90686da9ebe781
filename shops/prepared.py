"""Querysets put together once per process, for the reads asked most often.

Django builds and compiles a queryset's SQL afresh for every request. For the works-order
page's query (nine joined tables, seven annotations) that takes 3.7 ms of Python, where
PostgreSQL answers it in 0.7 ms. A `Prepared` query is built and compiled once, with stand-in
values for what changes between requests (the shop, the number, the time); each request then
only puts its own values in their places and runs it through Django's own model iterable, so
the rows come back as the same model instances, related objects and annotations.

The stand-ins are found, not guessed: the query is compiled twice with two sets of them, the SQL
must come out the same, and every parameter that differs must be one of the stand-ins. A
query that makes a value of its own (a `timezone.now()` inside, a `LIKE` pattern made from a
slot) is refused when it is first used, not quietly frozen.
"""

from __future__ import annotations

import copy
import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable
from django.utils import timezone

# Values no query writes in itself (a negative id, text in no shop's words, 1901 and 1902),
# each slot its own, in two sets told apart by `which`. Ids stay within 32 bits and the text
# holds no NUL: Django (and shops/lookups.py) answer such a lookup without asking the database.


def _stand_in(kind: type, which: int, index: int):
    if kind is int:
        return -2_000_000_000 + which * 100_000_000 + index
    if kind is str:
        return f"~prepared~{which}~{index}~"
    if kind is datetime.datetime:
        start = datetime.datetime(1901 + which, 1, 1, tzinfo=datetime.UTC)
        return start + datetime.timedelta(seconds=index)
    if kind is datetime.date:
        return datetime.date(1901 + which, 1, 1 + index)
    raise TypeError(f"A prepared query's slot is an int, str, date or datetime, not {kind}")


def _not_for_the_database(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    return isinstance(value, int) and not -(2**31) <= value < 2**31


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet  # built with the first stand-ins, never evaluated
    compiler: object  # Django's SQLCompiler for it, set up: select, klass_info, annotations
    converters: dict  # what turns each column's value into Python (1 ms for 150 columns)
    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (position in params, slot name)


class Prepared:
    """`Prepared(build, shop_id=int, number=str)`, where `build(**slots)` returns a queryset of
    model instances: then `prepared.fetch(shop_id=…, number=…)` is `list(build(shop_id=…,
    number=…))` without building or compiling it again. Only a list comes out, never a queryset:
    a further filter, slice or count would start from the compiled SQL and be wrong. No
    `prefetch_related` in the build (prefetch on the instances after)."""

    def __init__(self, build: Callable[..., QuerySet], **slots: type) -> None:
        self.build = build
        self.slots = slots
        self._compiled: _Compiled | None = None
        self._lock = threading.Lock()

    def _stand_ins(self, which: int) -> dict:
        return {
            name: _stand_in(kind, which, index)
            for index, (name, kind) in enumerate(self.slots.items())
        }

    def _compile(self) -> _Compiled:
        first, second = self._stand_ins(1), self._stand_ins(2)
        queryset = self.build(**first)
        if queryset._prefetch_related_lookups or queryset._iterable_class is not ModelIterable:
            raise ImproperlyConfigured("A prepared query returns model instances, unprefetched.")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        other = self.build(**second)
        other_sql, other_params = other.query.get_compiler(using=other.db).as_sql()
        name = self.build.__qualname__
        if sql != other_sql or len(params) != len(other_params):
            raise ImproperlyConfigured(f"{name}: its SQL depends on a slot's value.")
        slot_of = {value: slot for slot, value in first.items()}
        slots = []
        for position, (one, two) in enumerate(zip(params, other_params, strict=True)):
            if one == two:
                continue
            slot = slot_of.get(one)
            if slot is None or second[slot] != two:
                raise ImproperlyConfigured(
                    f"{name}: parameter {position} ({one!r}) changes between builds but is "
                    "none of the slots: pass it in as one."
                )
            slots.append((position, slot))
        selected = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(selected)
        return _Compiled(queryset, compiler, converters, sql, tuple(params), tuple(slots))

    def _ready(self) -> _Compiled:
        if self._compiled is None:
            with self._lock:  # gunicorn's threads: one compiles, the others wait for it
                if self._compiled is None:
                    self._compiled = self._compile()
        return self._compiled

    def _check(self, values: dict) -> None:
        if values.keys() != self.slots.keys():
            raise TypeError(f"Expected the slots {sorted(self.slots)}, got {sorted(values)}")
        for name, value in values.items():
            kind = self.slots[name]
            if type(value) is not kind and not (kind is str and isinstance(value, str)):
                raise TypeError(f"Slot {name} takes a {kind.__name__}, not {value!r}")
            if kind is datetime.datetime and timezone.is_naive(value):
                raise TypeError(f"Slot {name} takes an aware datetime")

    def fetch(self, **values) -> list[Model]:
        self._check(values)
        if any(_not_for_the_database(value) for value in values.values()):
            # Django answers these without asking (a NUL in text, an id beyond 32 bits: see the
            # stand-ins), which the compiled SQL cannot: the query is built as usual.
            return list(self.build(**values))
        done = self._ready()
        params = list(done.params)
        for position, name in done.slots:
            params[position] = values[name]
        sql, ready = done.sql, tuple(params)
        compiler = copy.copy(done.compiler)
        compiler.connection = connections[done.queryset.db]  # this thread's connection
        compiler.as_sql = lambda *args, **kwargs: (sql, ready)
        compiler.get_converters = lambda expressions: done.converters
        queryset = done.queryset._chain()
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)


def keep_as_prefetched(instance: Model, name: str, rows: list[Model]) -> None:
    """Make `rows` what `instance.<name>.all()` returns, as prefetch_related would have (this is
    what Django's own prefetch_one_level does with the rows it read): for rows fetched by a
    prepared query, so that the model's methods and the templates reading `.all()` ask nothing
    more. `name` is a reverse foreign key (e.g. a works order's "lines")."""
    manager = getattr(instance, name)
    for row in rows:
        manager.field.set_cached_value(row, instance)  # row.works_order, without a query
    queryset = manager.get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[manager.field.remote_field.cache_name] = queryset
