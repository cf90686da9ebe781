"""The works order: the single record of one repair, and what hangs off it."""

from __future__ import annotations

import base64
import datetime
import hashlib
import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from shops.tenancy import ShopOwned
from tickets.signals import collection_check

PENNY = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


class Status(models.TextChoices):
    INTAKE = "intake", "Intake"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_PARTS = "awaiting_parts", "Waiting for parts"
    AWAITING_APPROVAL = "awaiting_approval", "Waiting for approval"
    QUALITY_CONTROL = "quality_control", "QC"
    READY = "ready", "Ready for collection"
    COLLECTED = "collected", "Collected"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = [s for s in Status if s not in (Status.COLLECTED, Status.CANCELLED)]


class Priority(models.TextChoices):
    STANDARD = "standard", "Standard"
    URGENT = "urgent", "Urgent"
    VIP = "vip", "VIP"
    WARRANTY = "warranty", "Warranty"


class Condition(models.TextChoices):
    """The intake tick-list of pre-existing damage: ticked here, it is not our fault later."""

    SCREEN_CRACKED = "screen_cracked", "Screen cracked"
    SCREEN_SCRATCHED = "screen_scratched", "Screen scratched"
    BACK_CRACKED = "back_cracked", "Back glass cracked"
    DENTS = "dents", "Dents or scuffs on frame"
    BENT = "bent", "Bent chassis"
    LIQUID = "liquid", "Liquid damage indicator tripped"
    NO_POWER = "no_power", "Does not power on"
    BUTTONS = "buttons", "Buttons missing or stuck"
    CAMERA_LENS = "camera_lens", "Camera lens cracked"
    PREVIOUSLY_OPENED = "previously_opened", "Opened or repaired before"


class Accessory(models.TextChoices):
    CHARGER = "charger", "Charger"
    CABLE = "cable", "Cable"
    CASE = "case", "Case or cover"
    SIM = "sim", "SIM card"
    SD_CARD = "sd_card", "SD card"
    STYLUS = "stylus", "Stylus"
    BOX = "box", "Box"
    BAG = "bag", "Bag"


class PasscodeKind(models.TextChoices):
    NONE = "none", "No passcode"
    PIN = "pin", "PIN"
    PASSWORD = "password", "Password"
    PATTERN = "pattern", "Pattern"
    REFUSED = "refused", "Customer declined to give it"


def new_reply_code() -> str:
    return f"{secrets.randbelow(10_000):04d}"


# The status link's token is worked out, not stored: the receipt can be reprinted and every
# message can carry the link, while a copy of the database gives nobody a working link (only
# the token's SHA-256 is kept). 22 characters of URL-safe base64 are 132 bits of HMAC-SHA256.
# Keyed on (shop, number), which exist before the row is written, so booking in stays one
# INSERT; `status_link_version` is bumped to revoke a link that got out.
STATUS_TOKEN_SALT = "benchdesk.tickets.status-link"
STATUS_TOKEN_LENGTH = 22


def status_token_for(*, shop_id: int, number: str, version: int) -> str:
    mac = salted_hmac(STATUS_TOKEN_SALT, f"{shop_id}:{number}:{version}", algorithm="sha256")
    return base64.urlsafe_b64encode(mac.digest()).decode()[:STATUS_TOKEN_LENGTH]


def status_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_status_token() -> str:
    """The raw random token of before; migration 0001 still names it."""
    return secrets.token_urlsafe(16)


class RepairOutcome(models.TextChoices):
    """Why a job closed without a repair, as the Open Repair Data Standard counts outcomes (a
    collected job is "Fixed"; a cancelled one says this, or is left out of the export)."""

    REPAIRABLE = "repairable", "Repairable: not repaired here (declined, taken elsewhere)"
    END_OF_LIFE = "end_of_life", "End of life: not possible or not worth repairing"


class RepairBarrier(models.TextChoices):
    """What made a device end of life: the standard's codelist, in its words."""

    PARTS_NOT_AVAILABLE = "parts_not_available", "Spare parts not available"
    PARTS_TOO_EXPENSIVE = "parts_too_expensive", "Spare parts too expensive"
    NO_WAY_TO_OPEN = "no_way_to_open", "No way to open the product"
    NO_REPAIR_INFORMATION = "no_repair_information", "Repair information not available"
    LACK_OF_EQUIPMENT = "lack_of_equipment", "Lack of equipment"
    TOO_WORN_OUT = "too_worn_out", "Product too worn out"


