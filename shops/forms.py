from __future__ import annotations

import holidays as public_holidays
import phonenumbers
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError

from shops import ratelimit
from shops.fields import DateField
from shops.models import (
    Branch,
    ClosedDate,
    Membership,
    Role,
    Shop,
    Skill,
    User,
    Weekday,
)


def errors_into(form: forms.Form, refused: ValidationError) -> None:
    """A service's refusal shown on the form: at its field when it names one, else on top."""
    if hasattr(refused, "error_dict"):
        for field, errors in refused.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refused)


def checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


class ShopModelForm(forms.ModelForm):
    """A ModelForm for a shop-owned row: the shop is set by the view, never posted.

    Unique constraints all include the shop, so the shop must take part in validation
    even though it is not a form field; otherwise a duplicate surfaces as a 500.
    """

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.shop = shop
        self.instance.shop = shop

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("shop")
        return exclusions


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": (
            "That email and password do not match an account. Check both and try again."
        ),
        "inactive": "This account has been switched off. Ask your manager.",
    }


class RateLimitedPasswordResetForm(PasswordResetForm):
    """At most one reset email per address per few minutes. The page answers the same either
    way (as it does for an address with no account), so a second click sends nothing twice."""

    def save(self, *args, **kwargs) -> None:
        if ratelimit.first_in_window(ratelimit.PASSWORD_RESET_EMAIL, self.cleaned_data["email"]):
            super().save(*args, **kwargs)


PRICEBOOK_FIELDS = ["pricebook_prices_include_vat", "margin_green_above", "margin_red_below"]


class ShopSettingsForm(forms.ModelForm):
    class Meta:
        model = Shop
        fields = [
            "name",
            "email",
            "currency",
            "vat_rate",
            "vat_number",
            "phone_region",
            "wording",
            "numbering",
            "terms_text",
            *PRICEBOOK_FIELDS,
        ]
        widgets = {"terms_text": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "terms_text": (
                "Changing the terms publishes a new version; "
                "signed consents keep the version they accepted."
            )
        }

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()

    def clean(self) -> dict:
        data = super().clean()
        green, red = data.get("margin_green_above"), data.get("margin_red_below")
        if green is not None and red is not None and red > green:
            self.add_error(
                "margin_red_below",
                f"Make it {green} % or less: a margin cannot be red above the green threshold.",
            )
        return data

    def general_fields(self) -> list:
        return [field for field in self.visible_fields() if field.name not in PRICEBOOK_FIELDS]

    def pricebook_fields(self) -> list:
        return [field for field in self.visible_fields() if field.name in PRICEBOOK_FIELDS]

    def clean_phone_region(self) -> str:
        return self.cleaned_data["phone_region"].upper()


