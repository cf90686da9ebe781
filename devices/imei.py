"""IMEI numbers: 15 digits whose last is a Luhn check digit. Scanners and people add spaces
and dashes; we keep digits only."""

from django.core.exceptions import ValidationError
from stdnum import imei as stdnum_imei
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength


def normalise_imei(raw: str) -> str:
    """Digits only, validated: '35-209900-176148-1' → '352099001761481'."""
    compact = stdnum_imei.compact(raw or "").replace("/", "")
    if not compact:
        return ""
    if not compact.isdigit():
        raise ValidationError("An IMEI has digits only (spaces and dashes are fine).")
    if len(compact) == 16:
        raise ValidationError(
            "That is an IMEISV (16 digits), not an IMEI. Type the 15-digit IMEI from *#06#."
        )
    if len(compact) != 15:
        raise ValidationError(f"An IMEI has 15 digits; this has {len(compact)}.")
    try:
        stdnum_imei.validate(compact)
    except InvalidChecksum as problem:
        raise ValidationError(
            "The check digit (the last digit) is wrong: one of the digits was probably mistyped."
        ) from problem
    except (InvalidLength, InvalidFormat) as problem:
        raise ValidationError("This is not a valid IMEI.") from problem
    return compact


def tac_of(imei: str) -> str:
    """The Type Allocation Code: the first 8 digits, which name the make and model."""
    return imei[:8]