class StatusTokenHashField(models.CharField):
    """Filled in as the row is first written (save and bulk_create alike), once it is numbered."""

    def pre_save(self, model_instance, add: bool):
        if add and not getattr(model_instance, self.attname) and model_instance.number:
            setattr(model_instance, self.attname, status_token_hash(model_instance.status_token))
        return super().pre_save(model_instance, add)


QC_BY_SOMEONE_ELSE = "QC must be signed by someone other than the technicians who worked on it."


class TransitionRefused(Exception):
    """A move the shop's rules do not allow; the message says what to do about it."""


def guard(refusal: str):
    """A transition condition that knows how to explain itself when it is not met."""

    def decorate(check):
        check.refusal = refusal
        return check

    return decorate


@guard("Record the customer's consent to the quote before the job leaves intake.")
def consent_recorded(works_order: WorksOrder) -> bool:
    return works_order.agreed_gross is not None and bool(works_order.fault_reported.strip())


@guard(
    "The quote is now above what the customer agreed by more than the shop allows: "
    "record their approval of the new price first."
)
def price_agreed(works_order: WorksOrder) -> bool:
    return not works_order.needs_approval()


@guard(
    "Complete the online booking at the counter (the device, its IMEI or serial, and the "
    "customer's consent) before the job leaves intake."
)
def booking_completed(works_order: WorksOrder) -> bool:
    """A job booked online is in the shop only once the counter has completed its intake."""
    return works_order.drop_off_at is None or works_order.dropped_off_at is not None


@guard("Set the final price (or mark the job no charge, with the reason) before QC.")
def has_final_price(works_order: WorksOrder) -> bool:
    return works_order.final_price is not None


