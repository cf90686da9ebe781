"""The words of each message: the defaults (British English), the fields a shop may use in its
own wording, and rendering that cannot reach anything else.

A shop's wording is plain text with `{field}` placeholders, filled from a dict of strings made
here. It is not a Django template: a manager's text can name only the fields listed in FIELDS,
never an attribute, a setting or a tag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from notifications.models import Channel, Stage

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

# field → what it is, as the template editor lists it.
FIELDS = {
    "first_name": "The customer's first name",
    "customer_name": "The customer's full name",
    "number": "The works-order number, e.g. WO-004582",
    "device": "The device, e.g. Apple iPhone 13",
    "shop_name": "The shop's name",
    "branch_name": "The branch the device is at",
    "branch_phone": "The branch's phone number",
    "branch_address": "The branch's address",
    "opening_hours": "The branch's opening hours, one line per day",
    "status_link": "The customer's status page (no login needed)",
    "quote_total": "The agreed price including VAT",
    "final_price": "The final price including VAT",
    "what_was_done": "The repair, as the quote lines name it",
    "warranty": "The warranty on the repair",
    "parts_expected": "When the parts are expected, if known",
    "extra_work": "The extra work waiting for approval, with the new total",
    "approval_code": "The code to send back with YES or NO",
    "note": "The update written for the customer",
    "estimated_completion": "When the shop expects it ready, if set",
    "drop_off": "When the customer booked to bring the device in (booked online)",
}

# Stages a shop can switch on or off and reword; FREE_TEXT and REPLY are written as they go.
STAGES = [
    Stage.BOOKED_ONLINE,
    Stage.BOOKED_IN,
    Stage.ASSIGNED,
    Stage.IN_PROGRESS,
    Stage.AWAITING_PARTS,
    Stage.PARTS_ARRIVED,
    Stage.AWAITING_APPROVAL,
    Stage.READY,
    Stage.COLLECTED,
    Stage.CANCELLED,
    Stage.UPDATE,
]


@dataclass(frozen=True)
class Wording:
    body: str
    subject: str = ""  # email only
    enabled: bool = True


_SIGN_OFF = "{shop_name}, {branch_name}: {branch_phone}"

# (stage, channel) → the default wording. SMS stay within two segments where they can.
DEFAULTS: dict[tuple[str, str], Wording] = {
    (Stage.BOOKED_ONLINE, Channel.SMS): Wording(
        "Hi {first_name}, your booking with {shop_name} is confirmed: bring your {device} to "
        "{branch_name} on {drop_off}. Ref {number}. {status_link}"
    ),
    (Stage.BOOKED_ONLINE, Channel.EMAIL): Wording(
        "Hello {first_name},\n\nThank you for booking with {shop_name}. Please bring your "
        "{device} to our {branch_name} branch ({branch_address}) on {drop_off}.\n\n"
        "Your booking reference is {number}; the repair as booked comes to {quote_total}. We "
        "check the device with you when you drop it off.\n\nYou can follow it here, without "
        "signing in:\n{status_link}\n\n" + _SIGN_OFF,
        subject="{number}: your booking for {drop_off}",
    ),
    (Stage.BOOKED_IN, Channel.SMS): Wording(
        "Hi {first_name}, your {device} is booked in with {shop_name} as {number}. "
        "Follow the repair here: {status_link}"
    ),
    (Stage.BOOKED_IN, Channel.EMAIL): Wording(
        "Hello {first_name},\n\nThank you for bringing your {device} to {shop_name}. It is "
        "booked in as {number} at our {branch_name} branch, at the agreed price of "
        "{quote_total}.\n\nYou can follow the repair at any time here, without signing in:\n"
        "{status_link}\n\n" + _SIGN_OFF,
        subject="{number}: your {device} is booked in",
    ),
    (Stage.ASSIGNED, Channel.SMS): Wording(
        "{shop_name}: a technician has been given your {device} ({number}). {status_link}",
        enabled=False,
    ),
    (Stage.ASSIGNED, Channel.EMAIL): Wording(
        "Hello {first_name},\n\nA technician at {branch_name} has been given your {device} "
        "({number}) and will start on it shortly.\n\n{status_link}\n\n" + _SIGN_OFF,
        subject="{number}: a technician has your {device}",
        enabled=False,
    ),
    (Stage.IN_PROGRESS, Channel.SMS): Wording(
        "{shop_name}: work has started on your {device} ({number}). {status_link}",
        enabled=False,
    ),
    (Stage.IN_PROGRESS, Channel.EMAIL): Wording(
        "Hello {first_name},\n\nWork has started on your {device} ({number}).\n\n"
        "{status_link}\n\n" + _SIGN_OFF,
        subject="{number}: work has started",
        enabled=False,
    ),
    (Stage.AWAITING_PARTS, Channel.SMS): Wording(
        "{shop_name}: your {device} ({number}) is waiting for a part{parts_expected}. "
        "We will let you know when it arrives. {status_link}"
    ),
    (Stage.AWAITING_PARTS, Channel.EMAIL): Wording(
        "Hello {first_name},\n\nYour {device} ({number}) is waiting for a part"
        "{parts_expected}. We will carry on as soon as it arrives and let you know.\n\n"
        "{status_link}\n\n" + _SIGN_OFF,
        subject="{number}: waiting for a part",
    ),
    (Stage.PARTS_ARRIVED, Channel.SMS): Wording(
        "{shop_name}: the part for your {device} ({number}) has arrived and work is carrying "
        "on. {status_link}",
        enabled=False,
    ),
    (Stage.PARTS_ARRIVED, Channel.EMAIL): Wording(
        "Hello {first_name},\n\nThe part for your {device} ({number}) has arrived and work "
        "is carrying on.\n\n{status_link}\n\n" + _SIGN_OFF,
        subject="{number}: the part has arrived",
        enabled=False,
    ),
    (Stage.AWAITING_APPROVAL, Channel.SMS): Wording(
        "{shop_name}: your {device} ({number}) needs more work: {extra_work}. Reply YES "
        "{approval_code} to go ahead or NO {approval_code} to decline, or see {status_link}"
    ),
    (Stage.AWAITING_APPROVAL, Channel.EMAIL): Wording(
        "Hello {first_name},\n\nWhile repairing your {device} ({number}) we found it needs "
        "more work:\n\n{extra_work}\n\nPlease approve or decline it on your status page:\n"
        "{status_link}\n\nOr reply to our text with YES {approval_code} or NO {approval_code}. "
        "We will not go on without your answer.\n\n" + _SIGN_OFF,
        subject="{number}: your approval is needed",
    ),
    (Stage.READY, Channel.SMS): Wording(
        "{shop_name}: your {device} ({number}) is ready to collect from {branch_name}. "
        "To pay: {final_price}. {status_link}"
    ),
    (Stage.READY, Channel.EMAIL): Wording(
        "Hello {first_name},\n\nYour {device} ({number}) is repaired and ready to collect.\n\n"
        "What we did: {what_was_done}\nTo pay: {final_price}\nWarranty: {warranty}\n\n"
        "Collect it from {branch_name}, {branch_address}. We are open:\n{opening_hours}\n\n"
        "Please bring your receipt or this email.\n\n{status_link}\n\n" + _SIGN_OFF,
        subject="{number}: your {device} is ready to collect",
    ),
    (Stage.COLLECTED, Channel.SMS): Wording(
        "Thank you for choosing {shop_name}. Your repair {number} is covered by our "
        "warranty: {warranty}.",
        enabled=False,
    ),
    (Stage.COLLECTED, Channel.EMAIL): Wording(
        "Hello {first_name},\n\nThank you for choosing {shop_name}. Your {device} ({number}) "
        "was collected. Warranty: {warranty}. If anything is not right, call us on "
        "{branch_phone}.\n\n" + _SIGN_OFF,
        subject="{number}: thank you",
    ),
    (Stage.CANCELLED, Channel.SMS): Wording(
        "{shop_name}: repair {number} of your {device} has been cancelled. Please call "
        "{branch_phone} to arrange collection."
    ),
    (Stage.CANCELLED, Channel.EMAIL): Wording(
        "Hello {first_name},\n\nRepair {number} of your {device} has been cancelled. Please "
        "call us on {branch_phone} to arrange collection.\n\n" + _SIGN_OFF,
        subject="{number}: repair cancelled",
    ),
    (Stage.UPDATE, Channel.SMS): Wording("{shop_name}, {number}: {note}"),
    (Stage.UPDATE, Channel.EMAIL): Wording(
        "Hello {first_name},\n\nAn update on your {device} ({number}):\n\n{note}\n\n"
        "{status_link}\n\n" + _SIGN_OFF,
        subject="{number}: an update on your repair",
    ),
}


def render(text: str, fields: Mapping[str, str]) -> str:
    """`text` with each known {field} filled in; anything else is left as written."""
    return PLACEHOLDER.sub(lambda m: fields.get(m.group(1), m.group(0)), text)


def unknown_fields(text: str) -> list[str]:
    """The {names} in `text` that are not fields, for the editor to point out."""
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in FIELDS})


# SMS length ---------------------------------------------------------------------------------
# GSM 03.38: the basic set, and the extension characters that take two places.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int  # as the network counts them (an extended GSM character counts two)
    segments: int

    def __str__(self) -> str:
        plural = "" if self.segments == 1 else "s"
        return f"{self.characters} characters, {self.segments} SMS{plural} ({self.encoding})"


def sms_segments(text: str) -> Segments:
    """How many SMS `text` is sent as: 160 GSM-7 characters in one, 153 each when split;
    any character outside GSM-7 makes the whole message UCS-2 (70, then 67 each)."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text):
        length = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        # UCS-2 counts UTF-16 code units: an emoji takes two.
        length = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    segments = 1 if length <= single else -(-length // part)
    return Segments(encoding, length, segments)
