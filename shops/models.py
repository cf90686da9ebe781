"""The tenant (a repair business), its branches, and the people who work there."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from shops.tenancy import ShopOwned


class Wording(models.TextChoices):
    WORKS_ORDER = "works_order", "Works order"
    WORK_ORDER = "work_order", "Work order"
    TICKET = "ticket", "Ticket"


class NumberingScheme(models.TextChoices):
    SEQUENTIAL = "sequential", "Sequential (WO-004582)"
    DATE_BASED = "date", "Date-based (2603-15-001)"
    BRANCH_PREFIXED = "branch", "Branch-prefixed (BHM-2603-0042)"


def default_qc_checklist() -> list[str]:
    return [
        "Reported fault resolved",
        "No new faults",
        "Cosmetics acceptable",
        "Calls work",
        "Camera works",
        "Speakers and microphone work",
        "Charges",
        "Buttons work",
        "Device clean",
    ]


DEFAULT_PHOTO_STORAGE_QUOTA = 5 * 1024**3


# Callables, not fixed times: Django's check for a fixed default (fields.W161) compares a
# time-of-day default with the clock and warns whenever it runs within seconds of 20:00 or 8:00.
def quiet_hours_start() -> datetime.time:
    return datetime.time(20, 0)


def quiet_hours_end() -> datetime.time:
    return datetime.time(8, 0)


class Shop(models.Model):
    """A repair business: the tenant. Everything else hangs off one."""

    name = models.CharField(max_length=120)
    email = models.EmailField(
        "email for customers' replies",
        blank=True,
        db_default="",
        help_text="Customers' replies to the shop's emails come here (a branch may have its own).",
    )
    slug = models.SlugField(max_length=60, unique=True)
    currency = models.CharField(
        max_length=3,
        default="GBP",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO currency code.")],
    )
    vat_rate = models.DecimalField(
        "VAT rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    vat_number = models.CharField("VAT registration number", max_length=30, blank=True)
    phone_region = models.CharField(
        "default phone region",
        max_length=2,
        default="GB",
        help_text="Country code used to read phone numbers typed without +44 etc.",
        validators=[RegexValidator(r"^[A-Z]{2}$", "Use a two-letter country code such as GB.")],
    )
    wording = models.CharField(max_length=20, choices=Wording.choices, default=Wording.WORKS_ORDER)
    numbering = models.CharField(
        max_length=20, choices=NumberingScheme.choices, default=NumberingScheme.SEQUENTIAL
    )
    terms_text = models.TextField("terms and conditions", blank=True)
    terms_version = models.PositiveIntegerField(default=1)
    approval_threshold = models.DecimalField(
        "extra work needing approval (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(0)],
        help_text="A price above the agreed quote by more than this needs the customer's approval.",
    )
    qc_checklist = ArrayField(
        models.CharField(max_length=120),
        default=default_qc_checklist,
        blank=True,
        help_text="What QC checks before a device is ready, one item per line.",
    )
    auto_assign = models.BooleanField(
        "assign new jobs automatically",
        default=False,
        help_text="Give each new job to the technician at its branch with the least open work.",
    )
    technicians_move_branches = models.BooleanField(
        "technicians may move jobs between branches",
        default=False,
        db_default=False,
        help_text="Unticked: only the front desk and managers send a job to another branch.",
    )
    pricebook_prices_include_vat = models.BooleanField(
        "pricebook prices include VAT",
        default=True,
        help_text=(
            "Ticked: a pricebook price is what the customer pays. Unticked: VAT is added on top. "
            "Prices already entered are read the new way, not converted."
        ),
    )
    margin_green_above = models.DecimalField(
        "margin shown green above (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("60.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Pricebook margins (price net of VAT less the current cost of its parts).",
    )
    margin_red_below = models.DecimalField(
        "margin shown red below (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("40.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Between the two thresholds a margin is shown amber.",
    )
    photo_storage_quota = models.PositiveBigIntegerField(
        "photo storage allowance (bytes)",
        default=DEFAULT_PHOTO_STORAGE_QUOTA,
        help_text=(
            "Photos beyond this are refused. Set here by Benchdesk (the shop's managers see it "
            "under Settings → Shop). 5 GiB holds roughly 10,000 photos as they are kept."
        ),
    )
    # Customer messages. SMS written in quiet hours wait for the morning (the branch's time).
    quiet_hours_from = models.TimeField(
        "quiet hours from", default=quiet_hours_start, help_text="No SMS from this time…"
    )
    quiet_hours_until = models.TimeField(
        "quiet hours until", default=quiet_hours_end, help_text="…until this time."
    )
    # Moves on whenever the shop's message wording changes (notifications.MessageTemplate), so
    # each process's copy of that wording (notifications.services.wording) is read again.
    wording_version = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    status_page_days = models.PositiveSmallIntegerField(
        "status page open for (days after collection)",
        default=90,
        validators=[MaxValueValidator(3650)],
        help_text="After this the customer's link shows a polite note instead of the repair.",
    )
    # SLA (tickets/sla.py): targets per priority are SlaTarget rows.
    sla_risk_percent = models.PositiveSmallIntegerField(
        "at risk when this much of the time is used (%)",
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="A job turns amber here, and managers are told.",
    )
    sla_parts_clock = models.BooleanField(
        "waiting for parts counts against the promise",
        default=True,
        help_text="Unticked, the SLA clock stops while a job waits for parts, as it always does "
        "while it waits for the customer's approval.",
    )
    # Privacy (privacy/retention.py): a nightly sweep removes photos and customer messages older
    # than this many months. Empty keeps them for as long as the shop has them.
    photo_retention_months = models.PositiveSmallIntegerField(
        "remove photos after (months)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Intake and bench photos older than this are deleted overnight. "
        "Leave empty to keep them.",
    )
    message_retention_months = models.PositiveSmallIntegerField(
        "remove messages after (months)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="SMS and emails to and from customers older than this are deleted overnight. "
        "Leave empty to keep them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(margin_red_below__lte=models.F("margin_green_above")),
                name="shop_margin_thresholds_in_order",
                violation_error_message="The red threshold must not be above the green one.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def charges_vat_unregistered(self) -> bool:
        """VAT is added to prices, but there is no VAT number to charge it under: invoices are
        plain invoices (billing's Invoice.title), so the VAT on them is not the shop's to ask."""
        return self.vat_rate > 0 and not self.vat_number.strip()

    @property
    def works_order_label(self) -> str:
        return self.get_wording_display()


class PhotoStorage(models.Model):
    """What a shop's photos take, counted as they are saved and deleted (tickets does both
    through shops.services): one row per shop, changed only by UPDATEs that add to or take
    from it, so two uploads at once cannot both squeeze under the allowance.

    A row of its own, not columns on Shop: the settings pages save the whole Shop row they read
    at the start of the request, which would put back a figure from before a concurrent upload.
    """

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, primary_key=True, related_name="photo_storage"
    )
    used_bytes = models.PositiveBigIntegerField(default=0)
    photo_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.photo_count} photos, {self.used_bytes} bytes"


class TermsVersion(ShopOwned):
    """Each published wording of a shop's terms, kept so a consent can be proved later."""

    version = models.PositiveIntegerField()
    text = models.TextField()
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "version"], name="terms_version_unique_per_shop"
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="terms_version_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"Terms v{self.version}"


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. Europe/London).")


