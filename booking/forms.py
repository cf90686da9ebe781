"""The public booking form, and the managers' booking settings."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError

from booking.models import BookingSettings, SlotLength
from booking.slots import Day, find_slot
from customers import services as customer_services
from devices.models import DeviceModel
from pricebook.selectors import QuoteOption
from shops.fields import WholeNumberField
from shops.models import Branch, Shop
from shops.money import format_money

# The form is signed when drawn: sent back sooner than a person can fill it in, it is refused
# (a script posting at once); older than a day, it is stale.
FORM_SALT = "benchdesk.booking.form"
MIN_FILL_SECONDS = 4
MAX_FORM_AGE = 24 * 3600
TOO_FAST = "That was quicker than a person can type. Please check your details and send again."
STALE = "This form is out of date. Please check your details and send again."


def form_stamp(shop: Shop, now: float | None = None) -> str:
    """The signed time the form was drawn, for this shop only."""
    return signing.dumps(
        {"s": shop.pk, "t": int(now if now is not None else time.time())},
        salt=FORM_SALT,
        compress=False,
    )


class BookingForm(forms.Form):
    """Device model → repair (with its price) → branch → slot, then who to tell."""

    device_model = forms.TypedChoiceField(label="Your device", coerce=int, empty_value=None)
    option = forms.TypedChoiceField(label="Repair", coerce=int, empty_value=None, required=False)
    branch = forms.TypedChoiceField(label="Where", coerce=int, empty_value=None, required=False)
    day = forms.CharField(label="Day", required=False, max_length=10)
    slot = forms.CharField(label="Drop-off time", required=False, max_length=20)
    note = forms.CharField(
        label="Anything we should know? (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    full_name = forms.CharField(
        label="Your name",
        max_length=150,
        error_messages={"required": "Tell us your name, so we know whose device it is."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label="Mobile phone",
        max_length=40,
        help_text="We text you the confirmation and when it is ready.",
        error_messages={"required": "Give a mobile number: we text you the confirmation."},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # Left empty by people (it is hidden from them); bots fill every field they find.
    website = forms.CharField(required=False, max_length=200, label="Leave this empty")
    stamp = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def __init__(
        self,
        *args,
        shop: Shop,
        models: list[DeviceModel],
        options: list[tuple[QuoteOption, str]],
        branches: list[Branch],
        days: list[Day],
        now: float | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.shop, self.days, self.now = shop, days, now
        self.models = {m.pk: m for m in models}
        self.options = {option.option_id: option for option, _ in options}
        self.branches = {b.pk: b for b in branches}
        groups: dict[str, list] = {}
        for model in models:
            groups.setdefault(model.make, []).append((model.pk, str(model)))
        self.fields["device_model"].choices = [("", "Choose your device"), *groups.items()]
        self.fields["option"].choices = [("", "Choose the repair")] + [
            (option.option_id, label) for option, label in options
        ]
        self.fields["branch"].choices = [(b.pk, b.name) for b in branches]
        if not self.is_bound:
            self.initial["stamp"] = form_stamp(shop, now)
        self.day_shown = self._day_shown()
        source = self.data if self.is_bound else self.initial
        picked = source.get("option")
        wanted = str(picked or "")
        self.option_shown = (
            self.options.get(int(wanted)) if wanted.isdigit() and len(wanted) < 12 else None
        )
        self.price_shown = (
            format_money(self.option_shown.price_gross, shop.currency) if self.option_shown else ""
        )

    def _day_shown(self) -> Day | None:
        """The day whose times are shown: the one chosen, else the chosen slot's, else the
        first with a place left."""
        source = self.data if self.is_bound else self.initial
        wanted = str(source.get("day") or "")
        slot = find_slot(self.days, str(source.get("slot") or ""))
        for day in self.days:
            if day.date.isoformat() == wanted:
                return day
        if slot is not None:
            return next(day for day in self.days if slot in day.slots)
        return next((day for day in self.days if day.any_free), None)

    def clean_phone(self) -> str:
        try:
            return customer_services.normalise_phone(self.cleaned_data["phone"], shop=self.shop)
        except ValidationError as problem:
            raise ValidationError(problem.message_dict["phone"]) from problem

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise ValidationError("Leave this field empty.")
        return ""

    def clean_stamp(self) -> float:
        try:
            stamp = signing.loads(self.cleaned_data["stamp"], salt=FORM_SALT, max_age=MAX_FORM_AGE)
        except signing.SignatureExpired:
            raise ValidationError(STALE) from None
        except signing.BadSignature:
            raise ValidationError(STALE) from None
        if not isinstance(stamp, dict) or stamp.get("s") != self.shop.pk:
            raise ValidationError(STALE)
        now = self.now if self.now is not None else time.time()
        if now - stamp.get("t", now) < MIN_FILL_SECONDS:
            raise ValidationError(TOO_FAST)
        return stamp["t"]

    def clean(self) -> dict:
        data = super().clean()
        option = self.options.get(data.get("option"))
        if data.get("device_model") and option is None:
            self.add_error("option", "Choose the repair you need.")
        if not data.get("branch") or data["branch"] not in self.branches:
            self.add_error("branch", "Choose where you will bring it.")
        elif not data.get("slot"):
            self.add_error("slot", "Choose a drop-off time.")
        elif (slot := find_slot(self.days, data["slot"])) is None:
            self.add_error("slot", "Choose one of the times shown.")
        elif slot.full:
            self.add_error("slot", "Sorry, that time is now full. Please choose another.")
        return data

    @property
    def spam(self) -> bool:
        """Refused for the honeypot or the timing, not for anything a person can fix."""
        return "website" in self.errors or "stamp" in self.errors


def _origin(value: str) -> str:
    """'https://www.shop.example' from what a manager pasted ('…/book/' too); an error for
    anything that is not a web address."""
    value = value.strip()
    wrong = f"“{value[:80]}” is not a website address: start with https://."
    try:
        parts = urlsplit(value)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is not a number, an unclosed [IPv6 address
        raise ValidationError(wrong) from None
    if parts.scheme not in ("https", "http") or not parts.hostname or "\x00" in value:
        raise ValidationError(wrong)
    if any(c in value for c in " ;,'\"\\"):
        raise ValidationError(f"“{value[:80]}” has characters no web address has.")
    try:  # a name in another script goes in the header as the browser sends it (punycode)
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError(wrong) from None
    if not re.fullmatch(r"[a-z0-9.-]+", host):
        raise ValidationError(wrong)
    origin = f"{parts.scheme}://{host}{port}"
    if len(origin) > 200:
        raise ValidationError("That website address is too long (200 characters at most).")
    return origin


class BookingSettingsForm(forms.ModelForm):
    embed_origins = forms.CharField(
        label="Websites that may show the booking page",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "https://www.your-shop.example"}),
        help_text="Your own site's address, one per line. Only these may put the page in a frame.",
    )
    days_ahead = WholeNumberField(label="Bookable up to (days ahead)", min_value=1, max_value=60)
    notice_hours = WholeNumberField(label="At least (hours' notice)", min_value=0, max_value=72)
    slot_minutes = forms.TypedChoiceField(
        label="Drop-off slots of", choices=SlotLength.choices, coerce=int
    )

    class Meta:
        model = BookingSettings
        fields = ["enabled", "slot_minutes", "days_ahead", "notice_hours"]

    def __init__(self, *args, branches: list[Branch], places: dict[int, int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["embed_origins"] = "\n".join(self.instance.embed_origins)
        self.branches = branches
        for branch in branches:
            self.fields[f"places_{branch.pk}"] = WholeNumberField(
                label=f"{branch.name}: bookings per slot",
                min_value=0,
                max_value=50,
                initial=places.get(branch.pk, 0),
                help_text="0: no online bookings at this branch.",
            )

    def clean_embed_origins(self) -> list[str]:
        lines = [line for line in self.cleaned_data["embed_origins"].splitlines() if line.strip()]
        if len(lines) > 10:
            raise ValidationError("Ten websites at most.")
        origins = []
        for line in lines:
            origin = _origin(line)
            if origin not in origins:
                origins.append(origin)
        return origins

    def places(self) -> dict[int, int]:
        return {b.pk: self.cleaned_data[f"places_{b.pk}"] for b in self.branches}

    def branch_fields(self) -> list:
        return [self[f"places_{b.pk}"] for b in self.branches]
