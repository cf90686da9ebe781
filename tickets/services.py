"""Writes to works orders. Each service is one transaction and writes its own timeline entry."""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from audit.context import acting_via
from customers.models import Customer
from devices.models import Device
from shops.models import Branch, Membership, Role, TermsVersion
from shops.money import format_money
from shops.services import shop_storage_release, shop_storage_take
from tickets import numbering, passcodes, sla
from tickets.models import (
    Approval,
    ApprovalMethod,
    Consent,
    ConsentMethod,
    Event,
    LineKind,
    NoteKind,
    PasscodeKind,
    Photo,
    Priority,
    QuoteLine,
    Status,
    TimeEntry,
    TimelineEntry,
    TransitionRefused,
    WorksOrder,
    money,
)
from tickets.signals import customer_news, price_change_check


@dataclass(frozen=True)
class LineData:
    description: str
    unit_price: Decimal
    quantity: Decimal = Decimal(1)
    kind: str = LineKind.LABOUR
    vat_rate: Decimal | None = None  # None: the shop's rate
    listed_price: Decimal | None = None  # the pricebook's unit price, for a line priced from it
    note: str = ""  # why the price differs from the pricebook's


@dataclass(frozen=True)
class ConsentData:
    method: str
    signed_name: str
    signature_png: bytes | None = None


# Whether this request (or task) wrote to a job's timeline: an HTMX answer then tells the page,
# whose timeline redraws itself (tickets.middleware). Every entry is built by _entry below.
TIMELINE_WRITTEN: ContextVar[bool] = ContextVar("timeline_written", default=False)


def _entry(
    works_order: WorksOrder,
    event: str,
    actor: Membership | None,
    text: str = "",
    note_kind: str = "",
    **data,
) -> TimelineEntry:
    if via := acting_via():  # an API key: the timeline names it, not the manager who made it
        data.setdefault("via", via)
    TIMELINE_WRITTEN.set(True)
    return TimelineEntry(
        shop_id=works_order.shop_id,
        works_order=works_order,
        event=event,
        actor=actor,
        text=text,
        note_kind=note_kind,
        data=data,
    )


def record(
    works_order: WorksOrder,
    event: str,
    actor: Membership | None,
    text: str = "",
    note_kind: str = "",
    **data,
) -> TimelineEntry:
    """Write one timeline entry now."""
    entry = _entry(works_order, event, actor, text, note_kind, **data)
    entry.save()
    return entry


