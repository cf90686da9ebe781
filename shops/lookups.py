"""Text lookups with a NUL character match nothing, instead of failing.

PostgreSQL text cannot hold a NUL (0x00) character, so no stored value equals, contains or
starts with one; psycopg 3 refuses to send such a string at all (DataError, where psycopg 2
raised the ValueError that Django's forms catch). A NUL typed, scanned or put in a URL would
otherwise turn a lookup by a branch code, a works-order number or a slug into a server error.
This does for text what Django does for a number no integer column can hold (lookups.
IntegerFieldOverflow): the condition is known to match no row, and says so (EmptyResultSet),
which Django also negates correctly inside exclude() and ~Q().

Writes are not touched: saving a NUL still fails loudly. Forms refuse NULs with a message at
the field (Django's CharField does; shops.fields.SearchField for search boxes).
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import CharField, TextField, lookups

NUL = "\x00"


def _has_nul(value: object) -> bool:
    return isinstance(value, str) and NUL in value


class _NulMatchesNothing:
    def process_rhs(self, compiler, connection):
        if _has_nul(self.rhs):
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)


class _NulInMatchesNothing:
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            kept = [value for value in self.rhs if not _has_nul(value)]
            if not kept:
                raise EmptyResultSet
            self.rhs = kept
        return super().process_rhs(compiler, connection)


TEXT_LOOKUPS = (
    lookups.Exact,
    lookups.IExact,
    lookups.Contains,
    lookups.IContains,
    lookups.StartsWith,
    lookups.IStartsWith,
    lookups.EndsWith,
    lookups.IEndsWith,
    lookups.Regex,
    lookups.IRegex,
)


def register() -> None:
    """Install the lookups on CharField and TextField (and so on EmailField, SlugField…)."""
    classes = [
        type(f"Nul{lookup.__name__}", (_NulMatchesNothing, lookup), {}) for lookup in TEXT_LOOKUPS
    ]
    classes.append(type("NulIn", (_NulInMatchesNothing, lookups.In), {}))
    for field in (CharField, TextField):
        for lookup in classes:
            field.register_lookup(lookup)


# Patterns for the searches, which write their own conditions (tickets.selectors,
# customers.selectors) so that indexes answer them beneath the shop policy.


def like_escape(text: str) -> str:
    """`text` matched literally inside a LIKE or ILIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def prefix_end(prefix: str) -> str | None:
    """The first text after every text that begins with `prefix`, compared byte-wise (as
    text_pattern_ops and ~<~ do): `prefix` with its last character one higher. UTF-8 keeps code
    point order, so bytes and characters agree. None after U+10FFFF, the last character."""
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # surrogates are no characters: the next one is U+E000
        last = 0xE000
    return prefix[:-1] + chr(last) if last <= 0x10FFFF else None
