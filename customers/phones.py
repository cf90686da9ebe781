"""Phone numbers: stored in E.164 (the SMS target), shown in the shop's national format."""

import phonenumbers
from django.core.exceptions import ValidationError


def to_e164(raw: str, region: str) -> str:
    """'07911 123456' in GB → '+447911123456'; a clear error for anything that is not a number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as problem:
        raise ValidationError(f"“{raw}” is not a phone number.") from problem
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            f"“{raw}” is not a valid phone number for {region}. "
            "Check the digits, or start with + and the country code."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_e164(raw: str, region: str) -> str | None:
    """For search: the E.164 form if `raw` reads as a number, else None."""
    try:
        return to_e164(raw, region) or None
    except ValidationError:
        return None


def display(e164: str, region: str) -> str:
    """National format for the shop's own country, international for the rest."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164)
    # Compare calling codes, not regions: Jersey, Guernsey and the Isle of Man share +44.
    same_country = number.country_code == phonenumbers.country_code_for_region(region)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if same_country
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)