def timeline_open_for_erasure() -> None:
    """Let this transaction blank the text and data of timeline entries, for erasing a
    customer's personal data and for nothing else.

    The timeline is append-only in the database (migration 0022); this is its one door: a
    `SET LOCAL`, so it closes when the transaction ends. Who, when, which job and which step
    stay unchangeable even then, and nothing can be deleted.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("timeline_open_for_erasure() needs a transaction (SET LOCAL)")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL benchdesk.erasure = 'on'")


def record_step(
    works_order: WorksOrder,
    event: str,
    actor: Membership | None,
    text: str,
    *,
    source: str,
    since: datetime,
    **data,
) -> TimelineEntry:
    """Write the timeline entry of a lifecycle step taken at the works order's `status_since`:
    the job left `source`, where it had been since `since`."""
    target = works_order.status
    entry = _entry(works_order, event, actor, text, source=source, target=target, **data)
    entry.at = works_order.status_since
    entry.from_status = source
    entry.time_in_from_status = entry.at - since
    entry.save()
    return entry


def _quote_line(shop, position: int, line: LineData, works_order: WorksOrder | None = None):
    return QuoteLine(
        shop=shop,
        works_order=works_order,
        position=position,
        kind=line.kind,
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        vat_rate=shop.vat_rate if line.vat_rate is None else line.vat_rate,
        listed_price=line.listed_price,
        note=line.note,
    )


def quote_totals(lines) -> tuple[Decimal, Decimal, Decimal]:
    """(net, VAT, gross) of quote lines, VAT rounded per line as the invoice will be."""
    net = sum((line.net for line in lines), Decimal("0.00"))
    vat = sum((line.vat for line in lines), Decimal("0.00"))
    return money(net), money(vat), money(net + vat)


@transaction.atomic(savepoint=False)  # inside the intake's transaction: no savepoint needed
def works_order_book_in(
    *,
    branch: Branch,
    customer: Customer,
    device: Device,
    by: Membership | None,
    details: dict,
    passcode: str = "",
    lines: list[LineData] = (),
    consent: ConsentData | None = None,
    photos: list[ContentFile] = (),
    tell_customer: bool = True,
    booked_text: str = "",
    booked_data: dict | None = None,
    news: str = "booked_in",
) -> WorksOrder:
    """Create a numbered works order in intake, with its quote, photos and (if given) consent.
    `tell_customer=False` books it in silently (a scheduled visit raised ahead of time).
    `by=None`: the customer booked it online (booking/; `details["sla_from"]` the drop-off time
    they chose), the timeline saying `booked_text` (with `booked_data`) and the customer told
    `news` ("booked_online")."""
    shop = branch.shop
    if not branch.is_active:
        raise ValidationError("This branch is closed for new works orders.")
    if consent is not None:
        _check_consent(consent)
    works_order = WorksOrder(
        shop=shop, branch=branch, customer=customer, device=device, created_by=by, **details
    )
    works_order.number = numbering.next_number(
        shop=shop, branch=branch, on=timezone.localdate(timezone=branch.tz)
    )
    if passcode and works_order.passcode_kind not in (PasscodeKind.NONE, PasscodeKind.REFUSED):
        works_order.passcode_secret = passcodes.seal(passcode)
    quote = [_quote_line(shop, position, line) for position, line in enumerate(lines)]
    net, _, gross = quote_totals(quote)
    if consent is not None:
        works_order.agreed_gross = gross  # agreed as it is booked in: one write, not two
    kept = sla.sla_start(works_order)
    works_order.save()
    sla.sla_clock_save(works_order)
    for line in quote:
        line.works_order = works_order
    QuoteLine.objects.bulk_create(quote)
    text = _booked_in_text(works_order, kept)
    if booked_text:
        text = f"{booked_text}. {text}"
    entries = [_entry(works_order, Event.BOOKED_IN, by, text, **(booked_data or {}))]
    if consent is not None:
        saved = _consent_create(works_order, consent, by, net=net, gross=gross)
        entries.append(_consent_entry(works_order, saved, by))
    TimelineEntry.objects.bulk_create(entries)
    photos_add(works_order=works_order, images=photos, by=by)
    if tell_customer:
        _tell_customer(works_order, news, entries[0])
    return works_order


def _booked_in_text(works_order: WorksOrder, kept: sla.Promise) -> str:
    """ "Booked in at Birmingham. SLA: ready by Thursday 4 pm (5 business days)", and a promise
    typed later than the target is flagged for the manager to see."""
    text = f"Booked in at {works_order.branch.name}"
    if kept.due_at is None:
        return text
    tz = works_order.branch.tz
    text += f". SLA: ready by {sla.when_text(kept.due_at, tz)} ({kept.target})"
    promised = works_order.estimated_completion
    if promised and promised > kept.due_at and works_order.priority != Priority.WARRANTY:
        text += f". Promised later than the SLA target: {sla.when_text(promised, tz)}"
    return text


def _check_consent(consent: ConsentData) -> None:
    if consent.method == ConsentMethod.SIGNATURE and not consent.signature_png:
        raise ValidationError("The customer has not signed yet.")
    if not consent.signed_name.strip():
        raise ValidationError("Type the customer's name as they gave consent.")


def _consent_create(
    works_order: WorksOrder, consent: ConsentData, by: Membership, *, net: Decimal, gross: Decimal
) -> Consent:
    shop = works_order.shop
    return Consent.objects.create(
        shop=shop,
        works_order=works_order,
        method=consent.method,
        signed_name=consent.signed_name.strip(),
        signature_png=consent.signature_png if consent.method == ConsentMethod.SIGNATURE else None,
        recorded_by=by,
        quote_net=net,
        quote_gross=gross,
        terms=TermsVersion.objects.for_shop(shop).get(version=shop.terms_version),
    )


def _consent_entry(works_order: WorksOrder, consent: Consent, by: Membership) -> TimelineEntry:
    how = (
        "signed on screen"
        if consent.method == ConsentMethod.SIGNATURE
        else f"recorded by {by.user}"
    )
    gross, version = consent.quote_gross, consent.terms.version
    return _entry(
        works_order,
        Event.CONSENT,
        by,
        f"{consent.signed_name} agreed to {format_money(gross, works_order.shop.currency)} "
        f"and terms v{version} ({how})",
        gross=str(gross),
        terms_version=version,
    )


@transaction.atomic
def consent_record(*, works_order: WorksOrder, consent: ConsentData, by: Membership) -> Consent:
    """The customer's agreement to today's quote and the terms in force. Written once."""
    if hasattr(works_order, "consent"):
        raise ValidationError(
            "Consent is already recorded for this works order and cannot be changed."
        )
    _check_consent(consent)
    net, _, gross = quote_totals(works_order.lines.all())
    works_order.agreed_gross = gross
    works_order.save(update_fields=["agreed_gross"])
    saved = _consent_create(works_order, consent, by, net=net, gross=gross)
    _consent_entry(works_order, saved, by).save()
    from parts.services import works_order_reserve_parts  # see _quote_parts

    works_order_reserve_parts(works_order=works_order, by=by)  # the quote is accepted
    return saved


def photos_add(
    *, works_order: WorksOrder, images: Sequence[ContentFile], by: Membership, caption: str = ""
) -> list[Photo]:
    """All of `images` on the works order, or none: they are counted against the shop's photo
    storage before any file is written, and refused whole (PhotoStorageFull) if they do not fit."""
    if not images:
        return []  # before the transaction: a booking without photos opens no savepoint
    with transaction.atomic():  # the storage row stays locked until this (or the booking) commits
        shop_storage_take(
            shop_id=works_order.shop_id,
            size=sum(image.size for image in images),
            photos=len(images),
        )
        photos = []
        for image in images:
            photo = Photo(
                shop_id=works_order.shop_id,
                works_order=works_order,
                uploaded_by=by,
                caption=caption,
                size=image.size,
            )
            photo.image.save("photo.jpg", image, save=False)
            photo.save()
            photos.append(photo)
        TimelineEntry.objects.bulk_create(
            _entry(works_order, Event.PHOTO, by, caption) for _ in photos
        )
    return photos


def photo_deleted(sender, instance: Photo, **kwargs) -> None:
    """Whatever deletes a photo row (a works order or a shop removed in the admin) gives its
    bytes back to the shop and, once that commits, removes the file nobody can reach any more."""
    shop_storage_release(shop_id=instance.shop_id, size=instance.size, photos=1)
    if instance.image:
        transaction.on_commit(lambda: instance.image.delete(save=False), robust=True)


def may_see_passcode(member: Membership, works_order: WorksOrder) -> bool:
    """Managers, and the technician the job is assigned to: the fewest people who need it."""
    if member.is_manager:
        return True
    return member.role == Role.TECHNICIAN and works_order.assigned_to_id == member.pk


def passcode_reveal(*, works_order: WorksOrder, by: Membership) -> str:
    """The passcode in clear, for testing the device; who looked and when goes on the timeline."""
    if not works_order.has_passcode:
        raise ValidationError("No passcode is stored for this works order.")
    if not may_see_passcode(by, works_order):
        raise ValidationError(
            "Only the technician the job is assigned to, or a manager, sees the passcode."
        )
    record(works_order, Event.PASSCODE_VIEWED, by, f"{by.user} viewed the passcode")
    return passcodes.unseal(works_order.passcode_secret)


def works_order_plan_update(
    *,
    works_order: WorksOrder,
    priority: str,
    estimated_completion: datetime | None,
    estimated_minutes: int | None,
    by: Membership,
) -> WorksOrder:
    """Change priority, due time or bench time; the timeline says what changed, from what."""
    if not works_order.is_open:
        raise ValidationError(f"{works_order.number} is closed: its plan no longer changes.")
    tz = works_order.branch.tz

    def due(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%a %-d %b %H:%M") if value else "not set"

    def minutes(value: int | None) -> str:
        return f"{value} min" if value else "not set"

    changes = [
        (label, shown(old), shown(new))
        for label, old, new, shown in (
            ("Priority", works_order.priority, priority, lambda p: Priority(p).label),
            ("Due", works_order.estimated_completion, estimated_completion, due),
            ("Bench time", works_order.estimated_minutes, estimated_minutes, minutes),
        )
        if old != new
    ]
    if not changes:
        return works_order
    retarget = works_order.priority != priority or (
        priority == Priority.WARRANTY and works_order.estimated_completion != estimated_completion
    )
    works_order.priority = priority
    works_order.estimated_completion = estimated_completion
    works_order.estimated_minutes = estimated_minutes
    fields = ["priority", "estimated_completion", "estimated_minutes"]
    with transaction.atomic():
        if retarget:  # the SLA follows the priority (and a warranty job's due time)
            if new_due := sla.sla_retarget(works_order):
                changes.append(("", "", new_due))
            fields += sla.SLA_FIELDS
        works_order.save(update_fields=fields)
        sla.sla_clock_save(works_order)
        text = "; ".join(f"{label}: {old} → {new}" if label else new for label, old, new in changes)
        record(works_order, Event.DETAILS, by, text)
    return works_order


def note_add(*, works_order: WorksOrder, text: str, kind: str, by: Membership) -> TimelineEntry:
    """An internal note, or an update the customer will see on their status page."""
    if not text.strip():
        raise ValidationError("Write something first.")
    if kind not in NoteKind.values:
        raise ValidationError("Choose who the note is for.")
    entry = record(works_order, Event.NOTE, by, text.strip(), note_kind=kind)
    if kind == NoteKind.CUSTOMER:
        _tell_customer(works_order, "update", entry)
    return entry


def works_order_parts_arrived(
    *, works_order: WorksOrder, delivery: str, by: Membership | None
) -> TimelineEntry:
    """Record that the parts a waiting job needs are in (an update the customer sees), and say
    so in this transaction: the customer gets the parts-arrived message, the technician an
    alert. `delivery` names the delivery, so listeners can key their work on it."""
    entry = record(
        works_order, Event.NOTE, by, "Parts arrived", note_kind=NoteKind.CUSTOMER, delivery=delivery
    )
    _tell_customer(works_order, "parts_arrived", entry)
    return entry


def _tell_customer(works_order: WorksOrder, news: str, entry: TimelineEntry) -> None:
    """Say `news` happened, inside the caller's transaction (notifications writes the customer's
    message to its outbox, which commits with the news or not at all)."""
    customer_news.send(WorksOrder, works_order=works_order, news=news, entry=entry)


def works_order_cancel(
    *, works_order: WorksOrder, reason: str, by: Membership, outcome: str = "", barrier: str = ""
) -> WorksOrder:
    """Cancel an open works order. Its number is retired: never reused, never renumbered.
    `outcome` and `barrier` say, when known, whether the device could have been repaired."""
    from tickets.lifecycle import works_order_advance

    try:
        return works_order_advance(
            works_order=works_order,
            step="cancel",
            by=by,
            reason=reason,
            outcome=outcome,
            barrier=barrier,
        )
    except TransitionRefused as refused:
        raise ValidationError(str(refused)) from None


@transaction.atomic
def works_order_intake(
    *,
    branch: Branch,
    by: Membership,
    customer: Customer | None,
    new_customer: dict | None,
    device: dict,
    details: dict,
    passcode: str = "",
    lines: list[LineData] = (),
    consent: ConsentData | None = None,
    photos: list[ContentFile] = (),
    parts: list[tuple[int, int, str]] = (),
    warranty_return_of: WorksOrder | None = None,
    returns_seen: int = 0,
    template=None,
) -> WorksOrder:
    """The counter's booking: customer (found or new), device (same IMEI = same device) and the
    works order, all in one transaction — a failure anywhere leaves nothing half-saved.

    `parts` (part id, quantity, repair) are what the repairs quoted from the pricebook use: they
    go on the job's parts list, held on the shelf once the customer has agreed.

    With `template` (a JobTemplate), the job gets the template's checklist; its lines come in
    `lines` like any others (the counter may have changed them).

    With `warranty_return_of`, the booking is a warranty return of that collected job (see
    warranty_return_book_in): its customer and device, whatever else was given."""
    from customers.services import customer_create
    from devices.services import device_for_intake

    if warranty_return_of is not None:
        works_order = warranty_return_book_in(
            original=warranty_return_of,
            returns_seen=returns_seen,
            branch=branch,
            by=by,
            details=details,
            passcode=passcode,
            consent=consent,
            photos=photos,
        )
        _quote_parts(works_order, parts, by)
        return works_order
    if customer is None:
        customer = customer_create(shop=branch.shop, **new_customer)
    works_order = works_order_book_in(
        branch=branch,
        customer=customer,
        device=device_for_intake(shop=branch.shop, customer=customer, **device),
        by=by,
        details=details,
        passcode=passcode,
        lines=lines,
        consent=consent,
        photos=photos,
    )
    _quote_parts(works_order, parts, by)
    if template is not None:  # started from a job template: its checklist goes on the job
        from tickets.job_templates import checklist_copy

        checklist_copy(works_order=works_order, template=template, by=by)
    return works_order


class ReturnAlreadyBooked(ValidationError):
    """The same warranty-return form sent twice (a double click, a second counter on the same
    screen): the first booking stands, and this names it."""

    def __init__(self, original: str, booked: str) -> None:
        super().__init__(f"{original} has just been booked in as warranty return {booked}.")
        self.booked = booked


def warranty_return_book_in(
    *,
    original: WorksOrder,
    returns_seen: int,
    branch: Branch,
    by: Membership,
    details: dict,
    passcode: str = "",
    consent: ConsentData | None = None,
    photos: list[ContentFile] = (),
) -> WorksOrder:
    """Book `original`'s device back in under its warranty: a new works order of its own number,
    same customer and device, priority warranty, linked to the original and at no charge (one
    zero line saying so; a manager may set a price later, with a reason). Both timelines say so;
    the original itself is not changed, so its warranty stays as it was.

    `returns_seen` is how many returns of the original the form was drawn with: a form sent again
    after its booking (a double submit) finds one more and is refused with the job it made. A
    device may come back more than once; each return is booked from a fresh form."""
    from tickets.warranty import day_text, return_refusal, today_at, warranty_of

    locked = (
        WorksOrder.objects.for_shop(original.shop_id)
        .select_for_update(of=("self",))
        .select_related("branch", "customer", "device")
        .get(pk=original.pk)
    )
    earlier = list(
        WorksOrder.objects.for_shop(original.shop_id)
        .filter(warranty_return_of=locked)
        .order_by("-created_at", "-id")
        .values_list("number", flat=True)
    )
    if len(earlier) != returns_seen:
        if 0 <= returns_seen < len(earlier):
            raise ReturnAlreadyBooked(locked.number, earlier[0])
        raise ValidationError(
            f"This form is out of date: book the return again from {locked.number}."
        )
    warranty = warranty_of(locked)
    refusal = return_refusal(locked, warranty, today_at(locked))
    if refusal:
        raise ValidationError(refusal)
    reason = f"warranty return of {locked.number}"
    works_order = works_order_book_in(
        branch=branch,
        customer=locked.customer,
        device=locked.device,
        by=by,
        details={
            **details,
            "priority": Priority.WARRANTY,
            "warranty_return_of": locked,
            "final_price": Decimal("0.00"),
        },
        passcode=passcode,
        lines=[LineData(description=f"No charge: {reason}", unit_price=Decimal("0.00"))],
        consent=consent,
        photos=photos,
    )
    until = day_text(warranty.until)
    TimelineEntry.objects.bulk_create(
        [
            _entry(
                works_order,
                Event.DETAILS,
                by,
                f"Warranty return of {locked.number} (warranty until {until}): no charge",
                warranty_return_of=locked.number,
                final_price="0.00",
            ),
            _entry(
                locked,
                Event.DETAILS,
                by,
                f"Came back under warranty: {works_order.number} (warranty until {until}, "
                "unchanged)",
                warranty_return=works_order.number,
            ),
        ]
    )
    return works_order


def _quote_parts(
    works_order: WorksOrder, parts: list[tuple[int, int, str]], by: Membership
) -> None:
    # parts.services writes the timeline through this module, so it is imported here, late.
    from parts.models import Part
    from parts.services import works_order_part_add, works_order_reserve_parts

    found = Part.objects.for_shop(works_order.shop_id).in_bulk([row[0] for row in parts])
    for part_id, quantity, repair in parts:
        works_order_part_add(
            works_order=works_order,
            part=found[part_id],
            quantity=quantity,
            by=by,
            for_repair=repair,
        )
    if parts and works_order.agreed_gross is not None:  # the quote is accepted: hold the parts
        works_order_reserve_parts(works_order=works_order, by=by)


# Online bookings ---------------------------------------------------------------------------


class BookingAlreadyCompleted(ValidationError):
    """The counter's completion sent twice (a double click, two counters): the first stands."""


