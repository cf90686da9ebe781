"""Form fields that refuse what no column holds, each with a message a person can act on.

Every number, amount and date a form takes comes through one of these: whole numbers within a
business bound (far inside what an integer column holds), amounts within what a quote can come
to, dates within this century. Text fields are Django's own CharField, which already refuses a
NUL character ("Null characters are not allowed."); search boxes, which read the query string,
use SearchForm.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

# More of one part than any repair shop receives, counts or orders at once; an integer column
# holds 2,147,483,647.
MAX_UNITS = 99_999
# The most a repair quote, a line of it, or a price may come to: a column holds 99,999,999.99.
MAX_AMOUNT = Decimal("999999.99")
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)
NUL = "\x00"
DATE_RANGE = (
    f"Enter a date from {EARLIEST_DATE.day} {EARLIEST_DATE:%B %Y} "
    f"to {LATEST_DATE.day} {LATEST_DATE:%B %Y}."
)


def _say_range(field: forms.Field, message: str) -> None:
    for validator in field.validators:
        if isinstance(validator, (MinValueValidator, MaxValueValidator)):
            validator.message = message


class WholeNumberField(forms.IntegerField):
    """A whole number from min_value to max_value (0 to 99,999 unless told otherwise)."""

    def __init__(self, *, min_value: int = 0, max_value: int = MAX_UNITS, **kwargs) -> None:
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)
        self.error_messages["invalid"] = (
            f"Enter a whole number from {min_value:,} to {max_value:,}."
        )
        _say_range(self, self.error_messages["invalid"])


class AmountField(forms.DecimalField):
    """Money to the penny, from min_value (0 unless told otherwise) up to 999,999.99."""

    def __init__(
        self,
        *,
        min_value: Decimal = Decimal("0"),
        max_value: Decimal = MAX_AMOUNT,
        decimal_places: int = 2,
        **kwargs,
    ) -> None:
        super().__init__(
            min_value=min_value,
            max_value=max_value,
            max_digits=len(str(int(max_value))) + decimal_places,
            decimal_places=decimal_places,
            **kwargs,
        )
        said = f"Enter an amount from {min_value:,} to {max_value:,}."
        self.error_messages["invalid"] = said
        _say_range(self, said)
        # 1e30 or 0.001: the digits' messages are Django's; say the range as well.
        for validator in self.validators:
            if hasattr(validator, "messages"):
                validator.messages = {
                    **validator.messages,
                    "max_digits": said,
                    "max_whole_digits": said,
                    "max_decimal_places": "Round it to the penny (two decimal places).",
                }

    def run_validators(self, value) -> None:
        try:
            super().run_validators(value)
        except forms.ValidationError as problem:  # 1e30 breaks two rules: say it once
            raise forms.ValidationError(list(dict.fromkeys(problem.messages))) from None


class DateField(forms.DateField):
    """A date in this century: year 1 or 9999 is a typo, and the calendar cannot count past it."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators += [
            MinValueValidator(EARLIEST_DATE, message=DATE_RANGE),
            MaxValueValidator(LATEST_DATE, message=DATE_RANGE),
        ]


class DateTimeField(forms.DateTimeField):
    """A date and time in this century (see DateField)."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None and not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
            raise forms.ValidationError(DATE_RANGE, code="invalid")
        return moment


class SearchField(forms.CharField):
    """A search box's text: trimmed and cut to `cut` characters (a scanned label can run on).
    A NUL character, which no stored text can contain, is refused with a message."""

    default_error_messages = {
        "null_characters_not_allowed": (
            "This has a NUL character in it, an invisible code a scanner or a paste can add. "
            "Type it again."
        )
    }

    def __init__(self, *, cut: int = 100, **kwargs) -> None:
        super().__init__(required=False, **kwargs)
        self.cut = cut

    def to_python(self, value) -> str:
        return super().to_python(value)[: self.cut]


class SearchForm(forms.Form):
    """The `q` of a page's search box, read from the query string.

    `text` is what to search for: '' when the box is empty or its text was refused, in which
    case `refused` is true, the list shows nothing and `errors.q` says why.
    """

    q = SearchField()

    def __init__(self, params, *, cut: int = 100, name: str = "q") -> None:
        super().__init__({"q": params.get(name, "")})
        self.fields["q"].cut = cut

    @property
    def refused(self) -> bool:
        return not self.is_valid()

    @property
    def text(self) -> str:
        return "" if self.refused else self.cleaned_data["q"]

    @property
    def shown(self) -> str:
        """The text to put back in the box: what was typed, less the NULs."""
        return self.text if not self.refused else self.data["q"].replace(NUL, "").strip()


def object_id(text: str) -> int | None:
    """An id from a query string or a hidden field, or None: ASCII digits only ("²" and "١"
    pass str.isdigit() but are no id), and no longer than a bigint's 19 digits."""
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        return None
    return int(text)