class Branch(ShopOwned):
    code = models.CharField(
        max_length=5,
        validators=[RegexValidator(r"^[A-Z]{2,5}$", "Use 2 to 5 capital letters, e.g. BHM.")],
        help_text="Short code used in works-order numbers, e.g. BHM.",
    )
    name = models.CharField(max_length=120)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(
        "email for customers' replies",
        blank=True,
        db_default="",
        help_text="Replies to this branch's customer emails come here; empty: the shop's.",
    )
    timezone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_timezone]
    )
    # Public holidays the branch is closed on, from the `holidays` package; no country: none.
    # Closed dates (ClosedDate) add to them; one marked open_on_holiday takes a holiday away.
    holidays_country = models.CharField(
        "public holidays of (country)",
        max_length=2,
        blank=True,
        default="GB",
        help_text="Two-letter country code, e.g. GB; empty to count no public holidays.",
    )
    holidays_region = models.CharField(
        "region",
        max_length=10,
        blank=True,
        default="ENG",
        help_text="The country's region where holidays differ, e.g. ENG, SCT, WLS or NIR.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "branches"
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="branch_code_unique_per_shop"),
            models.UniqueConstraint(fields=["shop", "id"], name="branch_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OpeningHours(ShopOwned):
    """When a branch is open on one weekday; a weekday without a row is closed."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "branch", "weekday"], name="opening_hours_one_per_weekday"
            ),
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")),
                name="opening_hours_open_before_close",
                violation_error_message="Opening time must be before closing time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ClosedDate(ShopOwned):
    """A day that differs from the branch's week: shut although its weekday is normally open
    (stock take, a staff day), or with `open_on_holiday` the other way round: open on one of
    its public holidays, which SLA promises then count as a business day."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="closed_dates")
    date = models.DateField()
    reason = models.CharField(max_length=120, blank=True)
    open_on_holiday = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "branch", "date"], name="closed_date_once")
        ]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y} {self.reason}".strip()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. What they may do lives on their Membership of each shop."""

    email = models.EmailField(
        "email address",
        unique=True,
        error_messages={"unique": "Someone already uses this email address."},
    )
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "Django admin access", default=False, help_text="Superusers only; shop staff never need it."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs) -> None:
        # Stored lower-case so that one person is one account whatever they type.
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def first_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    FRONT_DESK = "front_desk", "Front desk"
    TECHNICIAN = "technician", "Technician"