@transaction.atomic
def works_order_booking_complete(
    *,
    works_order: WorksOrder,
    by: Membership,
    customer: Customer | None,
    new_customer: dict | None,
    device: dict,
    details: dict,
    passcode: str = "",
    lines: list[LineData] = (),
    consent: ConsentData | None = None,
    photos: list[ContentFile] = (),
    parts: list[tuple[int, int, str]] = (),
) -> WorksOrder:
    """The counter completes a job the customer booked online, from the intake form: what the
    intake records (customer, device with its IMEI or serial, condition, passcode, quote,
    consent, photos) written onto the booked job, whose number, status link and drop-off time
    stay. The quote becomes the counter's lines; the customer is told it is booked in."""
    from customers.services import customer_create
    from devices.services import device_for_intake

    locked = (
        WorksOrder.objects.for_shop(works_order.shop_id)
        .select_for_update(of=("self",))
        .select_related("shop", "branch", "device", "customer")
        .get(pk=works_order.pk)
    )
    if not locked.awaiting_drop_off:
        raise BookingAlreadyCompleted(f"{locked.number} has already been completed at the counter.")
    if locked.status != Status.INTAKE:
        raise ValidationError(f"{locked.number} is no longer in intake.")
    shop = locked.shop
    branch = details.pop("branch", None) or locked.branch
    if branch.shop_id != shop.pk or not branch.is_active:
        raise ValidationError("Choose one of this shop's open branches.")
    if consent is not None:
        _check_consent(consent)
    if customer is None:
        customer = customer_create(shop=shop, **new_customer)
    placeholder = locked.device
    locked.device = device_for_intake(shop=shop, customer=customer, **device)
    locked.customer = customer
    old_priority, old_branch = locked.priority, locked.branch_id
    for name, value in details.items():
        setattr(locked, name, value)
    locked.branch = branch
    if passcode and locked.passcode_kind not in (PasscodeKind.NONE, PasscodeKind.REFUSED):
        locked.passcode_secret = passcodes.seal(passcode)
    QuoteLine.objects.for_shop(shop).filter(works_order=locked).delete()
    quote = [_quote_line(shop, position, line, locked) for position, line in enumerate(lines)]
    QuoteLine.objects.bulk_create(quote)
    net, _, gross = quote_totals(quote)
    if consent is not None:
        locked.agreed_gross = gross
    if locked.created_by_id is None:
        locked.created_by = by  # who took the device in: the receipt's "served by"
    locked.dropped_off_at = timezone.now()
    retarget = ""
    if locked.priority != old_priority or locked.branch_id != old_branch:
        retarget = sla.sla_retarget(locked)
    locked.save()
    sla.sla_clock_save(locked)
    text = f"Online booking completed at the counter: {locked.device}"
    if locked.device.identifier:
        text += f", {locked.device.identifier}"
    entries = [_entry(locked, Event.DETAILS, by, text + (f". {retarget}" if retarget else ""))]
    if consent is not None:
        saved = _consent_create(locked, consent, by, net=net, gross=gross)
        entries.append(_consent_entry(locked, saved, by))
    TimelineEntry.objects.bulk_create(entries)
    if placeholder.pk != locked.device_id:
        _forget_placeholder(placeholder)
    photos_add(works_order=locked, images=photos, by=by)
    _quote_parts(locked, parts, by)
    _tell_customer(locked, "booked_in", entries[0])
    return locked


