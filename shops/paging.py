"""Pages of long lists that never count further than a person would page.

Django's Paginator counts every matching row to say "page 1 of 12,075"; on a shop with
300,000 works orders that count was most of the list's time. A bounded page reads one row
more than it shows (so it knows whether there is a next page) and counts at most `bound` rows:
past that the list says "more than 1,000" and pages on without a last page number.

The page answers what templates/pager.html asks of Django's Page (number, has_previous,
has_next, previous_page_number, next_page_number, has_other_pages, paginator.count,
paginator.num_pages); count and num_pages are None past the bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet

COUNT_BOUND = 1000
LAST_PAGE = 100_000  # a page number past any real list, so a typed one cannot overflow OFFSET


@dataclass(frozen=True)
class Counted:
    count: int | None  # None: more than the bound
    num_pages: int | None
    bound: int


@dataclass(frozen=True)
class BoundedPage:
    object_list: list
    number: int
    paginator: Counted
    _has_next: bool

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def _counted(count: int | None, per_page: int, bound: int) -> Counted:
    pages = None if count is None else max(1, math.ceil(count / per_page))
    return Counted(count, pages, bound)


@contextmanager
def planned_with_its_values(alias: str = "default") -> Iterator[None]:
    """Queries run inside are planned for their values each time, never from a statement the
    connection prepared (config/settings/base.py prepares one on its fifth run)."""
    connection = connections[alias]
    connection.ensure_connection()
    raw = connection.connection
    saved = raw.prepare_threshold
    raw.prepare_threshold = None  # psycopg: prepare nothing, use nothing prepared
    try:
        yield
    finally:
        raw.prepare_threshold = saved


def bounded_page(
    queryset: QuerySet,
    number: str | int | None,
    *,
    per_page: int,
    bound: int | None = None,
    rows: Callable[[QuerySet], Iterable] = list,
) -> BoundedPage:
    """Page `number` of an ordered queryset (anything not a page number: the first), in two
    queries at most: the rows, and a count that stops after `bound` rows. `rows` turns the
    page's slice into what the page shows (e.g. a query that joins what the list shows)."""
    bound = COUNT_BOUND if bound is None else bound
    try:
        number = min(max(1, int(number)), LAST_PAGE)
    except (TypeError, ValueError):
        number = 1
    offset = (number - 1) * per_page
    found = list(rows(queryset[offset : offset + per_page + 1]))
    has_next = len(found) > per_page
    found = found[:per_page]
    if not found and number > 1:
        # Past the end (an old link, or rows gone since): the last page, as Paginator.get_page.
        last = max(1, math.ceil(queryset.count() / per_page))
        return bounded_page(queryset, last, per_page=per_page, bound=bound, rows=rows)
    if number == 1 and not has_next:
        count = len(found)  # all of it is on this page
    else:
        # No ordering, and planned for these values: how many rows each filter leaves differs
        # by thousands between values, and a generic plan of "Jack's jobs in progress" walked
        # all of Jack's 39,000 jobs (200 ms) where the actual values pick a 652-row index.
        with planned_with_its_values(queryset.db):
            counted = queryset.order_by().values("pk")[: bound + 1].count()
        count = counted if counted <= bound else None
    return BoundedPage(found, number, _counted(count, per_page, bound), has_next)
