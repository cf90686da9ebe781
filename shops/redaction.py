"""Taking a person's identifiers out of free text, in SQL (used by every app's erasure step).

Staff write customers' names, numbers and addresses into notes, findings and references; an
erasure replaces each occurrence of them, whatever the case, with ERASED, in one UPDATE per
table.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Func, JSONField, TextField, Value
from django.db.models.functions import Cast

ERASED = "[erased]"
_SPECIAL = set("\\.^$|?*+()[]{}")


def _escaped(term: str) -> str:
    return "".join("\\" + char if char in _SPECIAL else char for char in term)


def identifiers_pattern(terms: Iterable[str]) -> str | None:
    """A PostgreSQL regular expression matching any of `terms` (longest first), or None."""
    kept = sorted({term.strip() for term in terms if len(term.strip()) >= 3}, key=len, reverse=True)
    return "|".join(_escaped(term) for term in kept) or None


def redacted(field: str, pattern: str) -> Func:
    """`field` (text) with every match of `pattern` replaced by ERASED, case-insensitively."""
    return Func(
        F(field),
        Value(pattern),
        Value(ERASED),
        Value("gi"),
        function="regexp_replace",
        output_field=TextField(),
    )


def redacted_json(field: str, pattern: str) -> Cast:
    """A JSON `field` with the matches replaced inside its text (names sit in its strings)."""
    as_text = Cast(F(field), TextField())
    replaced = Func(as_text, Value(pattern), Value(ERASED), Value("gi"), function="regexp_replace")
    return Cast(replaced, JSONField())