def _forget_placeholder(device: Device) -> None:
    """The device the booking named by model alone, once the counter found the real one on
    file (same IMEI): removed unless something else came to point at it meanwhile."""
    if WorksOrder.objects.for_shop(device.shop_id).filter(device=device).exists():
        return
    try:
        with transaction.atomic():
            device.delete()
    except (IntegrityError, ProtectedError):
        pass  # kept: harmless, and the customer's device list shows it


# The bench ---------------------------------------------------------------------------------


def diagnosis_update(
    *, works_order: WorksOrder, diagnosis: str, codes: str, by: Membership
) -> None:
    """The technician's findings (they may differ from the fault as reported)."""
    works_order.diagnosis, works_order.diagnostic_codes = diagnosis.strip(), codes.strip()
    works_order.save(update_fields=["diagnosis", "diagnostic_codes"])
    record(
        works_order,
        Event.NOTE,
        by,
        f"Diagnosis: {works_order.diagnosis}",
        note_kind=NoteKind.INTERNAL,
    )


@transaction.atomic
def timer_start(*, works_order: WorksOrder, by: Membership) -> TimeEntry:
    """Start the technician's clock on this job (one running timer per job per person)."""
    running = TimeEntry.objects.for_shop(works_order.shop_id).filter(
        works_order=works_order, technician=by, ended_at__isnull=True
    )
    if running.exists():
        raise ValidationError("Your timer is already running on this job.")
    try:
        with transaction.atomic():
            return TimeEntry.objects.create(
                shop_id=works_order.shop_id, works_order=works_order, technician=by
            )
    except IntegrityError:  # a double click from two tabs
        raise ValidationError("Your timer is already running on this job.") from None