class WorksOrder(ConcurrentTransitionMixin, ShopOwned):
    number = models.CharField(max_length=20, editable=False)
    # sha256 of the status link's token (see status_token_for); the token itself is never kept.
    status_token_hash = StatusTokenHashField(max_length=64, editable=False)
    status_link_version = models.PositiveSmallIntegerField(default=1, db_default=1)
    branch = models.ForeignKey("shops.Branch", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="works_orders"
    )
    device = models.ForeignKey(
        "devices.Device", on_delete=models.PROTECT, related_name="works_orders"
    )
    # Protected: only the transitions below change it, and saves check nobody moved it meanwhile.
    status = FSMField(max_length=20, choices=Status.choices, default=Status.INTAKE, protected=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.STANDARD)
    assigned_to = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # Condition and what came with it
    condition = ArrayField(
        models.CharField(max_length=20, choices=Condition.choices), default=list, blank=True
    )
    condition_notes = models.TextField("other damage noted", blank=True)
    accessories = ArrayField(
        models.CharField(max_length=20, choices=Accessory.choices), default=list, blank=True
    )
    accessories_other = models.CharField("other items", max_length=200, blank=True)
    passcode_kind = models.CharField(
        max_length=10, choices=PasscodeKind.choices, default=PasscodeKind.NONE
    )
    passcode_secret = models.BinaryField(
        null=True, editable=False
    )  # Fernet token; see passcodes.py

    # Fault and findings
    fault_reported = models.TextField("fault as reported by the customer")
    diagnosis = models.TextField(blank=True)
    diagnostic_codes = models.TextField("diagnostic results or error codes", blank=True)

    # Authorisation
    scope_agreed = models.TextField("work agreed", blank=True)
    scope_excluded = models.TextField("not included", blank=True)
    # The completion time staff promised the customer, when they typed one (else the SLA's).
    estimated_completion = models.DateTimeField(null=True, blank=True)
    repair_type = models.ForeignKey(
        "pricebook.RepairType", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A comeback: the collected job whose repair this one redoes under its warranty. Kept inside
    # the shop by a same-shop key; looked up through the partial index below (few jobs are
    # comebacks, so the index costs the other bookings nothing).
    warranty_return_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="warranty_returns",
        db_index=False,
    )

    # SLA (tickets/sla.py): the target from priority and the branch's business hours, and when
    # the job turns "at risk". While the clock is stopped (waiting for the customer, or for
    # parts where the shop says so) `sla_paused_at` holds when it stopped; on resuming both
    # times move on by the business time paused (summed in `sla_paused_seconds`, so a new
    # target after a priority change keeps the pauses). The next threshold the sweep has yet to
    # record is kept apart, in SlaClock.
    sla_due_at = models.DateTimeField("SLA due", null=True, blank=True)
    sla_risk_at = models.DateTimeField("SLA at risk from", null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_paused_seconds = models.PositiveIntegerField(default=0, db_default=0)  # business time
    # When the clock starts, if not at booking in: a scheduled visit raised days ahead counts
    # from its day, not from when the schedule raised it.
    sla_from = models.DateTimeField(null=True, blank=True)
    estimated_minutes = models.PositiveIntegerField(
        "bench time (minutes)",
        null=True,
        blank=True,
        help_text="Hands-on time the repair should take: the technicians' workload adds it up.",
    )

    # Money: what the customer agreed to (consent, then approvals) and what they will pay
    agreed_gross = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    final_price = models.DecimalField(
        "final price (incl. VAT)", max_digits=10, decimal_places=2, null=True, blank=True
    )

    # The bench and QC
    repaired_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    qc_results = models.JSONField(default=dict, db_default={}, blank=True)  # item: {ok, note}
    qc_signed_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    qc_failures = models.PositiveSmallIntegerField(default=0, db_default=0)

    # Collection
    collected_by_name = models.CharField(max_length=150, blank=True, db_default="")
    collection_signature_png = models.BinaryField(null=True, editable=False)

    # Empty for a job booked online by the customer until the counter completes it (booking/).
    created_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Booked online (booking/): the drop-off time the customer chose, and when the counter
    # completed the intake (the device, its IMEI or serial, consent). Both empty: booked in at
    # the counter.
    drop_off_at = models.DateTimeField("drop-off booked for", null=True, blank=True)
    dropped_off_at = models.DateTimeField("booking completed at the counter", null=True, blank=True)
    # When it entered its current status: each step records how long the job stayed in the
    # status it leaves (TimelineEntry.time_in_from_status) without reading the timeline.
    status_since = models.DateTimeField(default=timezone.now)
    assigned_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    collected_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    # For open repair data (reports/ords.py): said when a job is cancelled after a look at it.
    repair_outcome = models.CharField(
        max_length=12, choices=RepairOutcome.choices, blank=True, db_default=""
    )
    repair_barrier = models.CharField(
        max_length=24, choices=RepairBarrier.choices, blank=True, db_default=""
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="works_order_number_once"),
            models.UniqueConstraint(fields=["shop", "id"], name="works_order_shop_id_key"),
            # A constraint rather than unique=True on the field, which also gave it a second,
            # pattern-matching index: the hash is only ever looked up whole, and each booking
            # wrote a random page of both (160 MB each on the full data set).
            models.UniqueConstraint(fields=["status_token_hash"], name="works_order_status_link"),
        ]
        indexes = [
            models.Index(fields=["shop", "branch", "status"], name="works_order_branch_status"),
            # The list, newest first, by each of its filters: each index hands the page over in
            # order, so 25 rows of 300,000 are 26 index entries away (and the count stops at
            # 1,000), whichever filter is set; the dates filter on the first one.
            models.Index(fields=["shop", "-created_at", "-id"], name="works_order_recent"),
            models.Index(
                fields=["shop", "branch", "-created_at", "-id"], name="works_order_list_branch"
            ),
            models.Index(
                fields=["shop", "status", "-created_at", "-id"], name="works_order_list_status"
            ),
            models.Index(
                fields=["shop", "priority", "-created_at", "-id"], name="works_order_list_priority"
            ),
            models.Index(
                fields=["shop", "assigned_to", "-created_at", "-id"],
                name="works_order_list_technician",
            ),
            # A priority or a technician together with statuses ("VIP jobs collected", "Leah's
            # open jobs"): without the status in the index, the count went through the
            # priority's 12,000 or the technician's 39,000 works orders to find those with the
            # status. With it, the page and the count read just those, from the index alone.
            models.Index(
                fields=["shop", "priority", "status", "-created_at", "-id"],
                name="works_order_list_priority_st",
            ),
            models.Index(
                fields=["shop", "assigned_to", "status", "-created_at", "-id"],
                name="works_order_list_tech_status",
            ),
            # The SLA view: open jobs of a shop by due time.
            models.Index(
                fields=["shop", "sla_due_at"],
                condition=~Q(status__in=["collected", "cancelled"]),
                name="works_order_sla_open",
            ),
            # Predicted completion (tickets/prediction.py): a shop's latest finished jobs, of a
            # repair type or of any, with the times it needs read from the index itself.
            models.Index(
                fields=["shop", "repair_type", "-ready_at"],
                include=["created_at", "started_at", "estimated_minutes", "device"],
                condition=Q(ready_at__isnull=False),
                name="works_order_turnaround_type",
            ),
            models.Index(
                fields=["shop", "-ready_at"],
                include=["created_at", "started_at", "estimated_minutes"],
                condition=Q(ready_at__isnull=False),
                name="works_order_turnaround",
            ),
            # A job's comebacks ("Came back under warranty: WO-…") and the comeback rates.
            models.Index(
                fields=["shop", "warranty_return_of"],
                condition=Q(warranty_return_of__isnull=False),
                name="works_order_warranty_returns",
            ),
            # The list's "booked online" filter: few jobs among many, newest first.
            models.Index(
                fields=["shop", "-created_at", "-id"],
                condition=Q(drop_off_at__isnull=False),
                name="works_order_booked_online",
            ),
            # Today's collections on the board, among years of them.
            models.Index(
                fields=["shop", "branch", "collected_at"],
                condition=Q(status="collected"),
                name="works_order_collected",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def status_token(self) -> str:
        """The customer's status link token; only its hash is stored."""
        return status_token_for(
            shop_id=self.shop_id, number=self.number, version=self.status_link_version
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def booked_online(self) -> bool:
        return self.drop_off_at is not None

    @property
    def awaiting_drop_off(self) -> bool:
        """Booked online, and the counter has not completed its intake yet."""
        return self.drop_off_at is not None and self.dropped_off_at is None

    @property
    def ready_by(self) -> datetime.datetime | None:
        """What the customer was promised: the time staff typed, else the SLA's due time."""
        return self.estimated_completion or self.sla_due_at

    @property
    def has_passcode(self) -> bool:
        return self.passcode_secret is not None

    @property
    def is_paused(self) -> bool:
        return self.status in (Status.AWAITING_PARTS, Status.AWAITING_APPROVAL)

    def quote_gross(self) -> Decimal:
        return sum((line.gross for line in self.lines.all()), Decimal("0.00"))

    def needs_approval(self) -> bool:
        """Is the quote above the agreed price by more than the shop's threshold?"""
        if self.agreed_gross is None:
            return False
        if self.warranty_return_of_id is not None and self.final_price == 0:
            return False  # a warranty return at no charge: extra work costs the customer nothing
        allowed = self.agreed_gross * (1 + self.shop.approval_threshold / 100)
        return self.quote_gross() > money(allowed)

    # The lifecycle. Transitions change this instance only; tickets.lifecycle saves them and
    # writes the timeline. Checks that depend on who moves the job raise TransitionRefused.

    @transition(
        field=status,
        source=Status.INTAKE,
        target=Status.ASSIGNED,
        conditions=[booking_completed, consent_recorded],
    )
    def assign(self, *, technician, by) -> None:
        self._set_assignee(technician)

    @transition(field=status, source=Status.ASSIGNED, target=Status.IN_PROGRESS)
    def start(self, *, by) -> None:
        if by.role == "technician" and by.pk != self.assigned_to_id:
            raise TransitionRefused(f"{self.number} is assigned to {self.assigned_to.user}.")
        self.started_at = self.started_at or timezone.now()

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.AWAITING_PARTS)
    def wait_for_parts(self, *, by, reason: str = "") -> None:
        pass  # the reason (which parts) goes on the timeline

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.AWAITING_APPROVAL)
    def ask_for_approval(self, *, by, reason: str = "") -> None:
        pass  # the reason (what needs approving) goes on the timeline

    @transition(
        field=status,
        source=[Status.AWAITING_PARTS, Status.AWAITING_APPROVAL],
        target=Status.IN_PROGRESS,
        conditions=[price_agreed],
    )
    def resume(self, *, by, reason: str = "") -> None:
        pass  # why (the customer's answer, the part that came) goes on the timeline

    @transition(
        field=status,
        source=Status.IN_PROGRESS,
        target=Status.QUALITY_CONTROL,
        conditions=[price_agreed, has_final_price],
    )
    def submit_for_qc(self, *, by) -> None:
        self.repaired_by = by

    @transition(
        field=status,
        source=Status.QUALITY_CONTROL,
        target=Status.READY,
        conditions=[has_final_price],
    )
    def pass_qc(self, *, by, results: dict) -> None:
        self._check_qc_signer(by)
        missing = [item for item in self.shop.qc_checklist if item not in results]
        if missing:
            raise TransitionRefused(f"Finish the QC checklist first: {', '.join(missing)}.")
        failed = [item for item, result in results.items() if not result["ok"]]
        if failed:
            raise TransitionRefused(f"QC cannot pass with failed checks: {', '.join(failed)}.")
        self.qc_results, self.qc_signed_by, self.ready_at = results, by, timezone.now()

    @transition(field=status, source=Status.QUALITY_CONTROL, target=Status.IN_PROGRESS)
    def fail_qc(self, *, by, results: dict) -> None:
        self._check_qc_signer(by)
        if all(result["ok"] for result in results.values()):
            raise TransitionRefused("Say which checks failed, so the repairer knows what to fix.")
        self.qc_results, self.qc_failures = results, self.qc_failures + 1

    @transition(field=status, source=Status.READY, target=Status.COLLECTED)
    def collect(self, *, by, signed_name: str, signature_png: bytes | None) -> None:
        if not signed_name.strip():
            raise TransitionRefused("The person collecting signs or types their name.")
        # Whether it is paid is billing's to say (tickets does not import billing): the first
        # refusal a listener gives stops the collection.
        for _listener, refusal in collection_check.send(WorksOrder, works_order=self):
            if refusal:
                raise TransitionRefused(refusal)
        self.collected_by_name, self.collection_signature_png = signed_name.strip(), signature_png
        self.collected_at = timezone.now()
        self.passcode_secret = None  # the device has left: nothing is left to test

    @transition(field=status, source=OPEN_STATUSES, target=Status.CANCELLED)
    def cancel(self, *, by, reason: str, outcome: str = "", barrier: str = "") -> None:
        if not reason.strip():
            raise TransitionRefused("Say why it is cancelled (the customer may ask).")
        self.cancelled_at, self.cancel_reason = timezone.now(), reason.strip()
        # A barrier is only what made a device end of life.
        self.repair_outcome = outcome
        self.repair_barrier = barrier if outcome == RepairOutcome.END_OF_LIFE else ""
        self.passcode_secret = None

    def _set_assignee(self, technician) -> None:
        if technician.role != "technician" or not technician.is_active:
            raise TransitionRefused(f"{technician.user} is not an active technician.")
        if not technician.branches.filter(pk=self.branch_id).exists():
            raise TransitionRefused(f"{technician.user} does not work at {self.branch.name}.")
        self.assigned_to, self.assigned_at = technician, timezone.now()

    def worked_on_by(self, member) -> bool:
        """Did this person repair it (assigned, sent it to QC, or logged time on it)?"""
        if member.pk in (self.repaired_by_id, self.assigned_to_id):
            return True
        return self.time_entries.filter(technician_id=member.pk).exists()

    def _check_qc_signer(self, by) -> None:
        if self.worked_on_by(by):
            raise TransitionRefused(QC_BY_SOMEONE_ELSE)

    def get_condition_display(self) -> list[str]:
        return [Condition(c).label for c in self.condition if c in Condition.values]

    def get_accessories_display(self) -> list[str]:
        items = [Accessory(a).label for a in self.accessories if a in Accessory.values]
        return [*items, self.accessories_other] if self.accessories_other else items


class LineKind(models.TextChoices):
    PART = "part", "Part"
    LABOUR = "labour", "Labour"
    OTHER = "other", "Other"
    DISCOUNT = "discount", "Discount"  # a negative amount; managers give them


class QuoteLine(ShopOwned):
    """One priced line of the quote, net of VAT; VAT is worked out per line."""

    works_order = models.ForeignKey(WorksOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=LineKind.choices, default=LineKind.LABOUR)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal(1))
    unit_price = models.DecimalField("unit price (net)", max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    # Where the price came from, when not typed: the pricebook's price, and why it was changed.
    listed_price = models.DecimalField(
        "pricebook price (net)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    note = models.CharField("why the price differs", max_length=200, blank=True, db_default="")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def net(self) -> Decimal:
        return money(self.quantity * self.unit_price)

    @property
    def vat(self) -> Decimal:
        return money(self.net * self.vat_rate / 100)

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


class ConsentMethod(models.TextChoices):
    SIGNATURE = "signature", "Signed on screen"
    ON_BEHALF = "on_behalf", "Recorded by staff for the customer"


class Consent(ShopOwned):
    """The customer's agreement to the quote and terms. Written once; the database refuses edits."""

    works_order = models.OneToOneField(WorksOrder, on_delete=models.PROTECT, related_name="consent")
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    signed_name = models.CharField("customer's name as given", max_length=150)
    signature_png = models.BinaryField(null=True, editable=False)
    recorded_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    quote_net = models.DecimalField(max_digits=10, decimal_places=2)
    quote_gross = models.DecimalField(max_digits=10, decimal_places=2)
    terms = models.ForeignKey("shops.TermsVersion", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Consent for {self.works_order_id} by {self.signed_name}"


def photo_path(photo: Photo, filename: str) -> str:
    # Generated names only: the customer's file name never reaches the disk.
    return f"private/shop-{photo.shop_id}/photos/{secrets.token_hex(16)}.jpg"


class Photo(ShopOwned):
    works_order = models.ForeignKey(WorksOrder, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField("bytes stored", default=0)  # what it counts for storage
    caption = models.CharField(max_length=120, blank=True)
    uploaded_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        # The nightly retention sweep (tickets/retention.py): a shop's oldest photos first.
        indexes = [models.Index(fields=["shop", "uploaded_at"], name="photo_by_age")]

    def __str__(self) -> str:
        return self.caption or f"Photo {self.pk}"


class NoteKind(models.TextChoices):
    INTERNAL = "internal", "Internal note"
    CUSTOMER = "customer", "Update for the customer"


class Event(models.TextChoices):
    BOOKED_IN = "booked_in", "Booked in"
    CONSENT = "consent", "Consent recorded"
    PHOTO = "photo", "Photo added"
    PASSCODE_VIEWED = "passcode_viewed", "Passcode viewed"
    NOTE = "note", "Note"
    CANCELLED = "cancelled", "Cancelled"
    STATUS = "status", "Status changed"
    ASSIGNED = "assigned", "Assigned"
    APPROVAL = "approval", "Approval"
    QC = "qc", "QC"
    TIME = "time", "Time logged"
    COLLECTED = "collected", "Collected"
    DETAILS = "details", "Details changed"
    MESSAGE = "message", "Customer message"
    BILLING = "billing", "Billing"
    TRANSFER = "transfer", "Moved between branches"
    CHECKLIST = "checklist", "Checklist"
    LOANER = "loaner", "Loaner"
    PARCEL = "parcel", "Mail-in parcel"


class TimelineEntry(ShopOwned):
    """Every change to a works order, stamped with who and when. Append-only."""

    # Indexed by timeline_recent and timeline_latest, which both begin with it.
    works_order = models.ForeignKey(
        WorksOrder, on_delete=models.CASCADE, related_name="timeline", db_index=False
    )
    event = models.CharField(max_length=30, choices=Event.choices)
    actor = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True)
    note_kind = models.CharField(max_length=10, choices=NoteKind.choices, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # A lifecycle step: the status the job left and how long it had been in it (clock time),
    # so the time in each status is read from the steps alone (reports, SLA breach causes).
    from_status = models.CharField(max_length=20, blank=True, db_default="")
    time_in_from_status = models.DurationField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "timeline entries"
        indexes = [
            models.Index(fields=["works_order", "-at"], name="timeline_recent"),
            # A job's newest entry in one index probe: every open board asks it of each card.
            models.Index(fields=["works_order", "id"], name="timeline_latest"),
            # Stays that ended in a period, read from the index alone (reports.time_in_status).
            models.Index(
                fields=["shop", "at"],
                include=["works_order", "from_status", "time_in_from_status"],
                condition=~models.Q(from_status=""),
                name="timeline_stays",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def visible_to_customer(self) -> bool:
        return self.note_kind == NoteKind.CUSTOMER


class TimeEntry(ShopOwned):
    """Bench time: a running timer (no end yet) or a finished or typed-in stretch of work."""

    works_order = models.ForeignKey(
        WorksOrder, on_delete=models.CASCADE, related_name="time_entries"
    )
    technician = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["started_at"]
        constraints = [
            # One running timer per technician per job: a second start would double-count.
            models.UniqueConstraint(
                fields=["shop", "works_order", "technician"],
                condition=models.Q(ended_at__isnull=True),
                name="one_running_timer",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gt=models.F("started_at")),
                name="time_entry_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.technician} on {self.works_order}"

    @property
    def minutes(self) -> int:
        end = self.ended_at or timezone.now()
        return int((end - self.started_at).total_seconds() // 60)


class ApprovalMethod(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "By phone"
    SMS = "sms", "By SMS reply"
    WEB = "web", "On the status page"


class Approval(ShopOwned):
    """A request to the customer to agree a higher price, and their answer."""

    works_order = models.ForeignKey(WorksOrder, on_delete=models.CASCADE, related_name="approvals")
    previous_gross = models.DecimalField(max_digits=10, decimal_places=2)
    new_gross = models.DecimalField(max_digits=10, decimal_places=2)
    reason = models.TextField()
    requested_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    approved = models.BooleanField(null=True)  # None while waiting
    method = models.CharField(max_length=10, choices=ApprovalMethod.choices, blank=True)
    decided_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    line_ids = ArrayField(models.BigIntegerField(), default=list)  # the extra lines asked for
    # What the customer texts back with YES or NO, so a reply finds this approval and no other.
    reply_code = models.CharField(max_length=6, default=new_reply_code, editable=False)
    # How a customer's own answer was given: when, from where, what they were shown.
    evidence = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.works_order}: {self.previous_gross} → {self.new_gross}"


class NumberCounter(ShopOwned):
    """The last number handed out in one series (per shop, per branch-month, per day…)."""

    series = models.CharField(max_length=30)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "series"], name="number_series_once")
        ]

    def __str__(self) -> str:
        return f"{self.series}: {self.last}"


class SlaUnit(models.TextChoices):
    BUSINESS_HOURS = "hours", "business hours"
    BUSINESS_DAYS = "days", "business days"
    NEXT_BUSINESS_DAY = "next_day", "by the end of the next business day"
    PER_JOB = "per_job", "a due time set on each job"


class SlaTarget(ShopOwned):
    """How long a shop gives itself for a priority, in its branches' business time. A priority
    without a row uses DEFAULT_SLA_TARGETS."""

    priority = models.CharField(max_length=10, choices=Priority.choices)
    unit = models.CharField(max_length=10, choices=SlaUnit.choices)
    amount = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "priority"], name="sla_target_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_priority_display()}: {self.amount} {self.get_unit_display()}"


DEFAULT_SLA_TARGETS = {
    Priority.STANDARD: (SlaUnit.BUSINESS_DAYS, 5),
    Priority.URGENT: (SlaUnit.NEXT_BUSINESS_DAY, 1),
    Priority.VIP: (SlaUnit.BUSINESS_HOURS, 4),
    Priority.WARRANTY: (SlaUnit.PER_JOB, 1),
}


class SlaThreshold(models.TextChoices):
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"


class SlaClock(ShopOwned):
    """The SLA sweep's queue (tickets/sla_sweep.py): a row for each works order with a threshold
    still to record, `next_at` being the first (at risk, then due), with the times the sweep
    judges it by. The engine (tickets/sla.py) writes it with the works order; the sweep moves
    `next_at` on and deletes the row once nothing is left. It is a table of its own because the
    works order has some thirty indexes: moving an indexed column there rewrote every one of them
    for each job that crossed (10,000 crossings took 3 s); here a move writes two."""

    works_order = models.OneToOneField(
        WorksOrder, on_delete=models.CASCADE, primary_key=True, related_name="sla_clock"
    )
    # Narrow on purpose: no index on the shop or the branch (nothing looks rows up by them).
    shop = models.ForeignKey(
        "shops.Shop", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    branch = models.ForeignKey(
        "shops.Branch", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_at = models.DateTimeField()
    risk_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)  # stopped: crossings judged at this
    next_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["next_at"], name="sla_clock_next")]

    def __str__(self) -> str:
        return f"{self.works_order_id} next at {self.next_at:%Y-%m-%d %H:%M}"


class SlaCrossing(ShopOwned):
    """A works order passing an SLA threshold, recorded once by the sweep (tickets/sla_sweep.py)
    for the due time it was measured against: a new due time (priority changed) may cross again."""

    # Written by the sweep, thousands at once: the same-shop keys (shop, works order) and (shop,
    # branch) are the database's checks (they imply the plain keys, which would each cost a
    # trigger call per row), and the shop is looked up through the unique key, not an index.
    shop = models.ForeignKey(
        "shops.Shop",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    works_order = models.ForeignKey(
        WorksOrder, on_delete=models.CASCADE, related_name="sla_crossings", db_constraint=False
    )
    branch = models.ForeignKey(
        "shops.Branch",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    threshold = models.CharField(max_length=10, choices=SlaThreshold.choices)
    due_at = models.DateTimeField()
    crossed_at = models.DateTimeField()  # the threshold's time, not when the sweep saw it
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-crossed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "works_order", "threshold", "due_at"], name="sla_crossing_once"
            ),
            models.UniqueConstraint(fields=["shop", "id"], name="sla_crossing_shop_id_key"),
        ]
        indexes = [
            models.Index(fields=["shop", "threshold", "-crossed_at"], name="sla_crossing_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.works_order_id} {self.threshold} at {self.crossed_at:%Y-%m-%d %H:%M}"


class BranchTransfer(ShopOwned):
    """A works order sent to another branch of the shop (a specialist, a less busy one). The
    job belongs to the new branch from the moment it is sent; until someone there records it
    received, it is in transit (`received_at` empty) and the board says so."""

    works_order = models.ForeignKey(WorksOrder, on_delete=models.PROTECT, related_name="transfers")
    from_branch = models.ForeignKey("shops.Branch", on_delete=models.PROTECT, related_name="+")
    to_branch = models.ForeignKey("shops.Branch", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    moved_by = models.ForeignKey("shops.Membership", on_delete=models.PROTECT, related_name="+")
    moved_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-moved_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "id"], name="branch_transfer_shop_id_key"),
            # The floor under the service's row lock: one device on the road at a time.
            models.UniqueConstraint(
                fields=["shop", "works_order"],
                condition=Q(received_at__isnull=True),
                name="branch_transfer_one_in_transit",
            ),
            models.CheckConstraint(
                condition=~Q(from_branch=models.F("to_branch")), name="branch_transfer_moves"
            ),
        ]
        indexes = [models.Index(fields=["shop", "works_order"], name="branch_transfer_job")]

    def __str__(self) -> str:
        return f"{self.works_order_id}: {self.from_branch_id} → {self.to_branch_id}"

    @property
    def in_transit(self) -> bool:
        return self.received_at is None


class JobTemplate(ShopOwned):
    """A works order's starting point ("Annual tablet fleet check"): a checklist the technician
    ticks on the job, and default quote lines. Copied at intake, then the job's own."""

    name = models.CharField(max_length=120)
    fault = models.TextField(
        "work to do", blank=True, help_text="Goes on the job as the fault or request; editable."
    )
    checklist = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="What the technician ticks off on the job, one item per line.",
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="job_template_name_once"),
            models.UniqueConstraint(fields=["shop", "id"], name="job_template_shop_id_key"),
        ]

    def __str__(self) -> str:
        return self.name


class JobTemplateLine(ShopOwned):
    """A default quote line of a template, net of VAT like QuoteLine."""

    template = models.ForeignKey(JobTemplate, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=LineKind.choices, default=LineKind.LABOUR)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal(1))
    unit_price = models.DecimalField("unit price (net)", max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description


class ChecklistItem(ShopOwned):
    """One item of a job's checklist (copied from its template), ticked by who did it."""

    works_order = models.ForeignKey(WorksOrder, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=200)
    done_by = models.ForeignKey(
        "shops.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "works_order", "position"], name="checklist_item_once"
            ),
        ]

    def __str__(self) -> str:
        return self.text