MANAGERS = (Role.OWNER, Role.MANAGER)
COUNTER = (Role.OWNER, Role.MANAGER, Role.FRONT_DESK)
EVERYONE = tuple(Role)


class Skill(models.TextChoices):
    PHONES = "phones", "Phones"
    TABLETS = "tablets", "Tablets"
    LAPTOPS = "laptops", "Laptops"
    CONSOLES = "consoles", "Consoles"
    WATCHES = "watches", "Watches"
    MICRO_SOLDERING = "micro_soldering", "Micro-soldering"
    WATER_DAMAGE = "water_damage", "Water damage"
    DATA_RECOVERY = "data_recovery", "Data recovery"


class Membership(ShopOwned):
    """A user working in a shop: their role, the branches they work at, their bench skills."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    branches = models.ManyToManyField(Branch, through="MembershipBranch", related_name="+")
    skills = ArrayField(
        models.CharField(max_length=30, choices=Skill.choices), default=list, blank=True
    )
    is_active = models.BooleanField(default=True)
    # For alerts to the person themselves (not customers): SLA alerts go by SMS only when asked.
    mobile = models.CharField(
        "mobile phone", max_length=20, blank=True, db_default="", help_text="Stored in E.164"
    )
    sla_alerts_by_sms = models.BooleanField("SLA alerts by SMS", default=False, db_default=False)
    # Owners and managers: last week's figures by email on Monday morning (reports/weekly.py).
    weekly_summary = models.BooleanField("weekly summary email", default=True, db_default=True)
    joined_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "user"], name="membership_once_per_shop"),
            models.UniqueConstraint(fields=["shop", "id"], name="membership_shop_id_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGERS

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    def get_skills_display(self) -> list[str]:
        return [Skill(skill).label for skill in self.skills if skill in Skill.values]


class MembershipBranch(ShopOwned):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE)
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "membership", "branch"], name="membership_branch_once"
            )
        ]


class Invitation(ShopOwned):
    """An emailed invitation to join a shop; the link carries a token we only keep hashed."""

    LIFETIME = datetime.timedelta(days=7)

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    branch_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    skills = ArrayField(models.CharField(max_length=30, choices=Skill.choices), default=list)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "shop",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
                violation_error_message="This person already has an open invitation.",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