@transaction.atomic
def timer_stop(*, works_order: WorksOrder, by: Membership) -> TimeEntry:
    entry = (
        TimeEntry.objects.for_shop(works_order.shop_id)
        .select_for_update()
        .filter(works_order=works_order, technician=by, ended_at__isnull=True)
        .first()
    )
    if entry is None:
        raise ValidationError("Your timer is not running on this job.")
    entry.ended_at = max(timezone.now(), entry.started_at + timedelta(minutes=1))
    entry.save(update_fields=["ended_at"])
    record(works_order, Event.TIME, by, f"{entry.minutes} min on the bench")
    return entry


def timers_stop_all(works_order: WorksOrder) -> list[str]:
    """Stop every clock running on the job (it is leaving the bench): what each one logged."""
    running = (
        TimeEntry.objects.for_shop(works_order.shop_id)
        .select_for_update()
        .filter(works_order=works_order, ended_at__isnull=True)
        .select_related("technician__user")
    )
    now, said = timezone.now(), []
    for entry in running:
        entry.ended_at = max(now, entry.started_at + timedelta(minutes=1))
        entry.save(update_fields=["ended_at"])
        said.append(f"{entry.technician.user}'s timer stopped at {entry.minutes} min")
    return said


def time_entry_add(
    *, works_order: WorksOrder, technician: Membership, minutes: int, note: str, by: Membership
) -> TimeEntry:
    """Time typed in afterwards (forgot the timer), ending now."""
    if minutes <= 0 or minutes > 24 * 60:
        raise ValidationError("Give the time in minutes, between 1 and 1440.")
    end = timezone.now()
    entry = TimeEntry.objects.create(
        shop_id=works_order.shop_id,
        works_order=works_order,
        technician=technician,
        started_at=end - timedelta(minutes=minutes),
        ended_at=end,
        note=note.strip(),
    )
    record(
        works_order,
        Event.TIME,
        by,
        f"{minutes} min by {technician.user}" + (f": {note}" if note else ""),
    )
    return entry