class WorkshopSettingsForm(forms.ModelForm):
    """How jobs move through the workshop: assignment, approval of extra work, the QC checklist."""

    MAX_CHECKS = 30

    qc_checklist = forms.CharField(
        label="QC checklist",
        required=False,  # an empty list gets its own message in clean_qc_checklist
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="One check per line, in the order QC goes through them. Every check must pass "
        "before a device is ready; a QC open on someone's screen as you save starts again "
        "with the new list.",
    )

    class Meta:
        model = Shop
        fields = [
            "auto_assign",
            "technicians_move_branches",
            "approval_threshold",
            "qc_checklist",
            "quiet_hours_from",
            "quiet_hours_until",
            "status_page_days",
        ]
        widgets = {
            "quiet_hours_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "quiet_hours_from": "No SMS to customers from this time (the branch's local time); "
            "they wait until quiet hours end. The same time in both boxes means no quiet hours.",
            "quiet_hours_until": "…until this time.",
            "auto_assign": "Once the customer has agreed to the quote, give each new job to the "
            "technician at its branch with the right skills and the least open work.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["qc_checklist"] = "\n".join(self.instance.qc_checklist)
        for name in self.KEPT_WHEN_EMPTY:
            self.fields[name].required = False

    # Left empty, these keep what the shop has (they all have a sensible default).
    KEPT_WHEN_EMPTY = ("quiet_hours_from", "quiet_hours_until", "status_page_days")

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in self.KEPT_WHEN_EMPTY:
            if name in cleaned and cleaned[name] is None:
                cleaned[name] = getattr(self.instance, name)
        return cleaned

    def clean_qc_checklist(self) -> list[str]:
        checks, seen = [], set()
        for line in self.cleaned_data["qc_checklist"].splitlines():
            check = " ".join(line.split())
            if check and check.lower() not in seen:
                seen.add(check.lower())
                checks.append(check)
        if not checks:
            raise forms.ValidationError("QC needs at least one check.")
        if len(checks) > self.MAX_CHECKS:
            raise forms.ValidationError(f"Keep it to {self.MAX_CHECKS} checks or fewer.")
        too_long = [c for c in checks if len(c) > 120]
        if too_long:
            raise forms.ValidationError(f"Shorten “{too_long[0][:40]}…”: 120 characters at most.")
        return checks


class BranchForm(ShopModelForm):
    class Meta:
        model = Branch
        fields = [
            "code",
            "name",
            "address",
            "phone",
            "email",
            "timezone",
            "holidays_country",
            "holidays_region",
            "is_active",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        labels = {"is_active": "Open for business (inactive branches take no new works orders)"}

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()

    def clean(self) -> dict:
        """The public holidays must be ones the `holidays` package knows (SLA promises skip
        them); a region only where the country has regions."""
        data = super().clean()
        country = data.get("holidays_country", "").strip().upper()
        region = data.get("holidays_region", "").strip().upper()
        data["holidays_country"], data["holidays_region"] = country, region
        if not country:
            if region:
                self.add_error("holidays_region", "Choose the country first, or leave both empty.")
            return data
        regions = public_holidays.list_supported_countries().get(country)
        if regions is None:
            self.add_error(
                "holidays_country",
                f"No public holidays are known for “{country}”. Use a two-letter country code "
                "such as GB or IE, or leave it empty to count none.",
            )
        elif region and region not in regions:
            known = ", ".join(regions) if regions else "none (leave it empty)"
            self.add_error("holidays_region", f"“{region}” is not a region of {country}: {known}.")
        return data


class OpeningHoursForm(forms.Form):
    """One weekday's hours; leave both times empty for closed."""

    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int, widget=forms.HiddenInput)
    opens = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self) -> dict:
        data = super().clean()
        opens, closes = data.get("opens"), data.get("closes")
        if bool(opens) != bool(closes):
            raise forms.ValidationError(
                "Give both the opening and the closing time, or neither for closed."
            )
        if opens and closes and opens >= closes:
            raise forms.ValidationError("Opening time must be before closing time.")
        return data

    @property
    def weekday_label(self) -> str:
        return Weekday(
            int(self.initial.get("weekday", self.data.get(f"{self.prefix}-weekday", 0)))
        ).label


OpeningHoursFormSet = forms.formset_factory(OpeningHoursForm, extra=0, min_num=7, max_num=7)


class ClosedDateForm(ShopModelForm):
    class Meta:
        model = ClosedDate
        fields = ["date", "reason"]
        field_classes = {"date": DateField}
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, branch: Branch, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.branch = branch

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("branch")
        return exclusions


class BranchChoiceMixin:
    def setup_branches(self, shop: Shop) -> None:
        self.fields["branches"].queryset = Branch.objects.for_shop(shop).filter(is_active=True)


class InvitationForm(BranchChoiceMixin, forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.TECHNICIAN)
    branches = forms.ModelMultipleChoiceField(
        queryset=Branch.objects.none(),
        widget=checkboxes(),
        help_text="Where they work. Technicians are only assigned jobs at these branches.",
    )
    skills = forms.MultipleChoiceField(choices=Skill.choices, required=False, widget=checkboxes())

    def __init__(self, *args, shop: Shop, inviter: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setup_branches(shop)
        if not inviter.is_owner:
            self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.OWNER]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class MembershipForm(BranchChoiceMixin, forms.ModelForm):
    branches = forms.ModelMultipleChoiceField(
        queryset=Branch.objects.none(), widget=checkboxes(), required=False
    )
    skills = forms.MultipleChoiceField(choices=Skill.choices, required=False, widget=checkboxes())

    class Meta:
        model = Membership
        fields = ["role", "branches", "skills", "mobile", "sla_alerts_by_sms", "weekly_summary"]
        help_texts = {
            "mobile": "Only for alerts to them; customers never see it.",
            "sla_alerts_by_sms": "Owners and managers: a text when a job of their branches turns "
            "at risk or breaches its SLA, as well as the alert in the app and the email.",
            "weekly_summary": "Owners and managers: last week's figures for their branches, "
            "by email on Monday at 8:00.",
        }
        widgets = {"mobile": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"})}

    def __init__(self, *args, editor: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setup_branches(self.instance.shop)
        self.initial.setdefault("branches", list(self.instance.branches.all()))
        if not editor.is_owner:
            self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.OWNER]

    def clean_mobile(self) -> str:
        """E.164 in the shop's region, as customers' numbers are stored."""
        raw = (self.cleaned_data.get("mobile") or "").strip()
        if not raw:
            return ""
        region = self.instance.shop.phone_region
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(
                f"“{raw}” is not a valid phone number for {region}. "
                "Check the digits, or start with + and the country code."
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("sla_alerts_by_sms") and not data.get("mobile") and "mobile" not in self.errors:
            self.add_error("mobile", "Give a mobile number for SLA alerts by SMS.")
        return data


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Your full name")
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict:
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            candidate = User(email=self.email, full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as problem:
                self.add_error("password1", problem)
        return data