@transaction.atomic
def extra_work_add(
    *, works_order: WorksOrder, line: LineData, reason: str, by: Membership
) -> QuoteLine:
    """Add a line found on the bench. Above the agreed price by more than the shop allows, the
    job pauses for the customer's approval of the new total."""
    from tickets.lifecycle import works_order_advance

    if not works_order.is_open:
        raise ValidationError(f"{works_order.number} is closed.")
    added = _quote_line(works_order.shop, works_order.lines.count(), line, works_order)
    added.save()
    price = format_money(added.gross, works_order.shop.currency)
    record(
        works_order, Event.NOTE, by, f"Extra work: {added.description} ({price})", NoteKind.INTERNAL
    )
    if works_order.needs_approval():
        open_request = Approval.objects.for_shop(works_order.shop_id).filter(
            works_order=works_order, approved__isnull=True
        )
        request = open_request.first() or Approval(
            shop_id=works_order.shop_id,
            works_order=works_order,
            previous_gross=works_order.agreed_gross,
            requested_by=by,
            reason=reason.strip() or added.description,
        )
        request.new_gross = money(works_order.quote_gross())
        request.line_ids = [*request.line_ids, added.pk]
        request.save()
        if works_order.status == Status.IN_PROGRESS:
            works_order_advance(works_order=works_order, step="ask_for_approval", by=by)
    return added


@transaction.atomic
def approval_record(
    *,
    works_order: WorksOrder,
    approved: bool,
    method: str,
    by: Membership | None,
    evidence: dict | None = None,
) -> Approval:
    """The customer's answer. Approved: the new total is agreed. Declined: the extra lines go and
    the job carries on within the original scope. Either way the bench can go on.

    `by` is the member of staff who recorded it, or None when the customer answered themselves
    (status page, SMS reply); `evidence` keeps how (time, address, browser, the amounts shown,
    the reply's text and provider id)."""
    from tickets.lifecycle import works_order_resume_on_answer

    request = (
        Approval.objects.for_shop(works_order.shop_id)
        .select_for_update()
        .filter(works_order=works_order, approved__isnull=True)
        .first()
    )
    if request is None:
        raise ValidationError("No approval is waiting for this job.")
    if method not in ApprovalMethod.values:
        raise ValidationError("Say how the customer answered.")
    request.approved, request.method, request.decided_by = approved, method, by
    request.decided_at = timezone.now()
    request.evidence = evidence or {}
    request.save()
    currency = works_order.shop.currency
    new, previous = (
        format_money(request.new_gross, currency),
        format_money(request.previous_gross, currency),
    )
    if approved:
        works_order.agreed_gross = request.new_gross
        works_order.save(update_fields=["agreed_gross"])
        text = f"Customer approved {new} ({request.get_method_display().lower()})"
    else:
        QuoteLine.objects.for_shop(works_order.shop_id).filter(pk__in=request.line_ids).delete()
        text = f"Customer declined {new}; back to {previous}"
    record(works_order, Event.APPROVAL, by, text, approved=approved, method=method)
    answer = "the customer approved" if approved else "the customer declined the extra work"
    works_order_resume_on_answer(works_order=works_order, by=by, detail=answer)
    return request


def may_set_final_price(member: Membership, works_order: WorksOrder) -> bool:
    """The technician on the job or a manager, while the job is open; a warranty return is at
    no charge unless a manager decides otherwise."""
    if not works_order.is_open:
        return False
    if works_order.warranty_return_of_id is not None:
        return member.is_manager
    return member.is_manager or member.pk == works_order.assigned_to_id


def final_price_text(final: Decimal, quoted: Decimal, currency: str, reason: str = "") -> str:
    """How the timeline words a final price: as quoted, or what it differs from and why. The
    scale-data generator words its history with this too."""
    price = format_money(final, currency)
    if final == quoted:
        return f"Final price {price}, as quoted"
    text = f"Final price {price} (quote {format_money(quoted, currency)})"
    return f"{text}: {reason}" if reason else text


@transaction.atomic
def final_price_set(
    *, works_order: WorksOrder, amount: Decimal, reason: str, by: Membership
) -> WorksOrder:
    """Set what the customer pays: while the job is open, by its technician or a manager. A
    price other than the quote as it stands (what the customer agreed, with the extra work they
    approved or that fell within the shop's threshold) needs a reason. A closed job's price never
    changes: billing corrects it with a credit note."""
    locked = (
        WorksOrder.objects.for_shop(works_order.shop_id).select_for_update().get(pk=works_order.pk)
    )
    if not locked.is_open:
        raise ValidationError(
            f"{locked.number} is {locked.get_status_display().lower()}: "
            "the price of a closed job does not change."
        )
    if not may_set_final_price(by, locked):
        if locked.warranty_return_of_id is not None:
            raise ValidationError("A warranty return is at no charge unless a manager decides.")
        raise ValidationError("Only the technician on the job or a manager sets the final price.")
    for _listener, refusal in price_change_check.send(WorksOrder, works_order=locked):
        if refusal:
            raise ValidationError(refusal)
    if amount < 0:
        raise ValidationError({"amount": "The final price cannot be negative."})
    final, quoted, reason = money(amount), money(locked.quote_gross()), reason.strip()
    if final != quoted and not reason:
        raise ValidationError(
            {"reason": "Say why the price differs from the quote: the customer will ask."}
        )
    locked.final_price = final
    locked.save(update_fields=["final_price"])
    works_order.final_price = final
    record(
        works_order,
        Event.DETAILS,
        by,
        final_price_text(final, quoted, works_order.shop.currency, reason),
        final_price=str(final),
        quoted=str(quoted),
    )
    return works_order
